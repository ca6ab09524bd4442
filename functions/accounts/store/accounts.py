"""The accounts table: numbers allocated by conditional put (with the owner's open-account count, so the
cap holds), state changes with their audit entry in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from accounts.domain.states import AccountState, Transition
from accounts.store.models import AccountModel, AccountOwnerModel, AuditModel
from core.aws import transaction
from core.dynamo import condition_failed, failed_items, page, start_key


class NumberTaken(Exception):
    """The random serial is already in use; the caller draws another."""


class StateChanged(Exception):
    """The account changed under us (another request won); the caller re-reads and retries or fails."""


class LimitReached(Exception):
    """The owner already holds the most open accounts allowed."""


def _owner_key(owner_id: str) -> str:
    return f"owner#{owner_id}"


def get(number: str) -> AccountModel | None:
    try:
        return AccountModel.get(number, consistent_read=True)
    except DoesNotExist:
        return None


def insert(account: AccountModel, limit: int) -> None:
    """The account and its owner's open-account count, together: the count's condition makes the cap
    hold however many openings race."""
    try:
        with transaction() as tx:
            tx.save(account, condition=AccountModel.account_number.does_not_exist())
            tx.update(
                AccountOwnerModel(_owner_key(account.owner_id)),
                actions=[AccountOwnerModel.open_accounts.add(1)],
                condition=AccountOwnerModel.open_accounts.does_not_exist()
                | (AccountOwnerModel.open_accounts < limit),
            )
    except TransactWriteError as error:
        # Puts go before updates: the account is item 0, its owner's count item 1.
        if 1 in failed_items(error):
            raise LimitReached() from error
        if condition_failed(error):
            raise NumberTaken() from error
        raise


def list_by_owner(owner_id: str, limit: int, cursor: str | None) -> tuple[list[AccountModel], str | None]:
    return page(
        AccountModel.by_owner.query(
            owner_id, limit=limit, last_evaluated_key=start_key(cursor, owner_id=owner_id)
        )
    )


def opening_of(owner_id: str) -> list[AccountModel]:
    return list(
        AccountModel.by_owner.query(owner_id, filter_condition=AccountModel.state == AccountState.OPENING)
    )


def activate(account: AccountModel, now: datetime) -> None:
    try:
        account.update(
            actions=[AccountModel.state.set(AccountState.ACTIVE), AccountModel.updated_at.set(now)],
            condition=AccountModel.state == AccountState.OPENING,
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        account.refresh(consistent_read=True)  # a concurrent retry activated it first


def apply_transition(
    account: AccountModel, transition: Transition, now: datetime, audit: AuditModel | None
) -> None:
    """The new state (conditional on the state we decided from) and its audit entry, all or nothing."""
    actions: list[Action] = [
        AccountModel.state.set(transition.state),
        AccountModel.block_reason.set(transition.reason)
        if transition.state is AccountState.BLOCKED
        else AccountModel.block_reason.remove(),
        AccountModel.blocked_by.set(transition.blocked_by)
        if transition.blocked_by
        else AccountModel.blocked_by.remove(),
        AccountModel.updated_at.set(now),
    ]
    try:
        with transaction() as tx:
            tx.update(account, actions=actions, condition=AccountModel.state == account.state)
            if transition.state is AccountState.CLOSED:
                tx.update(
                    AccountOwnerModel(_owner_key(account.owner_id)),
                    actions=[AccountOwnerModel.open_accounts.add(-1)],
                )
            if audit is not None:
                tx.save(audit)
    except TransactWriteError as error:
        if condition_failed(error):
            raise StateChanged() from error
        raise
    account.refresh(consistent_read=True)


def mark_interest_paid(account: AccountModel, month: str) -> None:
    account.update(actions=[AccountModel.interest_months.add({month})])


def savings_accounts() -> Iterator[AccountModel]:
    """Every active savings account (a paginated scan: the monthly interest run is the only caller)."""
    yield from AccountModel.scan(
        filter_condition=(AccountModel.type == "savings") & (AccountModel.state == AccountState.ACTIVE),
        page_size=100,
    )


def search(query: str, limit: int) -> list[AccountModel]:
    """Staff search: an exact number, an owner id, or part of the owner's username."""
    if query.isdigit() and len(query) == 10:
        found = get(query)
        return [found] if found else []
    by_owner = list(AccountModel.by_owner.query(query, limit=limit))
    if by_owner:
        return by_owner
    matches: list[AccountModel] = []
    for account in AccountModel.scan(
        filter_condition=AccountModel.owner_username.contains(query.lower()), page_size=200
    ):
        matches.append(account)
        if len(matches) >= limit:
            break
    return matches
