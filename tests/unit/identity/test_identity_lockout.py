"""Sign-in limits: the rules (pure) and their DynamoDB counters.

Per (username, client address) a try is taken before the password is judged: 5 tries per window that
every try extends (15 minutes). Per username, failures from every client are counted, and past 10 the
username is slowed to one attempt per 2 s from any new client, never locked; a client the user signed in
from within 30 days is known and never slowed. Per client, sign-ins and registrations are counted per
minute."""

from __future__ import annotations

from typing import Any

import pytest

from core.dynamo import TriesExhausted
from core.tries import Refusal, Tries, after_refusal
from identity.domain import lockout
from identity.domain.lockout import PAIR_TRIES, SLOWDOWN_AFTER, SLOWDOWN_SECONDS

T0 = 1_750_000_020  # 20 s into a minute
WINDOW = PAIR_TRIES.seconds

# --- the rules -----------------------------------------------------------------------------------------


def test_the_limits_are_five_tries_per_fifteen_minutes_per_pair_and_a_slowdown_after_ten() -> None:
    assert (PAIR_TRIES.limit, PAIR_TRIES.seconds) == (5, 15 * 60)
    assert lockout.USERNAME_FAILURES.seconds == 15 * 60
    assert lockout.USERNAME_FAILURES.limit > 10_000  # it only counts: a username is never locked
    assert (SLOWDOWN_AFTER, SLOWDOWN_SECONDS) == (10, 2)


def test_five_tries_taken_in_an_open_window_exhaust_the_pair_until_the_window_ends() -> None:
    window_end = T0 + WINDOW
    assert not Tries(4, window_end, wrong=4).exhausted(T0, PAIR_TRIES.limit)
    assert Tries(4, window_end, wrong=4).left(PAIR_TRIES.limit) == 1
    assert Tries(5, window_end).exhausted(T0, PAIR_TRIES.limit)
    assert Tries(5, window_end).exhausted(window_end - 1, PAIR_TRIES.limit)
    assert not Tries(5, window_end).exhausted(window_end, PAIR_TRIES.limit)  # the window ran out
    assert Tries(5, window_end).retry_after(T0) == WINDOW
    assert Tries(5, window_end).retry_after(window_end) == 1  # never 0: "come back now" is a lie
    assert not Tries().exhausted(T0, PAIR_TRIES.limit)  # no window was ever opened


def test_only_wrong_answers_lock_tries_held_by_running_checks_only_make_them_wait() -> None:
    window_end = T0 + WINDOW
    locked, busy = Tries(5, window_end, wrong=5), Tries(5, window_end, wrong=2)
    assert locked.exhausted(T0, PAIR_TRIES.limit) and locked.locked(T0, PAIR_TRIES.limit)
    assert busy.exhausted(T0, PAIR_TRIES.limit) and not busy.locked(T0, PAIR_TRIES.limit)
    assert not locked.locked(window_end, PAIR_TRIES.limit)  # a lock ends with its window
    assert busy.left(PAIR_TRIES.limit) == 3


def test_a_refused_take_is_explained_from_the_counter_as_it_was() -> None:
    limit = PAIR_TRIES.limit
    assert after_refusal(Tries(5, T0 + 10), T0, limit) is Refusal.EXHAUSTED
    assert after_refusal(Tries(5, T0), T0, limit) is Refusal.NEW_WINDOW
    assert after_refusal(Tries(), T0, limit) is Refusal.NEW_WINDOW
    assert after_refusal(Tries(3, T0 + 10), T0, limit) is Refusal.RETRY  # a try came back meanwhile


@pytest.mark.parametrize(
    ("failures", "slowed"),
    [
        (Tries(9, T0 + 60), False),
        (Tries(10, T0 + 60), True),
        (Tries(250, T0 + 60), True),
        (Tries(10, T0), False),  # the failures' window is over
        (Tries(), False),
    ],
)
def test_a_username_is_slowed_after_ten_failures_within_the_window(failures: Tries, slowed: bool) -> None:
    assert lockout.slowed(failures, T0) is slowed


def test_a_client_is_known_for_thirty_days_after_a_right_password() -> None:
    assert lockout.TRUSTED_SECONDS == 30 * 24 * 3600
    until = T0 + lockout.TRUSTED_SECONDS
    assert lockout.trusted(until, T0) and lockout.trusted(until, until - 1)
    assert not lockout.trusted(until, until)  # it expires with its TTL
    assert not lockout.trusted(0, T0)  # never signed in from there


# --- the counters in DynamoDB -------------------------------------------------------------------------


def item(pk: str) -> dict[str, Any]:
    from identity.store.models import LoginAttemptModel

    return LoginAttemptModel.get(pk, consistent_read=True).attribute_values


def test_the_pair_counter_locks_after_five_tries_and_a_fresh_window_opens_after(identity: Any) -> None:
    from identity.store import attempts

    pair = attempts.pair("mallory", "203.0.113.9")
    # Given five tries taken at once
    for taken in range(1, 6):
        assert pair.take(T0)["tries"] == taken
        assert pair.record_wrong().wrong == taken  # each answer was wrong
    stored = item("pair#mallory#203.0.113.9")
    assert (stored["tries"], stored["tries_window_end"], stored["expires_ttl"]) == (
        5,
        T0 + WINDOW,
        T0 + WINDOW,
    )
    # When a sixth comes, Then it is refused, saying how long to wait, and nothing changes
    with pytest.raises(TriesExhausted) as refused:
        pair.take(T0 + 60)
    assert refused.value.tries.locked(T0 + 60, PAIR_TRIES.limit)
    assert refused.value.tries.retry_after(T0 + 60) == WINDOW - 60
    assert item("pair#mallory#203.0.113.9")["tries"] == 5
    # And once the window is over, a fresh one opens with this try, and no wrong answer yet
    fresh = pair.take(T0 + WINDOW)
    assert (fresh["tries"], fresh["tries_wrong"]) == (1, 0)
    assert item("pair#mallory#203.0.113.9")["tries_window_end"] == T0 + 2 * WINDOW


