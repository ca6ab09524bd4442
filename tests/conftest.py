"""Test-run plumbing shared by every suite: which integration tests need the bank to themselves, and the
order tests start in (decision 0023).

`bankwide`: a test that changes what every other test sees (an outage of a function, faults on the whole
cloud, a bank-wide interest run, a DLQ redrive) or that counts whole tables. `make test` runs these one
after another on a bank of their own (`-m bankwide`) and everything else in parallel on another
(`-m "not bankwide" -n 2`), so none of them ever shares a bank with a concurrent test. A new test of that
kind says so with `@pytest.mark.bankwide`; the ones below are marked here so their files stay as written.

Slow tests are started first (`SLOW_FIRST`), so the long ones do not end up alone at the end of a
parallel run; `LAST` says which must come after all others where they run.
"""

from __future__ import annotations

import pytest

BANKWIDE = (
    # 40 s of chaos: SNS failing, DynamoDB throttling, the ledger consumer killed, a function timeout.
    "tests/integration/test_chaos_short.py::",
    # Counts every item of the payments tables before and after each request.
    "tests/integration/test_hostile_input.py::",
    "tests/integration/test_payments.py::test_refused_amounts_write_nothing",
    "tests/integration/test_payments.py::test_refused_parties_write_nothing",
    # Break the outbox publisher or the ledger consumer for everyone, then redrive the whole DLQ.
    "tests/integration/test_payments.py::test_events_survive_a_publishing_outage_and_arrive_once",
    "tests/integration/test_ledger.py::test_an_event_failed_during_an_outage_is_posted_once_after_the_fix",
    # Watch the one DLQ that the redrive above empties.
    "tests/integration/test_ledger.py::test_a_malformed_event_lands_in_the_dlq_with_a_hint",
    "tests/integration/test_foundation.py::test_a_poison_message_lands_in_the_dlq_after_max_receive_count",
    # Reconciles the whole bank: a transfer of another test in flight would be a difference.
    "tests/integration/test_ledger.py::test_after_a_mixed_workload_the_books_balance_and_reconcile",
    # Watches the pool, which every other test's first account draws its bonus from.
    "tests/integration/test_accounts.py::test_the_welcome_bonus_is_paid_from_the_pool_once_per_customer",
    # Pays a month's interest to every savings account in the bank.
    "tests/integration/test_accounts.py::test_the_month_just_ended_is_run_once_with_four_eyes_on_its_lowest_balances",
    # Leaves a tampered ledger entry behind: any whole-ledger verify after it (the chaos run's invariants,
    # the staff tools page) would report it.
    "tests/integration/test_ledger.py::test_an_entry_edited_directly_in_dynamodb_is_caught_by_verify",
    # Needs a bank whose first admin has never signed in (it skips itself on a shared one): it runs first
    # on the bank-wide bank, where it is the only browser test.
    "tests/e2e/test_site_admin_first_sign_in.py::",
)

# Longest first (measured with --durations on 2 cores); everything else keeps its collection order.
SLOW_FIRST = (
    "tests/localcloud/test_dynamodb_query.py::test_partition_query_answers_exactly_like_motos_query",
    "tests/localcloud/test_crash_safety.py::test_sigkill_mid_load",
    "tests/e2e/test_site_journeys.py::",
    "tests/integration/test_ledger.py::test_an_event_failed_during_an_outage",
    "tests/integration/test_contract_fuzz.py::",
    "tests/integration/test_payments.py::test_an_expired_hold_is_released",
    "tests/integration/test_authz_matrix.py::",
    "tests/integration/test_ledger.py::test_a_malformed_event_lands_in_the_dlq",
    "tests/integration/test_foundation.py::test_a_poison_message",
    "tests/integration/test_payments.py::test_events_survive_a_publishing_outage",
    "tests/localcloud/test_persistence.py::",
    "tests/e2e/test_site_pages.py::test_staff_tools",
    "tests/localcloud/test_hot_code.py::",
)


# Last, in this order: the chaos run fills the tables that the table-counting tests scan (so it comes after
# them), and its invariants verify every hash chain (so it comes before the tampering test).
LAST = (
    "tests/integration/test_chaos_short.py::",
    "tests/integration/test_ledger.py::test_an_entry_edited_directly_in_dynamodb_is_caught_by_verify",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bankwide: changes or counts bank-wide state; never runs beside another test on one bank"
    )


def _rank(nodeid: str) -> int:
    for index, prefix in enumerate(LAST):
        if nodeid.startswith(prefix):
            return len(SLOW_FIRST) + 1 + index
    for index, prefix in enumerate(SLOW_FIRST):
        if nodeid.startswith(prefix):
            return index
    return len(SLOW_FIRST)


# tryfirst: the marks must be on the items before `-m` selects by them.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(BANKWIDE):
            item.add_marker(pytest.mark.bankwide)
    # Stable: within a rank (and for every unranked test) the collection order stays.
    items.sort(key=lambda item: _rank(item.nodeid))
