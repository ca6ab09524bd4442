"""Turning one movement into journal entries: Dr from_account, Cr to_account per leg, each entry taking
the next sequence number of its ledger account and a SHA-256 hash chained to the entry before it.

Pure: the caller reads the current chain heads, this module plans the new entries and heads, and the
store writes them all (with the event's dedup record) in one transaction guarded by the expected
sequence of every head. A batch of events is planned one after another against the heads the plans
before it left, and consecutive plans share a transaction as long as it holds them (`in_transactions`):
an account's chain then moves by several entries under one head write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from core.events import MoneyMoved
from ledger.domain.chart import Category, Side, classify, signed
from ledger.domain.errors import TooManyLegs
from ledger.domain.rules import check_movement

GENESIS_HASH = "0" * 64
# DynamoDB allows 100 items per transaction: one dedup record, two entries per leg, one head per account.
MAX_TRANSACTION_ITEMS = 100


@dataclass(frozen=True)
class Head:
    """The chain head of one ledger account: running balance (normal side), totals, last link."""

    account_id: str
    category: Category
    normal_side: Side
    balance: int = 0
    total_debits: int = 0
    total_credits: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    last_posted_at: str = ""
    opened_at: str = ""

    @classmethod
    def new(cls, account_id: str, opened_at: str) -> Head:
        account_class = classify(account_id)
        return cls(account_id, account_class.category, account_class.normal_side, opened_at=opened_at)


@dataclass(frozen=True)
class Entry:
    """One immutable line of the journal. `balance` is the account's balance right after it."""

    account_id: str
    seq: int
    entry_id: str
    event_id: str
    payment_id: str
    kind: str
    side: Side
    amount: int
    balance: int
    counter_account: str
    leg: int
    description: str
    reverses: str | None
    committed_at: str
    posted_at: str
    correlation_id: str
    prev_hash: str
    hash: str = ""

    @property
    def position(self) -> str:
        """The sort key: posting time then sequence, which orders entries the same way as `seq` because
        posting times are kept non-decreasing per account."""
        return position_key(self.posted_at, self.seq)

    def hashed_fields(self) -> dict[str, Any]:
        fields = asdict(self)
        fields.pop("hash")
        fields["side"] = self.side.value
        return fields

    def sealed(self) -> Entry:
        return replace(self, hash=entry_hash(self.hashed_fields()))


