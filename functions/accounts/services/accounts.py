"""Account use cases: open (crash-safe, with the welcome bonus), read with balances, block/unblock/close
(payments first, so money stops where it moves), PIN verification with lockout, staff search."""

from __future__ import annotations

from typing import Any

from accounts.config import conf
from accounts.domain import nuban, pins, states
from accounts.domain.errors import (
    AccountChanged,
    AccountNotFound,
    NumberSpaceBusy,
    PinInvalid,
    PinLocked,
)
from accounts.domain.states import AccountState, AccountType, Actor, Transition
from accounts.models import OpenAccount
from accounts.services import views
from accounts.store import accounts as store
from accounts.store import keys, payments
from accounts.store.common import audit
from accounts.store.models import AccountModel
from core.auth import Principal, Role
from core.clock import now

ALLOCATION_ATTEMPTS = 8


def open_account(principal: Principal, request: OpenAccount) -> dict[str, Any]:
    """Write the account as `opening`, open its position at payments (idempotent: position + bonus),
    then activate. A crash in between leaves an `opening` account that the next request finishes, so
    money never exists without an account and an account never misses its bonus."""
    moment = now()
    pin_key = keys.pin_key()
    resumable = [a for a in store.opening_of(principal.user_id) if a.type == request.type]
    if resumable:
        account = resumable[0]
        # Never shown to the customer as opened, so the PIN they just chose is the one they know.
        store.set_pin(
            account, pins.hash_pin(pin_key, pins.account_context(account.account_number), request.pin), moment
        )
    else:
        account = _insert(principal, AccountType(request.type), request.pin, pin_key)
    finish_opening(account)
    return views.account(account, payments.balances([account.account_number]).get(account.account_number))


def _insert(principal: Principal, kind: AccountType, pin: str, pin_key: bytes) -> AccountModel:
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
            pin_hash=pins.hash_pin(pin_key, pins.account_context(number), pin),
            pin_failures=0,
            interest_rate_bp=settings.savings_rate_bp if kind is AccountType.SAVINGS else 0,
            created_at=moment,
            updated_at=moment,
        )
        try:
            store.insert(account)
        except store.NumberTaken:
            continue
        return account
    raise NumberSpaceBusy()


def finish_opening(account: AccountModel) -> None:
    if account.state != AccountState.OPENING:
        return
    payments.open_position(account.account_number, account.owner_id, conf().welcome_bonus)
    store.activate(account, now())


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


def list_accounts(
    principal: Principal, owner_id: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    owner = owner_id if owner_id and principal.is_staff else principal.user_id
    items, next_cursor = store.list_by_owner(owner, limit, cursor)
    if owner == principal.user_id:
        for account in items:
            finish_opening(account)
    found = payments.balances([a.account_number for a in items])
    return {
        "items": [views.account(a, found.get(a.account_number)) for a in items],
        "next_cursor": next_cursor,
    }


def get_account(principal: Principal, number: str) -> dict[str, Any]:
    account = visible(principal, number)
    if account.owner_id == principal.user_id:
        finish_opening(account)
    return views.account(account, payments.balances([number]).get(number))


def change_state(principal: Principal, number: str, action: str, reason: str) -> dict[str, Any]:
    """Customer block / unblock of an own account, or staff block / unblock / close of any account."""
    staff = principal.is_staff
    account = visible(principal, number) if staff else owned(principal, number)
    actor = Actor.STAFF if staff else Actor.CUSTOMER
    state = AccountState(account.state)
    blocked_by = Actor(account.blocked_by) if account.blocked_by else None
    transition: Transition
    if action == "block":
        transition = states.block(state, blocked_by, actor, reason)
    elif action == "unblock":
        transition = states.unblock(state, blocked_by, actor, reason)
    else:
        principal.require(Role.STAFF)
        transition = states.close(state, reason)
    # Payments first: it is where money moves, so a block is in force there before we report it, and
    # `closed` is refused there unless the balance is zero (account_not_empty).
    payments.set_state(number, transition.state, reason)
    moment = now()
    entry = audit(principal, f"account:{number}", f"account.{action}", reason, moment) if staff else None
    try:
        store.apply_transition(account, transition, moment, entry)
    except store.StateChanged as error:
        raise AccountChanged() from error
    return views.account(account, payments.balances([number]).get(number))


def unlock_pin(principal: Principal, number: str, reason: str) -> dict[str, Any]:
    account = visible(principal, number)
    store.reset_pin_failures(
        account, audit(principal, f"account:{number}", "account.pin_unlock", reason, now())
    )
    return {"account_number": number, "pin_locked": False}


def verify_pin(number: str, pin: str) -> dict[str, Any]:
    account = store.get(number)
    if account is None:
        raise AccountNotFound()
    moment = now()
    if pins.is_locked(account.pin_locked_until, moment):
        raise PinLocked()
    if pins.pin_matches(keys.pin_key(), pins.account_context(number), pin, account.pin_hash):
        if account.pin_failures or account.pin_locked_until:
            store.reset_pin_failures(account)
        return {"ok": True}
    failures = store.record_pin_failure(account, moment, moment + pins.LOCK_DURATION, pins.MAX_ATTEMPTS)
    if pins.exhausted(failures):
        raise PinLocked()
    raise PinInvalid(f"The PIN is wrong; {pins.MAX_ATTEMPTS - failures} attempt(s) left")


def internal_view(number: str) -> dict[str, Any]:
    account = store.get(number)
    if account is None:
        raise AccountNotFound()
    return {
        "account_number": account.account_number,
        "owner_id": account.owner_id,
        "type": account.type,
        "state": account.state,
    }


def search(principal: Principal, query: str, limit: int) -> dict[str, Any]:
    items = store.search(query.strip(), limit) if query.strip() else []
    found = payments.balances([a.account_number for a in items])
    return {
        "items": [
            {**views.account(a, found.get(a.account_number)), "owner_username": a.owner_username}
            for a in items
        ],
        "next_cursor": None,
    }
