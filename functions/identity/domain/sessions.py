"""Refresh tokens and their families (one family per sign-in).

A refresh token is an opaque random string; only its SHA-256 is stored. Each use rotates it: the
presented token is marked used and a new one is issued in the same family. A used token presented again
means a copy leaked, so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
A family lives 30 days from sign-in; changing the password or disabling the user bumps the user's token
generation, which ends every family made before.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from identity.domain.errors import InvalidRefreshToken, RefreshTokenReused

FAMILY_SECONDS = 30 * 24 * 3600
TOKEN_BYTES = 32


class TokenState(StrEnum):
    ACTIVE = "active"
    USED = "used"


@dataclass(frozen=True)
class RefreshRecord:
    token_hash: str
    family_id: str
    user_id: str
    state: TokenState
    expires_at: int


@dataclass(frozen=True)
class Family:
    family_id: str
    user_id: str
    generation: int
    revoked: bool
    expires_at: int


class Verdict(StrEnum):
    ROTATE = "rotate"
    REUSED = "reused"
    INVALID = "invalid"


def new_refresh_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """A fast hash is right here: the token has 256 random bits, nothing to brute-force."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def judge(
    record: RefreshRecord | None,
    family: Family | None,
    *,
    user_generation: int | None,
    user_enabled: bool,
    now: int,
) -> Verdict:
    """What to do with a presented refresh token."""
    if record is None or family is None or family.revoked or family.user_id != record.user_id:
        return Verdict.INVALID
    if record.expires_at <= now or family.expires_at <= now:
        return Verdict.INVALID
    if user_generation is None or not user_enabled or family.generation != user_generation:
        return Verdict.INVALID
    if record.state is TokenState.USED:
        return Verdict.REUSED
    return Verdict.ROTATE


def raise_for(verdict: Verdict) -> None:
    if verdict is Verdict.REUSED:
        raise RefreshTokenReused()
    if verdict is Verdict.INVALID:
        raise InvalidRefreshToken()
