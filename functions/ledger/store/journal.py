"""The journal in DynamoDB: the only code that reads or writes the ledger's tables.

There is deliberately no update or delete of an entry here: entries are only ever put, once, under a
condition that the key is new. Chain heads are replaced by a conditional put on their expected sequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import AttributeDeserializationError, TransactWriteError

from core.aws import transaction
from core.dynamo import failed_items, transient
from core.pagination import decode_cursor, encode_cursor
from ledger.domain.chart import Category, Side
from ledger.domain.errors import ChainConflict
from ledger.domain.posting import MAX_TRANSACTION_ITEMS, Entry, Head, PostingBatch, PostingPlan
from ledger.store.models import LISTING, EntryModel, HeadModel, ProcessedEventModel

PAGE = 100  # items per DynamoDB page when a walk is internal


# ---------------------------------------------------------------- conversions
def _head(model: HeadModel) -> Head:
    return Head(
        account_id=model.account_id,
        category=Category(model.category),
        normal_side=Side(model.normal_side),
        balance=int(model.balance),
        total_debits=int(model.total_debits),
        total_credits=int(model.total_credits),
        last_seq=int(model.last_seq),
        last_hash=model.last_hash,
        last_posted_at=model.last_posted_at,
        opened_at=model.opened_at,
    )


def _head_model(head: Head) -> HeadModel:
    return HeadModel(
        head.account_id,
        listing=LISTING,
        category=head.category.value,
        normal_side=head.normal_side.value,
        balance=head.balance,
        total_debits=head.total_debits,
        total_credits=head.total_credits,
        last_seq=head.last_seq,
        last_hash=head.last_hash,
        last_posted_at=head.last_posted_at,
        opened_at=head.opened_at,
    )


def _entry(model: EntryModel) -> Entry:
    return Entry(
        account_id=model.account_id,
        seq=int(model.seq),
        entry_id=model.entry_id,
        event_id=model.event_id,
        payment_id=model.payment_id,
        kind=model.kind,
        side=Side(model.side),
        amount=int(model.amount),
        balance=int(model.balance),
        counter_account=model.counter_account,
        leg=int(model.leg),
        description=model.description or "",
        reverses=model.reverses,
        committed_at=model.committed_at,
        posted_at=model.posted_at,
        correlation_id=model.correlation_id or "",
        prev_hash=model.prev_hash,
        hash=model.chain_hash,
    )


def _entry_model(entry: Entry) -> EntryModel:
    return EntryModel(
        entry.account_id,
        entry.position,
        seq=entry.seq,
        entry_id=entry.entry_id,
        event_id=entry.event_id,
        payment_id=entry.payment_id,
        kind=entry.kind,
        side=entry.side.value,
        amount=entry.amount,
        balance=entry.balance,
        counter_account=entry.counter_account,
        leg=entry.leg,
        description=entry.description,
        reverses=entry.reverses,
        committed_at=entry.committed_at,
        posted_at=entry.posted_at,
        correlation_id=entry.correlation_id,
        prev_hash=entry.prev_hash,
        chain_hash=entry.hash,
    )


# ---------------------------------------------------------------- posting
def is_processed(event_id: str) -> bool:
    try:
        ProcessedEventModel.get(event_id, consistent_read=True)
    except ProcessedEventModel.DoesNotExist:
        return False
    return True


def read_heads(account_ids: Iterable[str]) -> dict[str, Head | None]:
    """The current heads, strongly consistent (a stale head would only cost a retry, but why pay it)."""
    wanted = list(dict.fromkeys(account_ids))
    found: dict[str, Head | None] = dict.fromkeys(wanted)
    for model in HeadModel.batch_get(wanted, consistent_read=True):
        found[model.account_id] = _head(model)
    return found


def processed_among(event_ids: Iterable[str]) -> set[str]:
    """Which of these events are already posted: one strongly consistent BatchGet for a whole batch."""
    wanted = list(dict.fromkeys(event_ids))
    return {model.event_id for model in ProcessedEventModel.batch_get(wanted, consistent_read=True)}


def write_postings(batch: PostingBatch) -> bool:
    """Write every plan's dedup record and entries, and each account's head once, in ONE transaction.

    True: posted. False: one of the events was already posted (its dedup record exists), nothing written.
    Raises ChainConflict when a concurrent posting moved one of the heads first.
    """
    assert batch.transaction_items <= MAX_TRANSACTION_ITEMS
    try:
        with transaction() as tx:
            # Put items are sent in the order they are added: the dedup records come first.
            for plan in batch.plans:
                tx.save(_processed(plan), condition=ProcessedEventModel.event_id.does_not_exist())
            for change in batch.heads:
                condition = (
                    HeadModel.account_id.does_not_exist()
                    if change.expected_seq == 0
                    else HeadModel.last_seq == change.expected_seq
                )
                tx.save(_head_model(change.head), condition=condition)
            for plan in batch.plans:
                for entry in plan.entries:
                    tx.save(_entry_model(entry), condition=EntryModel.position.does_not_exist())
    except TransactWriteError as error:
        failed = failed_items(error)
        if any(index < len(batch.plans) for index in failed):
            return False
        if failed or transient(error):  # on AWS a head another posting holds is a TransactionConflict
            raise ChainConflict(f"events {_event_ids(batch)}: a head moved while posting") from error
        raise
    return True


def _processed(plan: PostingPlan) -> ProcessedEventModel:
    return ProcessedEventModel(
        plan.event_id,
        type="money.moved",
        payment_id=plan.payment_id,
        kind=plan.kind,
        entries=len(plan.entries),
        posted_at=max(e.posted_at for e in plan.entries),
        correlation_id=plan.correlation_id,
    )


def _event_ids(batch: PostingBatch) -> str:
    return ", ".join(plan.event_id for plan in batch.plans)


# ---------------------------------------------------------------- reading heads
def get_head(account_id: str) -> Head | None:
    try:
        return _head(HeadModel.get(account_id))
    except HeadModel.DoesNotExist:
        return None


def heads_page(limit: int, cursor: str | None) -> tuple[list[Head], str | None]:
    results = HeadModel.by_listing.query(
        LISTING,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, expect={"listing": {"S": LISTING}}),
    )
    heads = [_head(model) for model in results]
    return heads, encode_cursor(results.last_evaluated_key)


def all_heads() -> Iterator[Head]:
    """Every head, one GSI Query page at a time (PynamoDB follows LastEvaluatedKey)."""
    for model in HeadModel.by_listing.query(LISTING, page_size=PAGE):
        yield _head(model)


# ---------------------------------------------------------------- reading entries
class UnreadableEntry(Exception):
    """A stored entry that no longer has the shape the ledger wrote (edited outside the code)."""

    def __init__(self, detail: str, entry_id: str = "", seq: int = 0) -> None:
        super().__init__(detail)
        self.entry_id, self.seq = entry_id, seq


def chain(account_id: str) -> Iterator[Entry]:
    """Every entry of an account in sequence order, paginated by DynamoDB (for verification)."""
    results = EntryModel.query(account_id, consistent_read=True, page_size=PAGE)
    while True:
        try:
            model = next(results)
        except StopIteration:
            return
        except (AttributeDeserializationError, ValueError, TypeError) as exc:
            raise UnreadableEntry(f"an item cannot be read ({exc})") from exc
        try:
            entry = _entry(model)
        except (ValueError, TypeError) as exc:
            raise UnreadableEntry(str(exc), str(model.entry_id), int(model.seq or 0)) from exc
        yield entry


def last_entry_before(account_id: str, bound: str) -> Entry | None:
    """The last entry posted strictly before `bound` (an ISO instant): one item read."""
    results = EntryModel.query(
        account_id, EntryModel.position < bound, scan_index_forward=False, limit=1, consistent_read=True
    )
    for model in results:
        return _entry(model)
    return None


@dataclass(frozen=True)
class EntryPage:
    entries: list[Entry]
    next_cursor: str | None


def entries_between(account_id: str, start: str, end: str, limit: int, cursor: str | None) -> EntryPage:
    """Entries posted in [start, end), oldest first."""
    results = EntryModel.query(
        account_id,
        # Positions are "{posted_at}#{seq}", so "end" itself sorts before every entry posted at `end`.
        EntryModel.position.between(start, end),
        limit=limit,
        consistent_read=True,
        last_evaluated_key=_cursor_of(account_id, cursor),
    )
    entries = [_entry(model) for model in results]
    return EntryPage(entries, encode_cursor(results.last_evaluated_key))


def entries_page(account_id: str, limit: int, cursor: str | None) -> EntryPage:
    """An account's entries, newest first."""
    results = EntryModel.query(
        account_id,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=_cursor_of(account_id, cursor),
    )
    entries = [_entry(model) for model in results]
    return EntryPage(entries, encode_cursor(results.last_evaluated_key))


def entries_of_payment(payment_id: str, limit: int, cursor: str | None) -> EntryPage:
    results = EntryModel.by_payment.query(
        payment_id,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, expect={"payment_id": {"S": payment_id}}),
    )
    entries = [_entry(model) for model in results]
    return EntryPage(entries, encode_cursor(results.last_evaluated_key))


def _cursor_of(account_id: str, cursor: str | None) -> dict[str, Any] | None:
    return decode_cursor(cursor, expect={"account_id": {"S": account_id}})


def heads_of(account_ids: Iterable[str]) -> dict[str, Head]:
    """Heads by id (eventually consistent; for reports), 100 ids per BatchGetItem."""
    return {model.account_id: _head(model) for model in HeadModel.batch_get(list(dict.fromkeys(account_ids)))}
