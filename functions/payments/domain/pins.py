"""The payment PIN: a 4-digit string kept as a keyed hash on the account's position, with try-taking.

A slow password hash cannot protect 10,000 values and would slow every payment; a keyed HMAC-SHA256
(the key from Secrets Manager, useless to anyone who steals only the table) plus the attempt limit is
what protects it. The hash binds the account number, so equal PINs differ.

Every attempt first takes a try (core.tries): 3 tries taken less than 15 minutes apart lock the PIN
until 15 minutes after the last one (or until staff unlock it). A right PIN gives its try back in the
payment's own transaction.
"""

from __future__ import annotations

import hashlib
import hmac

from core.tries import TryLimit

PIN_TRIES = TryLimit(limit=3, seconds=15 * 60)


def hash_pin(key: bytes, account: str, pin: str) -> str:
    return hmac.new(key, f"account:{account}|{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(key: bytes, account: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(hash_pin(key, account, pin), stored)
