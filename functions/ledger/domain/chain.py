"""Re-checking a ledger account's hash chain: every link, every running balance, and the head."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.domain.chart import Side, signed
from ledger.domain.posting import GENESIS_HASH, Entry, Head, entry_hash

MAX_BREAKS_PER_ACCOUNT = 20


@dataclass(frozen=True)
class ChainBreak:
    account_id: str
    entry_id: str  # "" when the head itself disagrees with its entries
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    account_id: str
    entries_checked: int
    breaks: tuple[ChainBreak, ...]
    # Highest seq found beyond the head that was read: posted while the walk ran, or an orphan
    # written without its head. The caller tells the two apart by reading the head again.
    last_seq_after_head: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_chain(head: Head, entries: Iterable[Entry]) -> ChainReport:
    """Walk the entries in sequence order. Each break is reported once: the walk continues from the
    stored values, so one edited entry shows as one broken entry, not as every entry after it."""
    breaks: list[ChainBreak] = []

    def broken(entry: Entry | None, reason: str) -> None:
        if len(breaks) < MAX_BREAKS_PER_ACCOUNT:
            breaks.append(
                ChainBreak(
                    head.account_id, entry.entry_id if entry else "", entry.seq if entry else 0, reason
                )
            )

    expected_seq, prev_hash, balance, debits, credits, last_posted = 1, GENESIS_HASH, 0, 0, 0, ""
    count, after_head = 0, 0
    for entry in entries:
        if entry.seq > head.last_seq:
            # The head and its entry are written in one transaction, so a later seq is a posting
            # newer than the head we hold; it is checked on the next walk.
            after_head = max(after_head, entry.seq)
            continue
        count += 1
        if entry.hash != entry_hash(entry.hashed_fields()):
            broken(entry, "hash_mismatch: the entry's content does not match its hash")
        if entry.seq != expected_seq:
            broken(entry, f"sequence_gap: expected seq {expected_seq}, found {entry.seq}")
        if entry.prev_hash != prev_hash:
            broken(entry, "link_broken: prev_hash is not the previous entry's hash")
        if entry.account_id != head.account_id:
            broken(entry, f"wrong_account: the entry belongs to {entry.account_id}")
        if entry.amount <= 0:
            broken(entry, "bad_amount: amounts are positive kobo")
        if entry.posted_at < last_posted:
            broken(entry, "time_reversed: posted before the previous entry")
        balance += signed(entry.amount, entry.side, head.normal_side)
        if entry.balance != balance:
            broken(
                entry, f"balance_mismatch: running balance should be {balance}, entry says {entry.balance}"
            )
            balance = entry.balance
        debits += entry.amount if entry.side is Side.DEBIT else 0
        credits += entry.amount if entry.side is Side.CREDIT else 0
        expected_seq, prev_hash, last_posted = entry.seq + 1, entry.hash, entry.posted_at
    last_seq = expected_seq - 1
    if head.last_seq != last_seq or head.last_hash != prev_hash:
        broken(None, f"head_mismatch: the head says seq {head.last_seq}, the chain ends at {last_seq}")
    if (head.balance, head.total_debits, head.total_credits) != (balance, debits, credits):
        broken(None, "head_totals_mismatch: the head's balance or totals differ from its entries")
    return ChainReport(head.account_id, count, tuple(breaks), after_head)


def orphan_break(account_id: str, seq: int) -> ChainBreak:
    """An entry beyond even the freshly read head: written without moving the head."""
    return ChainBreak(account_id, "", seq, f"orphan_entry: seq {seq} lies beyond the head")
