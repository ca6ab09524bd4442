"""The pure rules of payments: netting, fingerprints, transfer checks, fraud rules, holds, states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import errors as shared
from core.events import Leg, MovementKind
from payments.domain import errors
from payments.domain.fraud import FraudLimits, check_amount, counters_for
from payments.domain.movement import (
    Line,
    fingerprint,
    lowest_balance,
    net_changes,
    scoped_id,
    swapped,
    validate_legs,
)
from payments.domain.pins import PIN_TRIES, hash_pin, pin_matches
from payments.domain.rules import (
    POSITION_SHARDS,
    HoldState,
    PositionState,
    RequestState,
    Reversible,
    check_capture,
    check_reversible,
    check_state_change,
    check_transfer,
    check_void,
    closure_payout_id,
    request_state,
    reversal_id,
    shard_of,
    welcome_bonus_id,
)

LIMITS = FraudLimits(
    max_single_amount=1_000,
    velocity_per_minute=3,
    daily_outgoing_limit=5_000,
    customer_velocity_per_minute=5,
    customer_daily_outgoing_limit=8_000,
)
AT = datetime(2026, 11, 24, 10, 30, 15, tzinfo=UTC)


def leg(a: str, b: str, amount: int) -> Leg:
    return Leg(from_account=a, to_account=b, amount=amount)


def test_legs_touching_one_account_twice_are_netted_into_one_change_that_sums_to_zero() -> None:
    # Given a loan repayment: principal and interest both leave the customer's account
    legs = [leg("0000000001", "bank:loans_receivable", 900), leg("0000000001", "bank:interest_income", 100)]
    # When netted
    changes = net_changes(legs)
    # Then the customer has one change, and the movement sums to zero
    assert changes == {"0000000001": -1000, "bank:interest_income": 100, "bank:loans_receivable": 900}
    assert sum(changes.values()) == 0


def test_a_leg_to_its_own_account_is_refused() -> None:
    with pytest.raises(errors.SameAccount):
        net_changes([leg("0000000001", "0000000001", 5)])


def test_a_movement_needs_legs_and_at_most_ten() -> None:
    with pytest.raises(errors.InvalidMovement):
        validate_legs([])
    with pytest.raises(errors.InvalidMovement):
        validate_legs([leg("a", "b", 1)] * 11)


def test_fingerprint_changes_with_content_and_not_with_object_identity() -> None:
    one = fingerprint(MovementKind.TRANSFER, [leg("a", "b", 5)], "rent", None)
    assert one == fingerprint(MovementKind.TRANSFER, [leg("a", "b", 5)], "rent", None)
    assert one != fingerprint(MovementKind.TRANSFER, [leg("a", "b", 6)], "rent", None)
    assert one != fingerprint(MovementKind.TRANSFER, [leg("a", "b", 5)], "food", None)
    assert one != fingerprint(MovementKind.REVERSAL, [leg("a", "b", 5)], "rent", None)


def test_scoped_ids_are_stable_per_caller_and_key() -> None:
    assert scoped_id("pay", "u1", "k") == scoped_id("pay", "u1", "k")
    assert scoped_id("pay", "u1", "k") != scoped_id("pay", "u2", "k")
    assert scoped_id("pay", "u1", "k").startswith("pay_")


JUNE = ("2026-06-01T00:00:00.000Z", "2026-07-01T00:00:00.000Z")


def lowest_in_june(current: int, *lines: tuple[str, int]) -> int:
    """`lines` as (day-and-time in 2026, signed change), newest first, as the history query gives them."""
    return lowest_balance(current, (Line(f"2026-{at}.000Z", change) for at, change in lines), *JUNE)


def test_the_lowest_balance_of_a_month_walks_back_from_today_over_lines_before_inside_and_after() -> None:
    # Given 100 at the start of June, +50 on the 10th, -120 on the 20th, +500 on 2 July (after the
    # window), and a line of May that the walk must not need (the balance there is June's start)
    lines = (
        ("07-02T09:00:00", 500),
        ("06-20T12:00:00", -120),
        ("06-10T08:00:00", 50),
        ("05-15T10:00:00", 100),
    )
    # Then June's lowest is the 30 after the withdrawal, whatever came after the month
    assert lowest_in_june(530, *lines) == 30
    assert lowest_in_june(530, *lines[:3]) == 30  # the same without the older line
    # A month without lines: the balance all month, walked back from today over the later lines
    assert lowest_in_june(600, ("07-02T09:00:00", 500)) == 100
    assert lowest_in_june(100) == 100
    # The start's balance counts even when every line of the month raised it
    assert lowest_in_june(300, ("06-30T23:59:00", 200)) == 100


def test_money_parked_for_the_night_of_the_run_earns_nothing() -> None:
    # Given an empty account filled on the month's last evening and emptied after midnight
    lines = (("07-01T00:05:00", -1_000_000), ("06-30T23:00:00", 1_000_000))
    # Then the month's lowest balance is 0
    assert lowest_in_june(0, *lines) == 0


def test_an_account_opened_mid_month_has_nothing_as_its_lowest_before_its_first_line() -> None:
    # Given an account whose first line (its opening bonus) is on 15 June: before that it held nothing
    assert lowest_in_june(100_000, ("06-15T10:00:00", 100_000)) == 0
    # And one opened in July had nothing in June either
    assert lowest_in_june(100_000, ("07-03T10:00:00", 100_000)) == 0


def test_the_window_includes_its_start_and_excludes_its_end() -> None:
    # A line at the first instant of the month is in it; the balance before it was June's start
    assert lowest_in_june(70, ("06-01T00:00:00", -30)) == 70
    assert lowest_in_june(170, ("06-01T00:00:00", 100)) == 70
    # A line at the first instant of July is not: June ended with the balance before it
    assert lowest_in_june(10, ("07-01T00:00:00", -90)) == 100


def test_a_reversal_swaps_every_leg() -> None:
    assert swapped([leg("a", "b", 5)]) == [leg("b", "a", 5)]
    assert reversal_id("pay_1") == "rev_pay_1"


@pytest.mark.parametrize(
    ("source", "target", "amount", "error"),
    [
        ("0000000001", "0000000001", 10_000, errors.SameAccount),
        ("0000000001", "0000000002", 4_999, errors.AmountBelowMinimum),
        ("bank:pool", "0000000002", 10_000, errors.BankAccountNotAllowed),
    ],
)
def test_transfer_checks_refuse_with_their_codes(source: str, target: str, amount: int, error: type) -> None:
    with pytest.raises(error):
        check_transfer(source, target, amount, minimum=5_000)


def test_the_minimum_itself_is_allowed() -> None:
    check_transfer("0000000001", "0000000002", 5_000, minimum=5_000)


def test_a_single_amount_over_the_limit_is_declined_with_its_code() -> None:
    check_amount(1_000, LIMITS)
    with pytest.raises(errors.AmountLimitExceeded) as caught:
        check_amount(1_001, LIMITS)
    assert caught.value.code == "amount_limit_exceeded"


def test_an_amount_over_the_daily_limit_alone_is_declined_before_any_counter() -> None:
    limits = FraudLimits(
        max_single_amount=10_000,
        velocity_per_minute=3,
        daily_outgoing_limit=5_000,
        customer_velocity_per_minute=5,
        customer_daily_outgoing_limit=8_000,
    )
    with pytest.raises(errors.DailyLimitExceeded):
        check_amount(5_001, limits)


def test_an_amount_over_the_customers_daily_limit_alone_is_declined_before_any_counter() -> None:
    # A day's first payment creates its counters: their condition cannot see an amount over the limit
    limits = FraudLimits(
        max_single_amount=10_000,
        velocity_per_minute=3,
        daily_outgoing_limit=9_000,
        customer_velocity_per_minute=5,
        customer_daily_outgoing_limit=8_000,
    )
    check_amount(8_000, limits)
    with pytest.raises(errors.CustomerDailyLimitExceeded) as caught:
        check_amount(8_001, limits)
    assert caught.value.code == "customer_daily_limit_exceeded"


def test_counters_are_per_account_minute_and_day_with_their_limits() -> None:
    minute, day, _, _ = counters_for("0000000001", "user-1", 700, AT, LIMITS)
    assert (minute.key, minute.increment, minute.maximum, minute.code) == (
        "0000000001#minute#202611241030",
        1,
        3,
        "velocity_limit_exceeded",
    )
    assert (day.key, day.increment, day.maximum, day.code) == (
        "0000000001#day#20261124",
        700,
        5_000,
        "daily_limit_exceeded",
    )
    assert minute.expires_at > AT.timestamp()


def test_counters_are_also_per_customer_across_all_of_their_accounts() -> None:
    # Given two accounts of one customer
    first = counters_for("0000000001", "user-1", 700, AT, LIMITS)
    second = counters_for("0000000002", "user-1", 300, AT, LIMITS)
    # Then each has its own account counters, and both count against the same customer counters
    assert {c.key for c in first[:2]}.isdisjoint(c.key for c in second[:2])
    assert [c.key for c in first[2:]] == [c.key for c in second[2:]]
    minute, day = first[2:]
    assert (minute.key, minute.increment, minute.maximum, minute.code) == (
        "customer:user-1#minute#202611241030",
        1,
        5,
        "customer_velocity_limit_exceeded",
    )
    assert (day.key, day.increment, day.maximum, day.code) == (
        "customer:user-1#day#20261124",
        700,
        8_000,
        "customer_daily_limit_exceeded",
    )
    assert minute.expires_at == day.expires_at == first[0].expires_at
    # And another customer's are others
    assert counters_for("0000000003", "user-2", 1, AT, LIMITS)[2].key == "customer:user-2#minute#202611241030"
    # Every code names a decline the engine can raise
    assert {c.code for c in first} == {
        cls.code for cls in errors.Declined.__subclasses__() if "limit_exceeded" in cls.code
    } - {"amount_limit_exceeded"}


def test_the_payment_pin_is_a_keyed_hash_bound_to_its_account() -> None:
    key = b"k" * 32
    stored = hash_pin(key, "0000000001", "1234")
    assert pin_matches(key, "0000000001", "1234", stored)
    assert not pin_matches(key, "0000000001", "1235", stored)
    # The same PIN on another account, or under another key, hashes differently
    assert stored != hash_pin(key, "0000000002", "1234")
    assert not pin_matches(b"x" * 32, "0000000001", "1234", stored)
    assert not pin_matches(key, "0000000002", "1234", stored)
    assert "1234" not in stored
    assert (PIN_TRIES.limit, PIN_TRIES.seconds) == (3, 15 * 60)


def test_a_payment_request_is_open_until_it_expires_and_then_reads_as_expired() -> None:
    epoch = int(AT.timestamp())
    assert request_state("open", epoch + 1, AT) is RequestState.OPEN
    assert request_state("open", epoch, AT) is RequestState.EXPIRED
    assert request_state("open", epoch - 60, AT) is RequestState.EXPIRED
    # Authorized and declined are final: time does not change them
    assert request_state("authorized", epoch - 60, AT) is RequestState.AUTHORIZED
    assert request_state("declined", epoch - 60, AT) is RequestState.DECLINED
    with pytest.raises(ValueError):
        request_state("paid", epoch + 1, AT)


def test_positions_spread_over_stable_shards() -> None:
    accounts = [f"{n:010d}" for n in range(400)]
    shards = [shard_of(a) for a in accounts]
    assert all(0 <= s < POSITION_SHARDS for s in shards)
    assert shards == [shard_of(a) for a in accounts]  # stable
    assert set(shards) == set(range(POSITION_SHARDS))  # every shard used


def test_one_bonus_per_customer_and_one_payout_per_account() -> None:
    assert welcome_bonus_id("user-1") == "bonus:user-1"
    assert welcome_bonus_id("user-1") != welcome_bonus_id("user-2")
    assert closure_payout_id("0000000001") == "closure:0000000001"


def test_captures_need_a_pending_unexpired_hold_and_at_most_its_amount() -> None:
    later = AT + timedelta(days=1)
    check_capture(HoldState.PENDING, later, AT, held=500, amount=500)
    with pytest.raises(errors.CaptureExceedsHold):
        check_capture(HoldState.PENDING, later, AT, held=500, amount=501)
    with pytest.raises(errors.HoldNotPending):
        check_capture(HoldState.CAPTURED, later, AT, held=500, amount=1)
    with pytest.raises(errors.HoldExpired):
        check_capture(HoldState.PENDING, AT, AT, held=500, amount=1)
    with pytest.raises(errors.HoldNotPending):
        check_void(HoldState.VOIDED)


def test_closing_needs_zero_balance_and_no_holds_and_closed_is_final() -> None:
    check_state_change(PositionState.ACTIVE, PositionState.CLOSED, 0, 0)
    check_state_change(PositionState.ACTIVE, PositionState.BLOCKED, 10, 0)
    with pytest.raises(shared.AccountNotEmpty):
        check_state_change(PositionState.ACTIVE, PositionState.CLOSED, 1, 0)
    with pytest.raises(shared.AccountNotEmpty):
        check_state_change(PositionState.BLOCKED, PositionState.CLOSED, 0, 1)
    with pytest.raises(shared.AccountClosed):
        check_state_change(PositionState.CLOSED, PositionState.ACTIVE, 0, 0)


def test_only_completed_transfers_and_card_payments_are_reversible() -> None:
    check_reversible(Reversible(kind="transfer", status="completed", reverses=None))
    check_reversible(Reversible(kind="card_capture", status="completed", reverses=None))
    for kind, status in [("transfer", "declined"), ("reversal", "completed"), ("welcome_bonus", "completed")]:
        with pytest.raises(shared.NotReversible):
            check_reversible(Reversible(kind=kind, status=status, reverses=None))
    with pytest.raises(shared.AlreadyReversed):
        check_reversible(Reversible(kind="transfer", status="completed", reverses=None, reversed_by="rev_p"))