def test_each_try_moves_the_window_so_a_lock_lasts_fifteen_minutes_after_the_last_try(identity: Any) -> None:
    from identity.store import attempts

    pair = attempts.pair("mallory", "203.0.113.9")
    for minute in range(5):
        pair.take(T0 + minute * 120)  # one try every 2 minutes
    last = T0 + 4 * 120
    with pytest.raises(TriesExhausted):
        pair.take(last + WINDOW - 1)
    assert pair.take(last + WINDOW)["tries"] == 1


def test_give_back_returns_one_try_and_reset_closes_the_window(identity: Any) -> None:
    from identity.store import attempts

    pair = attempts.pair("ada", "198.51.100.7")
    for _ in range(5):
        pair.take(T0)
    pair.give_back()
    assert item("pair#ada#198.51.100.7")["tries"] == 4
    assert pair.take(T0)["tries"] == 5  # the returned try can be taken again
    pair.reset()
    assert pair.take(T0)["tries"] == 1  # a right password cleared the pair
    attempts.pair("nobody", "198.51.100.7").give_back()  # nothing to give back: no error, no item
    attempts.pair("nobody", "198.51.100.7").reset()


def test_pairs_are_per_client_so_nobody_locks_a_user_out_from_elsewhere(identity: Any) -> None:
    from identity.store import attempts

    for _ in range(5):
        attempts.pair("ada", "203.0.113.9").take(T0)
    with pytest.raises(TriesExhausted):
        attempts.pair("ada", "203.0.113.9").take(T0)
    assert attempts.pair("ada", "198.51.100.7").take(T0)["tries"] == 1
    assert attempts.pair("bola", "203.0.113.9").take(T0)["tries"] == 1


def test_the_slot_is_free_until_ten_failures_then_one_attempt_per_two_seconds(identity: Any) -> None:
    from identity.store import attempts

    failures = attempts.username_failures("ada")
    for _ in range(SLOWDOWN_AFTER - 1):
        failures.take(T0)
        attempts.take_slot("ada", T0)  # not slowed: every attempt passes
    attempts.take_slot("ada", T0)
    # Given the tenth failure within the window
    failures.take(T0)
    # Then the next attempt takes the slot (one per 2 s), and one in the same 2 s is told to wait
    attempts.take_slot("ada", T0 + 5)
    with pytest.raises(attempts.Slowed) as slowed:
        attempts.take_slot("ada", T0 + 6)
    assert slowed.value.retry_after == 1
    with pytest.raises(attempts.Slowed):
        attempts.take_slot("ada", T0 + 5)
    attempts.take_slot("ada", T0 + 7)
    # Another username is not slowed; and once the failures' window is over, neither is this one
    attempts.take_slot("bola", T0 + 7)
    attempts.take_slot("bola", T0 + 7)
    attempts.take_slot("ada", T0 + WINDOW)
    attempts.take_slot("ada", T0 + WINDOW)


def test_requests_per_client_are_counted_per_minute(identity: Any) -> None:
    from identity.store import attempts

    minute_end = (T0 // 60 + 1) * 60
    for _ in range(3):
        attempts.count_request("login", "203.0.113.9", 3, T0)
    with pytest.raises(attempts.RateLimited) as limited:
        attempts.count_request("login", "203.0.113.9", 3, T0 + 1)
    assert limited.value.retry_after == minute_end - (T0 + 1)
    # Another client, another action, and the next minute each have their own count
    attempts.count_request("login", "198.51.100.7", 3, T0)
    attempts.count_request("register", "203.0.113.9", 3, T0)
    attempts.count_request("login", "203.0.113.9", 3, minute_end)
    stored = item(f"rate#login#203.0.113.9#{T0 // 60}")
    assert (stored["requests"], stored["expires_ttl"]) == (3, minute_end + 60)


def test_a_client_becomes_known_to_one_username_only_and_only_for_thirty_days(identity: Any) -> None:
    from identity.store import attempts

    assert not attempts.known("ada", "198.51.100.7", T0)
    attempts.trust("ada", "198.51.100.7", T0)
    stored = item("known#ada#198.51.100.7")
    assert stored["expires_ttl"] == T0 + lockout.TRUSTED_SECONDS  # DynamoDB's TTL removes it then
    assert attempts.known("ada", "198.51.100.7", T0 + lockout.TRUSTED_SECONDS - 1)
    assert not attempts.known("ada", "198.51.100.7", T0 + lockout.TRUSTED_SECONDS)
    assert not attempts.known("ada", "203.0.113.9", T0)
    assert not attempts.known("bola", "198.51.100.7", T0)
    # A later sign-in from there starts the 30 days again
    attempts.trust("ada", "198.51.100.7", T0 + 100)
    assert item("known#ada#198.51.100.7")["expires_ttl"] == T0 + 100 + lockout.TRUSTED_SECONDS
