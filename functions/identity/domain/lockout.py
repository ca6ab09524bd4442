"""Sign-in lockout: 5 failures within 15 minutes lock the username for 15 minutes.

Counted per username (known or not, so the answer never tells whether a user exists). A success clears
the count. The rule is pure; the store keeps the state in DynamoDB with a version check and a TTL.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class AttemptState:
    failures: int = 0
    window_ends_at: int = 0  # epoch seconds; failures older than the window no longer count
    locked_until: int = 0  # epoch seconds; 0 when not locked

    @property
    def expires_at(self) -> int:
        """When the record stops mattering (its DynamoDB TTL)."""
        return max(self.window_ends_at, self.locked_until)


def retry_after(state: AttemptState | None, now: int) -> int | None:
    """Seconds until sign-in is allowed again, or None when it is allowed now."""
    if state is None or state.locked_until <= now:
        return None
    return state.locked_until - now


def after_failure(state: AttemptState | None, now: int) -> AttemptState:
    """The state after one more failed attempt; the MAX_FAILURES-th failure in a window locks."""
    if state is None or state.window_ends_at <= now or state.locked_until:
        # A fresh window: none yet, the last one ran out, or a served lock (its failures are spent).
        state = AttemptState(failures=0, window_ends_at=now + WINDOW_SECONDS)
    failures = state.failures + 1
    if failures >= MAX_FAILURES:
        return AttemptState(
            failures=failures, window_ends_at=state.window_ends_at, locked_until=now + LOCK_SECONDS
        )
    return AttemptState(failures=failures, window_ends_at=state.window_ends_at)
