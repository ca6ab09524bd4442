"""Secrets from Secrets Manager by name, cached in the warm function (Powertools parameters)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from core import aws

CACHE_SECONDS = 300


@cache
def _provider() -> SecretsProvider:
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
