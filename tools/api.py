"""A keep-alive JSON client for the deployed API, shared by the integration tests and the bench."""

from __future__ import annotations

import secrets
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class _SourceAddress(HTTPAdapter):
    """Connections from a chosen local address: on one machine, 127.0.0.0/8 gives as many clients (as
    the gateway's sourceIp sees them) as the bank's per-client limits need."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def random_client_address() -> str:
    """A loopback address other callers are unlikely to share (127.0.0.1 itself is left to browsers)."""
    return f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


class Api:
    """One per thread (a requests Session is not thread-safe). Extra keyword arguments (`params`, raw
    `data`, ...) go straight to `requests`. `client_address` sends from that local address (the
    bank limits sign-ins and registrations per client address)."""

    def __init__(self, base_url: str, timeout: float = 30.0, client_address: str | None = None) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.session = requests.Session()
        if client_address:
            adapter = _SourceAddress(client_address)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.session.request(
            method,
            self.base_url + path,
            json=json,
            headers=all_headers,
            timeout=timeout or self.timeout,
            **kwargs,
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)
