"""PINs: 4-digit strings kept as keyed hashes, with an attempt limit.

A slow password hash cannot protect 10,000 possible values and would slow every payment; a keyed
HMAC-SHA256 with a secret from Secrets Manager (useless to anyone who steals only the table) plus
the lockout is what protects them. The hash binds a context (account or card) so equal PINs differ.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

MAX_ATTEMPTS = 3
LOCK_DURATION = timedelta(minutes=15)


def hash_pin(key: bytes, context: str, pin: str) -> str:
    return hmac.new(key, f"{context}|{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(key: bytes, context: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(hash_pin(key, context, pin), stored)


def account_context(account_number: str) -> str:
    return f"account:{account_number}"


def card_context(account_number: str) -> str:
    # Keyed by account, not card, so a replacement card keeps the PIN without the clear PIN.
    return f"card:{account_number}"


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def exhausted(failures: int) -> bool:
    """True when this many consecutive failures must lock (the account) or block (the card)."""
    return failures >= MAX_ATTEMPTS