def position_key(posted_at: str, seq: int) -> str:
    return f"{posted_at}#{seq:012d}"


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's fields (prev_hash included, so links chain)."""
    canonical = json.dumps(dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class HeadChange:
    head: Head  # the head after the posting
    expected_seq: int  # the sequence the stored head must still have (0: must not exist yet)


@dataclass(frozen=True)
class PostingPlan:
    event_id: str
    payment_id: str
    kind: str
    correlation_id: str
    entries: tuple[Entry, ...]
    heads: tuple[HeadChange, ...]

    @property
    def transaction_items(self) -> int:
        return 1 + len(self.entries) + len(self.heads)


@dataclass(frozen=True)
class PostingBatch:
    """Plans written in one transaction: each plan's dedup record and entries, and one head per account
    (its state after the batch's last posting, guarded by its sequence before the first)."""

    plans: tuple[PostingPlan, ...]
    heads: tuple[HeadChange, ...]

    @property
    def transaction_items(self) -> int:
        return len(self.plans) + sum(len(plan.entries) for plan in self.plans) + len(self.heads)


def batch_of(plans: Sequence[PostingPlan]) -> PostingBatch:
    """Plans made one after another (each against the heads the one before left) as one batch."""
    expected: dict[str, int] = {}
    latest: dict[str, Head] = {}
    for plan in plans:
        for change in plan.heads:
            expected.setdefault(change.head.account_id, change.expected_seq)
            latest[change.head.account_id] = change.head
    return PostingBatch(tuple(plans), tuple(HeadChange(latest[a], expected[a]) for a in latest))


def in_transactions(plans: Sequence[PostingPlan]) -> list[PostingBatch]:
    """Consecutive plans packed greedily into batches that each fit one transaction, in chain order."""
    batches: list[PostingBatch] = []
    current: list[PostingPlan] = []
    for plan in plans:
        if current and batch_of([*current, plan]).transaction_items > MAX_TRANSACTION_ITEMS:
            batches.append(batch_of(current))
            current = []
        current.append(plan)
    if current:
        batches.append(batch_of(current))
    return batches


def heads_after(plan: PostingPlan) -> dict[str, Head]:
    """The heads a plan leaves: what the next plan of the same batch is planned against."""
    return {change.head.account_id: change.head for change in plan.heads}


def accounts_of(movement: MoneyMoved) -> list[str]:
    """The ledger accounts a movement touches, in first-seen order."""
    seen: dict[str, None] = {}
    for leg in movement.legs:
        seen.setdefault(leg.from_account)
        seen.setdefault(leg.to_account)
    return list(seen)


def plan_posting(
    *,
    event_id: str,
    correlation_id: str,
    movement: MoneyMoved,
    heads: Mapping[str, Head | None],
    now: str,
) -> PostingPlan:
    """Plan the entries of one movement against the current heads (None: the account is new)."""
    check_movement(movement)
    accounts = accounts_of(movement)
    items = 1 + 2 * len(movement.legs) + len(accounts)
    if items > MAX_TRANSACTION_ITEMS:
        raise TooManyLegs(f"{len(movement.legs)} legs need {items} transaction items")
    current: dict[str, Head] = {}
    expected: dict[str, int] = {}
    for account_id in accounts:
        stored = heads.get(account_id)
        current[account_id] = stored if stored is not None else Head.new(account_id, now)
        expected[account_id] = stored.last_seq if stored is not None else 0
    entries: list[Entry] = []
    for index, leg in enumerate(movement.legs):
        for account_id, side, counter in (
            (leg.from_account, Side.DEBIT, leg.to_account),
            (leg.to_account, Side.CREDIT, leg.from_account),
        ):
            head = current[account_id]
            entry, current[account_id] = _append(
                head,
                side=side,
                amount=leg.amount,
                counter_account=counter,
                leg=index,
                event_id=event_id,
                correlation_id=correlation_id,
                movement=movement,
                now=now,
            )
            entries.append(entry)
    changes = tuple(HeadChange(current[a], expected[a]) for a in accounts)
    assert sum(e.amount for e in entries if e.side is Side.DEBIT) == sum(
        e.amount for e in entries if e.side is Side.CREDIT
    )
    return PostingPlan(
        event_id=event_id,
        payment_id=movement.payment_id,
        kind=movement.kind.value,
        correlation_id=correlation_id,
        entries=tuple(entries),
        heads=changes,
    )


def _append(
    head: Head,
    *,
    side: Side,
    amount: int,
    counter_account: str,
    leg: int,
    event_id: str,
    correlation_id: str,
    movement: MoneyMoved,
    now: str,
) -> tuple[Entry, Head]:
    seq = head.last_seq + 1
    # Never earlier than the previous entry: time order and sequence order stay the same order.
    posted_at = max(now, head.last_posted_at)
    balance = head.balance + signed(amount, side, head.normal_side)
    entry = Entry(
        account_id=head.account_id,
        seq=seq,
        entry_id=f"{event_id}:{leg}:{'dr' if side is Side.DEBIT else 'cr'}",
        event_id=event_id,
        payment_id=movement.payment_id,
        kind=movement.kind.value,
        side=side,
        amount=amount,
        balance=balance,
        counter_account=counter_account,
        leg=leg,
        description=movement.description,
        reverses=movement.reverses,
        committed_at=movement.committed_at,
        posted_at=posted_at,
        correlation_id=correlation_id,
        prev_hash=head.last_hash,
    ).sealed()
    moved = replace(
        head,
        balance=balance,
        total_debits=head.total_debits + (amount if side is Side.DEBIT else 0),
        total_credits=head.total_credits + (amount if side is Side.CREDIT else 0),
        last_seq=seq,
        last_hash=entry.hash,
        last_posted_at=posted_at,
    )
    return entry, moved
