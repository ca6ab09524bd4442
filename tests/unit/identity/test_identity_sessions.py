"""Refresh-token rules: hashing and the verdict on a presented token."""

from __future__ import annotations

import pytest

from identity.domain import sessions
from identity.domain.errors import InvalidRefreshToken, RefreshTokenReused
from identity.domain.sessions import Family, RefreshRecord, TokenState, Verdict, judge

NOW = 1_750_000_000


def record(state: TokenState = TokenState.ACTIVE, expires_at: int = NOW + 60) -> RefreshRecord:
    return RefreshRecord("h", "fam_1", "usr_1", state, expires_at)


def family(revoked: bool = False, generation: int = 0, expires_at: int = NOW + 60) -> Family:
    return Family("fam_1", "usr_1", generation, revoked, expires_at)


def test_tokens_are_random_and_only_their_sha256_is_kept() -> None:
    first, second = sessions.new_refresh_token(), sessions.new_refresh_token()
    assert first != second and len(first) >= 43
    assert sessions.hash_token(first) == sessions.hash_token(first)
    assert len(sessions.hash_token(first)) == 64 and first not in sessions.hash_token(first)


def test_an_active_token_of_a_live_family_rotates() -> None:
    assert judge(record(), family(), user_generation=0, user_enabled=True, now=NOW) is Verdict.ROTATE


def test_a_used_token_is_reuse() -> None:
    verdict = judge(record(TokenState.USED), family(), user_generation=0, user_enabled=True, now=NOW)
    assert verdict is Verdict.REUSED


@pytest.mark.parametrize(
    ("rec", "fam", "generation", "enabled"),
    [
        (None, family(), 0, True),  # unknown token
        (record(), None, 0, True),  # family gone
        (record(), family(revoked=True), 0, True),  # logged out or reuse detected
        (record(expires_at=NOW), family(), 0, True),  # expired
        (record(), family(expires_at=NOW), 0, True),  # family expired
        (record(), family(generation=0), 1, True),  # password changed since sign-in
        (record(), family(), 0, False),  # user disabled
        (record(), family(), None, True),  # user deleted
        (record(TokenState.USED), family(revoked=True), 0, True),  # reuse of a revoked family
    ],
)
def test_everything_else_is_invalid(
    rec: RefreshRecord | None, fam: Family | None, generation: int | None, enabled: bool
) -> None:
    assert judge(rec, fam, user_generation=generation, user_enabled=enabled, now=NOW) is Verdict.INVALID


def test_verdicts_raise_their_errors() -> None:
    sessions.raise_for(Verdict.ROTATE)
    with pytest.raises(RefreshTokenReused):
        sessions.raise_for(Verdict.REUSED)
    with pytest.raises(InvalidRefreshToken):
        sessions.raise_for(Verdict.INVALID)
