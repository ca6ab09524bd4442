"""The lockout rule (pure) and its DynamoDB counter."""

from __future__ import annotations

from typing import Any

from identity.domain import lockout
from identity.domain.lockout import LOCK_SECONDS, MAX_FAILURES, WINDOW_SECONDS, AttemptState

T0 = 1_750_000_000


def fail(times: int, start: AttemptState | None = None, at: int = T0) -> AttemptState | None:
    state = start
    for _ in range(times):
        state = lockout.after_failure(state, at)
    return state


def test_four_failures_do_not_lock() -> None:
    state = fail(MAX_FAILURES - 1)
    assert state is not None and state.failures == 4
    assert lockout.retry_after(state, T0) is None


def test_the_fifth_failure_locks_for_fifteen_minutes() -> None:
    state = fail(MAX_FAILURES)
    assert state is not None and state.locked_until == T0 + 15 * 60
    assert lockout.retry_after(state, T0) == LOCK_SECONDS
    assert lockout.retry_after(state, T0 + LOCK_SECONDS - 1) == 1
    assert lockout.retry_after(state, T0 + LOCK_SECONDS) is None


def test_failures_older_than_the_window_no_longer_count() -> None:
    state = fail(4)
    later = lockout.after_failure(state, T0 + WINDOW_SECONDS)
    assert later.failures == 1
    assert later.locked_until == 0


def test_after_a_served_lock_the_count_starts_again() -> None:
    locked = fail(MAX_FAILURES)
    assert locked is not None
    after = lockout.after_failure(locked, locked.locked_until)
    assert after.failures == 1 and after.locked_until == 0


def test_no_record_means_not_locked() -> None:
    assert lockout.retry_after(None, T0) is None


def test_the_store_counts_failures_and_clear_forgets_them(identity: Any) -> None:
    from identity.store import attempts

    # Given five failures recorded in DynamoDB
    for _ in range(MAX_FAILURES):
        state = attempts.record_failure("mallory", now=T0)
    # Then the stored state is locked and carries a TTL
    stored = attempts.get("mallory")
    assert stored == state and stored.locked_until == T0 + LOCK_SECONDS
    from identity.store.models import LoginAttemptModel

    assert LoginAttemptModel.get("mallory").expires_ttl == T0 + LOCK_SECONDS
    # When it is cleared (a success) / Then nothing is left
    attempts.clear("mallory")
    assert attempts.get("mallory") is None
