"""Account use cases: open (crash-safe, capped per customer), read with balances, block/unblock/close
(payments first, so money stops where it moves), staff PIN unlock and search."""

from __future__ import annotations

from datetime import timedelta

from accounts.clients import payments
from accounts.domain import nuban, states
from accounts.domain.errors import (
    AccountChanged,
    AccountHasOpenLoan,
    AccountLimitReached,
    NumberSpaceBusy,
)
from accounts.domain.proposals import ProposalKind
from accounts.domain.states import AccountState, AccountType, Actor, Transition
from accounts.models import AccountPage, AccountSearchPage, AccountView, OpenAccount, ProposalView
from accounts.service import proposals, views
from accounts.settings import conf
from accounts.store import accounts as store
from accounts.store import audit as audit_store
from accounts.store import loans as loan_store
from accounts.store.common import audit
from accounts.store.models import AccountModel
from core.auth import Principal
from core.clock import now
from core.contracts import PinUnlocked
from core.errors import AccountClosed, AccountNotEmpty, AccountNotFound

ALLOCATION_ATTEMPTS = 8
RESUME_AFTER = timedelta(seconds=30)


def open_account(principal: Principal, request: OpenAccount) -> AccountView:
    """Write the account as `opening` (counted against the owner's cap), open its position at payments
    (idempotent: position, PIN and, for the first account only, the welcome bonus), then activate. A
    crash in between leaves an `opening` account that the customer's next opening of that type
    finishes with the PIN given then, so money never exists without an account."""
    # Only an opening old enough to have stopped half-way: a younger one is another request's, still
    # running (resuming it would give that request's account this request's PIN).
    stale = now() - RESUME_AFTER
    resumable = [
        a for a in store.opening_of(principal.user_id) if a.type == request.type and a.created_at < stale
    ]
    account = resumable[0] if resumable else _insert(principal, AccountType(request.type))
    payments.open_position(account.account_number, account.owner_id, request.pin)
    store.activate(account, now())
    return views.account(account, payments.balances([account.account_number]).get(account.account_number))


def _insert(principal: Principal, kind: AccountType) -> AccountModel:
    settings = conf()
    moment = now()
    for _ in range(ALLOCATION_ATTEMPTS):
        number = nuban.account_number(settings.bank_code, nuban.random_serial())
        account = AccountModel(
            account_number=number,
            owner_id=principal.user_id,
            owner_username=principal.username.lower(),
            type=kind,
            state=AccountState.OPENING,
            interest_rate_bp=settings.savings_rate_bp if kind is AccountType.SAVINGS else 0,
            created_at=moment,
            updated_at=moment,
        )
        try:
            store.insert(account, settings.max_open_accounts)
        except store.NumberTaken:
            continue
        except store.LimitReached as error:
            raise AccountLimitReached(
                f"A customer may hold at most {settings.max_open_accounts} open accounts",
                limit=settings.max_open_accounts,
            ) from error
        return account
    raise NumberSpaceBusy()


def visible(principal: Principal, number: str) -> AccountModel:
    """The account if the caller may see it; a stranger gets the same 404 as a missing number."""
    account = store.get(number) if nuban.NUMBER_PATTERN.match(number) else None
    if account is None or not principal.can_see(account.owner_id):
        raise AccountNotFound()
    return account


def owned(principal: Principal, number: str) -> AccountModel:
    """Only the owner acts on an account as a customer (staff use the staff routes)."""
    account = visible(principal, number)
    if account.owner_id != principal.user_id:
        raise AccountNotFound()
    return account


def list_accounts(principal: Principal, owner_id: str | None, limit: int, cursor: str | None) -> AccountPage:
    owner = owner_id if owner_id and principal.is_staff else principal.user_id
    items, next_cursor = store.list_by_owner(owner, limit, cursor)
    found = payments.balances([a.account_number for a in items])
    return AccountPage(
        items=[views.account(a, found.get(a.account_number)) for a in items], next_cursor=next_cursor
    )


