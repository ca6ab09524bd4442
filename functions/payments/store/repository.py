"""Reads of the payments tables and the few single-item writes that move no money."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, UpdateError

from core import errors as shared
from core.clock import iso
from core.dynamo import condition_failed, page, start_key
from core.errors import InvalidCursor
from core.pagination import decode_cursor, encode_cursor
from payments.domain.rules import POSITION_SHARDS, PositionState
from payments.store.models import Entry, Hold, Payment, PaymentRequest, Position


def position(account: str) -> Position | None:
    try:
        return Position.get(account, consistent_read=True)
    except DoesNotExist:
        return None


def positions(accounts: Iterable[str]) -> dict[str, Position]:
    wanted = sorted(set(accounts))
    return {item.account: item for item in Position.batch_get(wanted, consistent_read=True)} if wanted else {}


def list_positions(cursor: str | None, limit: int) -> tuple[list[Position], str | None]:
    """Every position, page by page, shard by shard over the keys-only `by_shard` index (no Scan: no
    function may scan the balances); the page's balances come in one BatchGetItem."""
    state = decode_cursor(cursor) or {"shard": 0, "key": None}
    shard, start = state.get("shard"), state.get("key")
    if isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < POSITION_SHARDS:
        raise InvalidCursor()  # (a JSON `true` is an int to Python, but no shard)
    if not isinstance(start, dict | None) or (start is not None and start.get("shard") != {"N": str(shard)}):
        raise InvalidCursor()  # the key must be one of the cursor's own shard
    accounts: list[str] = []
    while shard < POSITION_SHARDS and len(accounts) < limit:
        results = Position.by_shard.query(shard, limit=limit - len(accounts), last_evaluated_key=start)
        accounts += [item.account for item in results]
        start = results.last_evaluated_key
        if start is None:
            shard += 1
    found = positions(accounts)
    items = [found[account] for account in accounts if account in found]
    more = shard < POSITION_SHARDS
    return items, encode_cursor({"shard": shard, "key": start}) if more else None


def set_state(account: str, state: PositionState, reason: str, at: datetime) -> Position:
    """Change the state with a condition, so a close can never race a deposit."""
    item = position(account)
    if item is None:
        raise shared.AccountNotFound(f"Account {account} does not exist")
    if item.state == state.value:
        return item
    # The closed state is final, and a close needs zero balance and no holds at the moment it commits.
    condition = Position.state != PositionState.CLOSED.value
    if state == PositionState.CLOSED:
        condition &= (Position.ledger_balance == 0) & (Position.held == 0)
    try:
        item.update(
            actions=[
                Position.state.set(state.value),
                Position.state_reason.set(reason) if reason else Position.state_reason.remove(),
                Position.updated_at.set(iso(at)),
                Position.version.add(1),
            ],
            condition=condition,
        )
    except UpdateError as error:
        if condition_failed(error):
            fresh = position(account)
            if fresh is not None and fresh.state == PositionState.CLOSED.value:
                raise shared.AccountClosed() from None
            raise shared.AccountNotEmpty() from None
        raise
    return item


def payment(payment_id: str) -> Payment | None:
    try:
        return Payment.get(payment_id, consistent_read=True)
    except DoesNotExist:
        return None


def history(account: str, cursor: str | None, limit: int) -> tuple[list[Entry], str | None]:
    """An account's lines, newest first: a Query on (account, created_at#payment_id)."""
    start = start_key(cursor, account=account)
    return page(
        Entry.query(
            account, scan_index_forward=False, limit=limit, last_evaluated_key=start, consistent_read=True
        )
    )


def completed_lines_since(account: str, start: str) -> Iterator[Entry]:
    """An account's completed lines at or after `start`, newest first (declines move no money)."""
    for entry in Entry.query(
        account, Entry.sort_key >= start, scan_index_forward=False, consistent_read=True, page_size=100
    ):
        if entry.status == "completed":
            yield entry


def payments_on(day: str, cursor: str | None, limit: int) -> tuple[list[Payment], str | None]:
    """Staff search across the bank: one UTC day's payments, newest first (the by_day index)."""
    start = start_key(cursor, day=day)
    return page(Payment.by_day.query(day, scan_index_forward=False, limit=limit, last_evaluated_key=start))


def hold(hold_id: str) -> Hold | None:
    try:
        return Hold.get(hold_id, consistent_read=True)
    except DoesNotExist:
        return None


def payment_request(request_id: str) -> PaymentRequest | None:
    try:
        return PaymentRequest.get(request_id, consistent_read=True)
    except DoesNotExist:
        return None


def expired_holds(now: datetime, limit: int) -> list[Hold]:
    """Pending holds whose time is up, oldest first (the sparse by_expiry index)."""
    return list(Hold.by_expiry.query("pending", Hold.expires_at <= int(now.timestamp()), limit=limit))
