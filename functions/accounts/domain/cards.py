"""Card numbers and secrets: a Luhn-valid PAN on our BIN, encrypted at rest, found by a keyed index;
the CVV derived from PAN and expiry with a secret key (as issuers do), never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PAN_LENGTH = 16
VALID_YEARS = 3
NONCE_BYTES = 12


class CardState(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    REPLACED = "replaced"  # terminal: a newer card took over


class Blocker(StrEnum):
    """Who blocked a card: a customer lifts only their own block."""

    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"  # too many wrong PIN/CVV tries


@dataclass(frozen=True)
class CardKeys:
    pan_key: bytes
    cvv_key: bytes
    pan_index_key: bytes


def new_pan(bin_prefix: str) -> str:
    # Imported here, when a card is issued: python-stdnum builds its character tables at import, a cost
    # every cold start of the accounts functions paid for a call only card issuing makes (decision 0045).
    from stdnum import luhn

    body = bin_prefix + "".join(str(secrets.randbelow(10)) for _ in range(PAN_LENGTH - len(bin_prefix) - 1))
    return body + luhn.calc_check_digit(body)


def mask(pan: str) -> str:
    return f"{pan[:6]}{'*' * (len(pan) - 10)}{pan[-4:]}"


def expiry(issued: datetime) -> tuple[int, int]:
    """(month, year): the card is valid to the end of the issue month, three years out."""
    return issued.month, issued.year + VALID_YEARS


def is_expired(month: int, year: int, now: datetime) -> bool:
    return (now.year, now.month) > (year, month)


def cvv(cvv_key: bytes, pan: str, month: int, year: int) -> str:
    digest = hmac.new(cvv_key, f"{pan}|{month:02d}{year:04d}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1000:03d}"


def cvv_matches(cvv_key: bytes, pan: str, month: int, year: int, given: str) -> bool:
    return hmac.compare_digest(cvv(cvv_key, pan, month, year), given)


def pan_index(pan_index_key: bytes, pan: str) -> str:
    """Deterministic keyed digest: lets us find a card by PAN without storing the PAN in clear."""
    return hmac.new(pan_index_key, pan.encode(), hashlib.sha256).hexdigest()


def encrypt_pan(pan_key: bytes, pan: str, card_id: str) -> str:
    # The card id is the associated data: a ciphertext copied onto another card will not decrypt.
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(pan_key).encrypt(nonce, pan.encode(), card_id.encode())
    return base64.b64encode(nonce + sealed).decode()


def decrypt_pan(pan_key: bytes, token: str, card_id: str) -> str:
    raw = base64.b64decode(token)
    return AESGCM(pan_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], card_id.encode()).decode()
