"""core.tries: the pure rule of tries taken before judging (decision 0008), free of storage."""

from __future__ import annotations

import pytest

from core.tries import Refusal, Tries, TryLimit, after_refusal

LIMIT = TryLimit(limit=3, seconds=900)
NOW = 1_000_000


def test_no_window_was_ever_opened_until_a_try_is_taken() -> None:
    # Given a counter that never took a try
    tries = Tries()
    # Then no window is open, nothing is exhausted or locked, and every wrong answer is still allowed
    assert (tries.taken, tries.window_end, tries.wrong) == (0, 0, 0)
    assert not tries.window_open(NOW)
    assert not tries.exhausted(NOW, LIMIT.limit)
    assert not tries.locked(NOW, LIMIT.limit)
    assert tries.left(LIMIT.limit) == 3


def test_the_window_is_open_strictly_before_its_end() -> None:
    tries = Tries(taken=1, window_end=NOW + 10)
    assert tries.window_open(NOW)
    assert tries.window_open(NOW + 9)
    assert not tries.window_open(NOW + 10)
    assert not tries.window_open(NOW + 11)


def test_every_try_taken_in_an_open_window_exhausts_the_counter_until_the_window_ends() -> None:
    # Given the limit's worth of tries taken, the window ending in 100 seconds
    tries = Tries(taken=3, window_end=NOW + 100, wrong=3)
    # Then it is exhausted now and just before the end, and free again once the window ended
    assert tries.exhausted(NOW, LIMIT.limit)
    assert tries.exhausted(NOW + 99, LIMIT.limit)
    assert not tries.exhausted(NOW + 100, LIMIT.limit)
    # And one try fewer is not exhausted
    assert not Tries(taken=2, window_end=NOW + 100).exhausted(NOW, LIMIT.limit)


def test_a_lock_is_the_limit_of_wrong_answers_not_tries_busy_with_attempts_being_judged() -> None:
    # Given every try taken, but only by attempts still being judged (the owner's own concurrent ones)
    busy = Tries(taken=3, window_end=NOW + 100, wrong=1)
    # Then the counter is exhausted, yet not locked: come back in a moment, not when the window ends
    assert busy.exhausted(NOW, LIMIT.limit)
    assert not busy.locked(NOW, LIMIT.limit)
    # Given the limit's worth of wrong answers, it is locked until the window ends, and no longer
    locked = Tries(taken=3, window_end=NOW + 100, wrong=3)
    assert locked.locked(NOW, LIMIT.limit)
    assert not locked.locked(NOW + 100, LIMIT.limit)


def test_retry_after_counts_to_the_windows_end_and_is_never_below_one_second() -> None:
    assert Tries(taken=3, window_end=NOW + 600).retry_after(NOW) == 600
    assert Tries(taken=3, window_end=NOW + 1).retry_after(NOW) == 1
    assert Tries(taken=3, window_end=NOW).retry_after(NOW) == 1
    assert Tries(taken=3, window_end=NOW - 50).retry_after(NOW) == 1


@pytest.mark.parametrize(("wrong", "left"), [(0, 3), (1, 2), (2, 1), (3, 0), (5, 0)])
def test_tries_left_are_the_wrong_answers_still_allowed(wrong: int, left: int) -> None:
    assert Tries(taken=wrong, window_end=NOW + 1, wrong=wrong).left(LIMIT.limit) == left


@pytest.mark.parametrize(
    ("tries", "refusal"),
    [
        (Tries(taken=3, window_end=NOW + 1, wrong=0), Refusal.EXHAUSTED),
        (Tries(taken=3, window_end=NOW + 500, wrong=3), Refusal.EXHAUSTED),
        (Tries(), Refusal.NEW_WINDOW),
        (Tries(taken=3, window_end=NOW, wrong=3), Refusal.NEW_WINDOW),
        (Tries(taken=1, window_end=NOW - 1, wrong=1), Refusal.NEW_WINDOW),
        (Tries(taken=2, window_end=NOW + 10, wrong=2), Refusal.RETRY),
        (Tries(taken=0, window_end=NOW + 10), Refusal.RETRY),
    ],
    ids=[
        "all-taken-in-open-window",
        "locked",
        "never-opened",
        "ended-exactly-now",
        "ended-earlier",
        "a-try-free-in-open-window",
        "all-given-back",
    ],
)
def test_a_refused_take_is_explained_from_the_counter_as_it_was(tries: Tries, refusal: Refusal) -> None:
    assert after_refusal(tries, NOW, LIMIT.limit) is refusal
