"""Opaque cursors for `?limit=&cursor=` lists: the DynamoDB LastEvaluatedKey, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from core.errors import InvalidCursor, InvalidRequest

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}", code_field="limit")
    return int(raw)


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, expect: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Decode a cursor; `expect` pins key attributes (the partition being listed) so a forged cursor
    cannot page through somebody else's items."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidCursor()
    if expect and any(value.get(name) != wanted for name, wanted in expect.items()):
        raise InvalidCursor()
    return value