def get_account(principal: Principal, number: str) -> AccountView:
    account = visible(principal, number)
    return views.account(account, payments.balances([number]).get(number))


def change_state(principal: Principal, number: str, action: str, reason: str) -> AccountView:
    """Customer block / unblock of an own account, or staff block / unblock of any account."""
    staff = principal.is_staff
    account = visible(principal, number) if staff else owned(principal, number)
    actor = Actor.STAFF if staff else Actor.CUSTOMER
    state = AccountState(account.state)
    blocked_by = Actor(account.blocked_by) if account.blocked_by else None
    if action == "block":
        transition = states.block(state, blocked_by, actor, reason)
    else:
        transition = states.unblock(state, blocked_by, actor, reason)
    return _apply(principal, account, transition, f"account.{action}", reason)


def close(principal: Principal, number: str, reason: str) -> tuple[AccountView | ProposalView, bool]:
    """(view, proposed). Staff close an empty account at once; closing one with a balance pays the
    balance out to its owner, which moves the bank's money: a second staff member approves it (four
    eyes), and `close_with_payout` runs then. Held funds must be settled or released first."""
    account = visible(principal, number)
    states.close(AccountState(account.state), reason)
    _no_open_loan(account)
    balance = payments.balances([number]).get(number)
    ledger, available = (balance.ledger_balance, balance.available_balance) if balance else (0, 0)
    if ledger != available:
        raise AccountNotEmpty("Release or capture the account's card holds before closing it")
    if ledger == 0:
        return _close_now(principal, account, reason), False
    details = {"account_number": number, "balance": ledger, "owner_id": account.owner_id}
    return proposals.propose(
        principal, ProposalKind.ACCOUNT_CLOSURE, f"account:{number}", details, reason
    ), True


def close_with_payout(approver: Principal, number: str, balance: int, reason: str) -> AccountView:
    """The approved closure proposal: pays out exactly the balance that was proposed and approved."""
    account = visible(approver, number)
    if account.state == AccountState.CLOSED:
        raise AccountClosed()
    _no_open_loan(account)
    return _close_now(approver, account, reason, payout=balance)


def _no_open_loan(account: AccountModel) -> None:
    """An account a loan is paid into or from stays open until the loan is settled (a loan could
    otherwise fill it between the proposal and its approval, and leave as cash)."""
    if loan_store.open_loan_account(account.owner_id) == account.account_number:
        raise AccountHasOpenLoan()


def _close_now(principal: Principal, account: AccountModel, reason: str, *, payout: int = 0) -> AccountView:
    transition = states.close(AccountState(account.state), reason)
    if payout:
        payments.close_with_payout(account.account_number, payout, reason, principal.user_id)
    return _apply(principal, account, transition, "account.close", reason)


def _apply(
    principal: Principal, account: AccountModel, transition: Transition, action: str, reason: str
) -> AccountView:
    number = account.account_number
    # Payments first: it is where money moves, so a block is in force there before we report it, and
    # `closed` is refused there unless the balance is zero (account_not_empty).
    payments.set_state(number, transition.state, reason)
    moment = now()
    entry = audit(principal, f"account:{number}", action, reason, moment) if principal.is_staff else None
    try:
        store.apply_transition(account, transition, moment, entry)
    except store.StateChanged as error:
        raise AccountChanged() from error
    return views.account(account, payments.balances([number]).get(number))


def unlock_pin(principal: Principal, number: str, reason: str) -> PinUnlocked:
    """The PIN lives with the position at payments (its tries are taken there); staff unlock it there."""
    visible(principal, number)
    unlocked = payments.unlock_pin(number)
    audit_store.record(audit(principal, f"account:{number}", "account.pin_unlock", reason, now()))
    return unlocked


def search(principal: Principal, query: str, limit: int) -> AccountSearchPage:
    items = store.search(query.strip(), limit) if query.strip() else []
    found = payments.balances([a.account_number for a in items])
    return AccountSearchPage(
        items=[views.search_item(a, found.get(a.account_number)) for a in items], next_cursor=None
    )
