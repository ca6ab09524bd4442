"""Secrets from Secrets Manager by name, cached in the warm function (Powertools parameters)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities import parameters

CACHE_SECONDS = 300


def secret_json(name: str) -> dict[str, Any]:
    value = parameters.get_secret(name, transform="json", max_age=CACHE_SECONDS)
    if not isinstance(value, dict):
        raise TypeError(f"secret {name} is not a JSON object")
    return value
