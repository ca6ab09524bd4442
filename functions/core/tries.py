"""Tries taken before judging (PINs, card checks, passwords): the rule, free of storage.

An attempt first takes a try from a counter in one conditional write, and only then is the secret
compared; a right answer gives its try back, a wrong one keeps it. However many attempts arrive at once,
at most `limit` are judged per window, and no verdict is ever given without a try held for it
(docs/decisions/0008-tries-taken-before-judging.md). Tries count within a window that every try taken
extends: `limit` tries taken less than `seconds` apart exhaust the counter until the window ends.

Wrong answers are also counted on their own (`wrong`): when every try is taken, that tells a lock
(`limit` wrong answers: come back when the window ends) from tries that are only busy with attempts
still being judged (the owner's own concurrent requests: come back in a moment). A burst can never
have more than `limit` attempts judged at once, whoever sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class TryLimit:
    limit: int
    seconds: int


@dataclass(frozen=True)
class Tries:
    """Tries taken in the current window (wrong answers, and attempts still being judged)."""

    taken: int = 0
    window_end: int = 0  # epoch seconds; 0 when no window was ever opened
    wrong: int = 0  # of the tries taken, those whose answer was wrong

    def window_open(self, now: int) -> bool:
        return self.window_end > now

    def exhausted(self, now: int, limit: int) -> bool:
        return self.window_open(now) and self.taken >= limit

    def locked(self, now: int, limit: int) -> bool:
        """Exhausted by wrong answers (not merely by attempts still being judged)."""
        return self.window_open(now) and self.wrong >= limit

    def retry_after(self, now: int) -> int:
        return max(self.window_end - now, 1)

    def left(self, limit: int) -> int:
        """Wrong answers still allowed in this window (shown after a wrong answer)."""
        return max(limit - self.wrong, 0)


class Refusal(StrEnum):
    """Why the take-a-try write was refused, decided from the counter as it was."""

    EXHAUSTED = "exhausted"  # every try of the open window is taken
    NEW_WINDOW = "new_window"  # the window ran out (or never opened): open a fresh one
    RETRY = "retry"  # a try was given back meanwhile: take again


def after_refusal(tries: Tries, now: int, limit: int) -> Refusal:
    if tries.exhausted(now, limit):
        return Refusal.EXHAUSTED
    if not tries.window_open(now):
        return Refusal.NEW_WINDOW
    return Refusal.RETRY
