"""Pure rules: NUBAN numbers, loan schedules, card PAN/CVV, PIN hashing and tries, state machine, interest,
four-eyes proposals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from accounts.domain import cards, interest, loans, nuban, pins, proposals, states, tickets
from accounts.domain.errors import (
    AccountAlreadyBlocked,
    AccountBlockedByBank,
    AccountNotBlocked,
    AccountNotReady,
    LoanAmountInvalid,
    LoanTermInvalid,
    MonthInvalid,
    ProposalNotOpen,
    RepaymentTooLarge,
    SecondStaffRequired,
    TicketResolved,
)
from accounts.domain.states import AccountState, Actor
from core.clock import parse_iso
from core.errors import AccountClosed

# ------------------------------------------------------------------ NUBAN


def test_check_digit_matches_the_cbn_worked_example() -> None:
    # CBN's NUBAN proposal, example 1: bank 011, serial 000001457 → weighted sum 81 → 10 - 1 = 9.
    assert nuban.check_digit("011", "000001457") == "9"
    assert nuban.account_number("011", "000001457") == "0000014579"


def test_check_digit_is_zero_when_the_sum_is_a_multiple_of_ten() -> None:
    # CBN's example 2: bank 011, serial 000000022 → sum 30 → 10 - 0 = 10 → check digit 0.
    assert nuban.account_number("011", "000000022") == "0000000220"


@given(
    serial=st.integers(min_value=0, max_value=10**9 - 1), position=st.integers(0, 9), delta=st.integers(1, 9)
)
def test_any_single_digit_typo_is_detected(serial: int, position: int, delta: int) -> None:
    number = nuban.account_number("777", f"{serial:09d}")
    assert nuban.is_valid("777", number)
    typo = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not nuban.is_valid("777", typo)


def test_random_serials_have_nine_digits_and_no_leading_zero() -> None:
    for _ in range(200):
        serial = nuban.random_serial()
        assert len(serial) == 9
        assert serial[0] != "0"


@pytest.mark.parametrize("bad", ["123", "12345678901", "12345abcde", ""])
def test_malformed_numbers_are_invalid(bad: str) -> None:
    assert not nuban.is_valid("777", bad)


def test_check_digit_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="3 digits"):
        nuban.check_digit("77", "123456789")


# ------------------------------------------------------------------ loans


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (1, (1_120_000,)),
        (3, (373_333, 373_333, 373_334)),
        (6, (186_666,) * 5 + (186_670,)),
        (12, (93_333,) * 11 + (93_337,)),
        (24, (46_666,) * 23 + (46_682,)),
    ],
)
def test_schedule_for_every_term_sums_to_the_repayable(months: int, expected: tuple[int, ...]) -> None:
    terms = loans.terms(1_000_000, months)
    assert terms.repayable == 1_120_000
    assert terms.interest == 120_000
    assert terms.instalments == expected
    assert sum(terms.instalments) == terms.repayable


def test_repayable_rounds_half_up_to_the_kobo() -> None:
    assert loans.repayable(1_000_005) == 1_120_006  # 1,120,005.6 → up
    assert loans.repayable(1_000_004) == 1_120_004  # 1,120,004.48 → down
    assert loans.repayable(12_345_678) == 13_827_159  # 13,827,159.36


@given(amount=st.integers(loans.MIN_AMOUNT, loans.MAX_AMOUNT), months=st.sampled_from(loans.TERMS))
def test_schedules_are_whole_kobo_and_exact(amount: int, months: int) -> None:
    terms = loans.terms(amount, months)
    assert sum(terms.instalments) == terms.repayable == amount + terms.interest
    assert len(terms.instalments) == months
    assert all(x == terms.instalments[0] for x in terms.instalments[:-1])
    assert 0 <= terms.instalments[-1] - terms.instalments[0] < months


@pytest.mark.parametrize("months", [0, 2, 5, 36, -1])
def test_other_terms_are_refused(months: int) -> None:
    with pytest.raises(LoanTermInvalid):
        loans.terms(1_000_000, months)


@pytest.mark.parametrize("amount", [loans.MIN_AMOUNT - 1, loans.MAX_AMOUNT + 1, 0])
def test_amounts_out_of_range_are_refused(amount: int) -> None:
    with pytest.raises(LoanAmountInvalid):
        loans.terms(amount, 12)


@given(
    amount=st.integers(loans.MIN_AMOUNT, 10**8),
    cuts=st.lists(st.integers(1, 10**8), min_size=1, max_size=10),
)
def test_repayments_split_exactly_into_principal_and_interest(amount: int, cuts: list[int]) -> None:
    total = loans.repayable(amount)
    repaid = principal_paid = interest_paid = 0
    for cut in [*cuts, total]:
        payment = min(cut, total - repaid)
        if payment == 0:
            break
        principal, interest_part = loans.split_repayment(amount, total, repaid, payment)
        assert principal >= 0 and interest_part >= 0 and principal + interest_part == payment
        repaid += payment
        principal_paid += principal
        interest_paid += interest_part
    assert repaid == total
    assert (principal_paid, interest_paid) == (amount, total - amount)


def test_repayment_above_the_outstanding_is_refused() -> None:
    with pytest.raises(RepaymentTooLarge):
        loans.split_repayment(1_000_000, 1_120_000, 1_000_000, 120_001)


def test_add_months_clamps_to_the_end_of_short_months() -> None:
    assert loans.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert loans.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert loans.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert loans.add_months(date(2025, 6, 30), 24) == date(2027, 6, 30)


# ------------------------------------------------------------------ cards

KEYS = cards.CardKeys(pan_key=b"k" * 32, cvv_key=b"c" * 32, pan_index_key=b"i" * 32)


def test_pans_are_luhn_valid_16_digits_on_our_bin() -> None:
    seen = set()
    for _ in range(200):
        pan = cards.new_pan("506123")
        assert len(pan) == 16 and pan.startswith("506123") and luhn.is_valid(pan)
        seen.add(pan)
    assert len(seen) == 200


def test_mask_shows_first_six_and_last_four() -> None:
    assert cards.mask("5061231234567897") == "506123******7897"


def test_cvv_is_derived_deterministically_and_depends_on_pan_expiry_and_key() -> None:
    pan = "5061231234567897"
    value = cards.cvv(KEYS.cvv_key, pan, 3, 2029)
    assert len(value) == 3 and value.isdigit()
    assert cards.cvv(KEYS.cvv_key, pan, 3, 2029) == value
    assert cards.cvv_matches(KEYS.cvv_key, pan, 3, 2029, value)
    # Another expiry, another PAN or another key gives another CVV (fixed inputs, so no chance collision).
    assert cards.cvv(KEYS.cvv_key, pan, 4, 2029) != value
    assert cards.cvv(KEYS.cvv_key, pan, 3, 2030) != value
    assert cards.cvv(KEYS.cvv_key, "5061231234567889", 3, 2029) != value
    assert cards.cvv(b"x" * 32, pan, 3, 2029) != value
    wrong = f"{(int(value) + 1) % 1000:03d}"
    assert not cards.cvv_matches(KEYS.cvv_key, pan, 3, 2029, wrong)


def test_cvvs_spread_over_the_three_digit_space() -> None:
    values = {cards.cvv(KEYS.cvv_key, cards.new_pan("506123"), 1, 2030) for _ in range(500)}
    assert len(values) > 300
    assert all(len(v) == 3 for v in values)


def test_pan_encryption_round_trips_and_is_bound_to_the_card() -> None:
    pan = "5061231234567897"
    token = cards.encrypt_pan(KEYS.pan_key, pan, "card_1")
    assert pan not in token
    assert cards.encrypt_pan(KEYS.pan_key, pan, "card_1") != token  # fresh nonce every time
    assert cards.decrypt_pan(KEYS.pan_key, token, "card_1") == pan
    with pytest.raises(InvalidTag):
        cards.decrypt_pan(KEYS.pan_key, token, "card_2")
    with pytest.raises(InvalidTag):
        cards.decrypt_pan(b"z" * 32, token, "card_1")


def test_pan_index_is_keyed_and_stable() -> None:
    pan = "5061231234567897"
    assert cards.pan_index(KEYS.pan_index_key, pan) == cards.pan_index(KEYS.pan_index_key, pan)
    assert cards.pan_index(b"o" * 32, pan) != cards.pan_index(KEYS.pan_index_key, pan)
    assert pan not in cards.pan_index(KEYS.pan_index_key, pan)


def test_expiry_is_three_years_out_and_valid_through_its_month() -> None:
    issued = datetime(2025, 5, 20, tzinfo=UTC)
    assert cards.expiry(issued) == (5, 2028)
    assert not cards.is_expired(5, 2028, datetime(2028, 5, 31, 23, 59, tzinfo=UTC))
    assert cards.is_expired(5, 2028, datetime(2028, 6, 1, tzinfo=UTC))


# ------------------------------------------------------------------ PINs


def test_pin_hash_keeps_leading_zeros_and_is_keyed_per_context() -> None:
    key = b"p" * 32
    stored = pins.hash_pin(key, pins.card_context("1234567890"), "0123")
    assert pins.pin_matches(key, pins.card_context("1234567890"), "0123", stored)
    assert not pins.pin_matches(key, pins.card_context("1234567890"), "123", stored)
    assert not pins.pin_matches(key, pins.card_context("1234567890"), "0124", stored)
    assert stored != pins.hash_pin(key, pins.card_context("1234567891"), "0123")
    assert stored != pins.hash_pin(b"q" * 32, pins.card_context("1234567890"), "0123")
    assert "0123" not in stored


def test_the_third_try_taken_is_the_last_one_and_a_wrong_answer_on_it_blocks_the_card() -> None:
    # Given a card's tries counted before each check (the try just taken included)
    # Then only a wrong answer on the third try blocks the card; the first two leave it usable
    assert pins.MAX_TRIES == 3
    assert [pins.blocks_card(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


# ------------------------------------------------------------------ account states

A, B, OP, C = AccountState.ACTIVE, AccountState.BLOCKED, AccountState.OPENING, AccountState.CLOSED


def test_customer_block_and_own_unblock() -> None:
    blocked = states.block(A, None, Actor.CUSTOMER, "lost phone")
    assert (blocked.state, blocked.blocked_by, blocked.reason) == (B, Actor.CUSTOMER, "lost phone")
    assert states.unblock(B, Actor.CUSTOMER, Actor.CUSTOMER, "found").state is A


def test_customer_cannot_lift_a_bank_block() -> None:
    with pytest.raises(AccountBlockedByBank):
        states.unblock(B, Actor.STAFF, Actor.CUSTOMER, "please")
    assert states.unblock(B, Actor.STAFF, Actor.STAFF, "cleared").state is A


def test_staff_takes_over_a_customer_block_but_double_blocks_are_refused() -> None:
    assert states.block(B, Actor.CUSTOMER, Actor.STAFF, "fraud").blocked_by is Actor.STAFF
    with pytest.raises(AccountAlreadyBlocked):
        states.block(B, Actor.STAFF, Actor.STAFF, "again")
    with pytest.raises(AccountAlreadyBlocked):
        states.block(B, Actor.CUSTOMER, Actor.CUSTOMER, "again")


def test_unblock_needs_a_block() -> None:
    with pytest.raises(AccountNotBlocked):
        states.unblock(A, None, Actor.STAFF, "x")


@pytest.mark.parametrize("state", [A, B])
def test_close_from_active_or_blocked(state: AccountState) -> None:
    assert states.close(state, "customer left").state is C


@pytest.mark.parametrize(("state", "error"), [(C, AccountClosed), (OP, AccountNotReady)])
def test_closed_and_opening_accounts_do_not_move(state: AccountState, error: type[Exception]) -> None:
    with pytest.raises(error):
        states.block(state, None, Actor.STAFF, "x")
    with pytest.raises(error):
        states.unblock(state, Actor.STAFF, Actor.STAFF, "x")
    with pytest.raises(error):
        states.close(state, "x")


# ------------------------------------------------------------------ tickets and interest


def test_ticket_flow() -> None:
    status = tickets.TicketStatus.OPEN
    status = tickets.after_message(status, 1, from_staff=True)
    assert status is tickets.TicketStatus.ANSWERED
    assert tickets.after_message(status, 2, from_staff=False) is tickets.TicketStatus.OPEN
    resolved = tickets.resolve(status)
    with pytest.raises(TicketResolved):
        tickets.after_message(resolved, 3, from_staff=False)
    with pytest.raises(TicketResolved):
        tickets.resolve(resolved)


@pytest.mark.parametrize(
    ("balance", "rate_bp", "expected"),
    [
        (120_000, 100, 100),
        (119_999, 100, 99),
        (100_000, 100, 83),
        (0, 100, 0),
        (-500, 100, 0),
        (10**9, 250, 2_083_333),
    ],
)
def test_monthly_interest_rounds_down(balance: int, rate_bp: int, expected: int) -> None:
    assert interest.monthly_interest(balance, rate_bp) == expected


def test_months_roll_back_and_staff_may_run_only_the_month_just_ended() -> None:
    now = datetime(2025, 1, 10, tzinfo=UTC)
    assert interest.previous_month(now) == "2024-12"
    assert interest.previous_month(datetime(2025, 7, 1, tzinfo=UTC)) == "2025-06"
    assert interest.staff_month("2024-12", now) == "2024-12"
    # An older month (interest on today's balances for time long gone), the current one (not earned
    # yet), a future one, and malformed text are all refused.
    for bad in ("2024-11", "2024-01", "2025-01", "2025-02", "2025-13", "24-12", "2024-1", ""):
        with pytest.raises(MonthInvalid):
            interest.staff_month(bad, now)
    assert interest.payment_id("1234567890", "2024-12") == "interest:1234567890:2024-12"


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [
        ("2024-12", "2024-12-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"),
        ("2025-01", "2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"),
        ("2024-02", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"),
        ("2025-11", "2025-11-01T00:00:00.000Z", "2025-12-01T00:00:00.000Z"),
    ],
)
def test_a_months_bounds_are_its_first_instant_and_the_next_months(month: str, start: str, end: str) -> None:
    # The lowest balance is read over [start, end), in the ISO form of payments' history lines
    assert interest.month_bounds(month) == (start, end)
    assert parse_iso(start) < parse_iso(end) and parse_iso(end).day == 1


# ------------------------------------------------------------------ four eyes

PROPOSED, APPROVING = proposals.ProposalStatus.PROPOSED, proposals.ProposalStatus.APPROVING


def test_a_proposal_expires_after_a_day_and_is_never_approved_by_its_proposer() -> None:
    proposed_at = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    expires = proposals.expiry(proposed_at)
    assert expires - proposed_at == timedelta(hours=24)
    assert proposals.status_at(PROPOSED, expires, expires - timedelta(seconds=1)) is PROPOSED
    assert proposals.status_at(PROPOSED, expires, expires) is proposals.ProposalStatus.EXPIRED
    # Only an open proposal expires
    assert proposals.status_at(APPROVING, expires, expires + timedelta(days=1)) is APPROVING
    one, two, three = (proposals.Staff(f"staff-{n}", "admin-1") for n in (1, 2, 3))
    with pytest.raises(SecondStaffRequired):
        proposals.check_approval(PROPOSED, one, None, one, now_expired=False)
    proposals.check_approval(PROPOSED, one, None, two, now_expired=False)
    with pytest.raises(ProposalNotOpen):
        proposals.check_approval(PROPOSED, one, None, two, now_expired=True)
    # An admin and a staff account that admin created are one pair of eyes, whichever proposes
    admin, made = proposals.Staff("admin-1"), proposals.Staff("staff-9", "admin-1")
    for proposer, approver in ((admin, made), (made, admin)):
        with pytest.raises(SecondStaffRequired):
            proposals.check_approval(PROPOSED, proposer, None, approver, now_expired=False)
    # A claim that stopped half-way is finished by the same approver only
    proposals.check_approval(APPROVING, one, "staff-2", two, now_expired=False)
    with pytest.raises(ProposalNotOpen):
        proposals.check_approval(APPROVING, one, "staff-2", three, now_expired=False)
    for status in (proposals.ProposalStatus.REJECTED, proposals.ProposalStatus.APPROVED):
        with pytest.raises(ProposalNotOpen):
            proposals.check_rejection(status, now_expired=False)
    with pytest.raises(ProposalNotOpen):
        proposals.check_rejection(PROPOSED, now_expired=True)
