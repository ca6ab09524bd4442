"""Placeholder until the identity service lands: refuses every token."""

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise Exception("Unauthorized")
