"""Card PINs: 4-digit strings kept as keyed hashes, with a try taken before each check.

A slow password hash cannot protect 10,000 possible values; a keyed HMAC-SHA256 with a secret from
Secrets Manager (useless to anyone who steals only the table) plus the attempt limit is what protects
them. Every card check (PIN, CVV, expiry) first takes a try from the card's counter in one conditional
write, and only then compares: a right answer gives the try back, a wrong one keeps it, and the
MAX_TRIES-th wrong one blocks the card. So parallel guesses never get more than MAX_TRIES judged.
(The account's payment PIN lives with its balance at payments: payments.domain.pins.)
"""

from __future__ import annotations

import hashlib
import hmac

from core.tries import TryLimit

MAX_TRIES = 3
# Three wrong answers less than a day apart block the card (until staff unblock it); older ones lapse.
CARD_TRIES = TryLimit(limit=MAX_TRIES, seconds=24 * 3600)


def hash_pin(key: bytes, context: str, pin: str) -> str:
    return hmac.new(key, f"{context}|{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(key: bytes, context: str, pin: str, stored: str) -> bool:
    return hmac.compare_digest(hash_pin(key, context, pin), stored)


def card_context(account_number: str) -> str:
    # Keyed by account, not card, so a replacement card keeps the PIN without the clear PIN.
    return f"card:{account_number}"


def blocks_card(wrong_answers: int) -> bool:
    """True when this many wrong answers block the card."""
    return wrong_answers >= MAX_TRIES
