"""Secrets from Secrets Manager by name, cached in the warm function (Powertools parameters).

Powertools' `parameters` package imports boto3 (each of its providers does, at import), so it is imported
when the first secret is read, not with this module: a handler that reads no secret on its first request
does not pay for boto3 and s3transfer in its cold start (decision 0045).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from core import aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

CACHE_SECONDS = 300


@cache
def _provider() -> SecretsProvider:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider  # on first use: see above

    # Powertools' default provider makes its own boto3 session (≈ 9 MB and ≈ 60 ms per process, see
    # decision 0005); this one uses the process's client. It also holds the values' cache.
    return SecretsProvider(boto3_client=aws.client("secretsmanager"))


def secret_json(name: str, *, force: bool = False) -> dict[str, Any]:
    """The secret's JSON object, re-read after CACHE_SECONDS (or now, with `force`)."""
    value = _provider().get(name, transform="json", max_age=CACHE_SECONDS, force_fetch=force)
    if not isinstance(value, dict):
        raise TypeError(f"secret {name} is not a JSON object")
    return value


def forget() -> None:
    """Drop the cached values and client (tests switch moto on and off between cases)."""
    _provider.cache_clear()
