"""A keep-alive JSON client for the deployed API, shared by the integration tests and the bench."""

from __future__ import annotations

from typing import Any

import requests


class Api:
    """One per thread (a requests Session is not thread-safe). Extra keyword arguments (`params`, raw
    `data`, ...) go straight to `requests`."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.session = requests.Session()

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
