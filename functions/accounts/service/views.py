"""What clients see of each stored item, as the response models: never a PIN hash, never a PAN beyond
first 6 / last 4. The one place store items become response models (models.py may not import the store,
so these builders live here rather than as `Model.of` classmethods)."""

from __future__ import annotations

from datetime import date

from accounts.domain import cards as card_rules
from accounts.domain import loans as loan_rules
from accounts.domain.proposals import ProposalStatus
from accounts.models import (
    AccountSearchItem,
    AccountView,
    AuditEntry,
    CardView,
    Instalment,
    IssuedCardView,
    LoanQuote,
    LoanView,
    PositionBalance,
    ProposalView,
    TicketMessage,
    TicketView,
)
from accounts.store.models import AccountModel, AuditModel, CardModel, LoanModel, ProposalModel, TicketModel
from core.clock import iso


def account(item: AccountModel, balance: PositionBalance | None) -> AccountView:
    """`interest_rate_bp` is set on savings accounts only: routes leave it out of the others' JSON."""
    view = AccountView(
        account_number=item.account_number,
        owner_id=item.owner_id,
        type=item.type,
        state=item.state,
        block_reason=item.block_reason,
        blocked_by=item.blocked_by,
        ledger_balance=balance.ledger_balance if balance else 0,
        available_balance=balance.available_balance if balance else 0,
        created_at=iso(item.created_at),
    )
    if item.type == "savings":
        view.interest_rate_bp = int(item.interest_rate_bp)
    return view


def search_item(item: AccountModel, balance: PositionBalance | None) -> AccountSearchItem:
    return AccountSearchItem(
        **account(item, balance).model_dump(exclude_unset=True), owner_username=item.owner_username
    )


def card(item: CardModel) -> CardView:
    return CardView(
        card_id=item.card_id,
        account_number=item.account_number,
        masked_pan=f"{item.first6}******{item.last4}",
        expiry_month=int(item.expiry_month),
        expiry_year=int(item.expiry_year),
        state=item.state,
        block_reason=item.block_reason,
        blocked_by=item.blocked_by,
        replaces=item.replaces,
        replaced_by=item.replaced_by,
        created_at=iso(item.created_at),
    )


def card_once(item: CardModel, pan: str, cvv: str) -> IssuedCardView:
    """The only response that carries the whole PAN and the CVV (to the owner, at issue and reveal)."""
    return IssuedCardView(
        **card(item).model_dump(exclude={"masked_pan"}), masked_pan=card_rules.mask(pan), pan=pan, cvv=cvv
    )


def schedule(instalments: list[int], start: date | None) -> list[Instalment]:
    return [
        Instalment(
            number=index,
            amount=amount,
            due_date=loan_rules.add_months(start, index).isoformat() if start else None,
        )
        for index, amount in enumerate(instalments, start=1)
    ]


def quote(terms: loan_rules.Terms) -> LoanQuote:
    return LoanQuote(
        amount=terms.amount,
        months=terms.months,
        rate_percent=loan_rules.FLAT_RATE_PERCENT,
        interest=terms.interest,
        repayable=terms.repayable,
        schedule=schedule(list(terms.instalments), None),
    )


def loan(item: LoanModel) -> LoanView:
    started = item.decided_at.date() if item.status in ("active", "paid_off") and item.decided_at else None
    return LoanView(
        loan_id=item.loan_id,
        owner_id=item.owner_id,
        account_number=item.account_number,
        amount=int(item.amount),
        months=int(item.months),
        rate_percent=loan_rules.FLAT_RATE_PERCENT,
        interest=int(item.interest),
        repayable=int(item.repayable),
        repaid=int(item.repaid),
        outstanding=int(item.repayable) - int(item.repaid),
        status="pending" if item.status == "approving" else item.status,
        reason=item.reason,
        schedule=schedule([int(x) for x in item.instalments], started),
        created_at=iso(item.created_at),
        decided_at=iso(item.decided_at) if item.decided_at else None,
    )


def ticket(item: TicketModel, *, thread: bool) -> TicketView:
    """The thread's messages only with `thread` (a single ticket): lists leave the key out."""
    view = TicketView(
        ticket_id=item.ticket_id,
        owner_id=item.owner_id,
        category=item.category,
        subject=item.subject,
        status=item.status,
        message_count=len(item.messages or []),
        created_at=iso(item.created_at),
        updated_at=iso(item.updated_at),
    )
    if thread:
        view.messages = [
            TicketMessage(author_id=m.author_id, author_role=m.author_role, body=m.body, at=iso(m.at))
            for m in item.messages or []
        ]
    return view


def audit_entry(entry: AuditModel) -> AuditEntry:
    return AuditEntry(
        audit_id=entry.audit_id,
        target=entry.target,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        reason=entry.reason,
        at=iso(entry.at),
        details=entry.details,
    )


def proposal(item: ProposalModel, status: ProposalStatus) -> ProposalView:
    """`status` as of now (a proposal past its expiry reads `expired` before anything rewrites it)."""
    return ProposalView(
        proposal_id=item.proposal_id,
        kind=item.kind,
        status=status.value,
        target=item.target,
        details=dict(item.details or {}),
        proposed_by=item.proposed_by,
        proposed_by_username=item.proposed_by_username,
        proposed_at=iso(item.proposed_at),
        expires_at=iso(item.expires_at),
        decided_by=item.decided_by,
        decided_by_username=item.decided_by_username,
        decided_at=iso(item.decided_at) if item.decided_at else None,
        reason=item.reason,
        result=item.result,
    )
