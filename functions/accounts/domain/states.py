"""The account state machine: opening → active ↔ blocked → closed, and who may move it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accounts.domain.errors import (
    AccountAlreadyBlocked,
    AccountBlockedByBank,
    AccountNotBlocked,
    AccountNotReady,
)
from core.errors import AccountClosed


class AccountState(StrEnum):
    OPENING = "opening"  # written before payments opens the position; finished on retry
    ACTIVE = "active"
    BLOCKED = "blocked"
    CLOSED = "closed"


class AccountType(StrEnum):
    CURRENT = "current"
    SAVINGS = "savings"


class Actor(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


@dataclass(frozen=True)
class Transition:
    state: AccountState
    blocked_by: Actor | None
    reason: str


def _settled(state: AccountState) -> None:
    if state is AccountState.OPENING:
        raise AccountNotReady()
    if state is AccountState.CLOSED:
        raise AccountClosed()


def block(state: AccountState, blocked_by: Actor | None, actor: Actor, reason: str) -> Transition:
    """Either side blocks an active account; staff may also take over a customer's block."""
    _settled(state)
    if state is AccountState.BLOCKED and not (actor is Actor.STAFF and blocked_by is Actor.CUSTOMER):
        raise AccountAlreadyBlocked()
    return Transition(AccountState.BLOCKED, actor, reason)


def unblock(state: AccountState, blocked_by: Actor | None, actor: Actor, reason: str) -> Transition:
    """A customer lifts only their own block; a bank block needs staff."""
    _settled(state)
    if state is not AccountState.BLOCKED:
        raise AccountNotBlocked()
    if actor is Actor.CUSTOMER and blocked_by is not Actor.CUSTOMER:
        raise AccountBlockedByBank()
    return Transition(AccountState.ACTIVE, None, reason)


def close(state: AccountState, reason: str) -> Transition:
    """Staff only (checked by the caller); the zero balance is enforced by payments' set_state."""
    _settled(state)
    return Transition(AccountState.CLOSED, None, reason)
