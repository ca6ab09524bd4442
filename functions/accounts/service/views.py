"""What clients see of each item: never a PIN hash, never a PAN beyond first 6 / last 4."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.domain import cards as card_rules
from accounts.domain import loans as loan_rules
from accounts.store.models import AccountModel, CardModel, LoanModel, TicketModel
from core.clock import iso


def account(item: AccountModel, balance: dict[str, Any] | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "account_number": item.account_number,
        "owner_id": item.owner_id,
        "type": item.type,
        "state": item.state,
        "block_reason": item.block_reason,
        "blocked_by": item.blocked_by,
        "ledger_balance": int((balance or {}).get("ledger_balance", 0)),
        "available_balance": int((balance or {}).get("available_balance", 0)),
        "created_at": iso(item.created_at),
    }
    if item.type == "savings":
        view["interest_rate_bp"] = int(item.interest_rate_bp)
    return view


def card(item: CardModel) -> dict[str, Any]:
    return {
        "card_id": item.card_id,
        "account_number": item.account_number,
        "masked_pan": f"{item.first6}******{item.last4}",
        "expiry_month": int(item.expiry_month),
        "expiry_year": int(item.expiry_year),
        "state": item.state,
        "block_reason": item.block_reason,
        "blocked_by": item.blocked_by,
        "replaces": item.replaces,
        "replaced_by": item.replaced_by,
        "created_at": iso(item.created_at),
    }


def card_once(item: CardModel, pan: str, cvv: str) -> dict[str, Any]:
    """The only response that carries the whole PAN and the CVV (at issue and replacement)."""
    return {**card(item), "pan": pan, "cvv": cvv, "masked_pan": card_rules.mask(pan)}


def schedule(instalments: list[int], start: date | None) -> list[dict[str, Any]]:
    return [
        {
            "number": index,
            "amount": amount,
            "due_date": loan_rules.add_months(start, index).isoformat() if start else None,
        }
        for index, amount in enumerate(instalments, start=1)
    ]


def quote(terms: loan_rules.Terms) -> dict[str, Any]:
    return {
        "amount": terms.amount,
        "months": terms.months,
        "rate_percent": loan_rules.FLAT_RATE_PERCENT,
        "interest": terms.interest,
        "repayable": terms.repayable,
        "schedule": schedule(list(terms.instalments), None),
    }


def loan(item: LoanModel) -> dict[str, Any]:
    started = item.decided_at.date() if item.status in ("active", "paid_off") and item.decided_at else None
    return {
        "loan_id": item.loan_id,
        "owner_id": item.owner_id,
        "account_number": item.account_number,
        "amount": int(item.amount),
        "months": int(item.months),
        "rate_percent": loan_rules.FLAT_RATE_PERCENT,
        "interest": int(item.interest),
        "repayable": int(item.repayable),
        "repaid": int(item.repaid),
        "outstanding": int(item.repayable) - int(item.repaid),
        "status": "pending" if item.status == "approving" else item.status,
        "reason": item.reason,
        "schedule": schedule([int(x) for x in item.instalments], started),
        "created_at": iso(item.created_at),
        "decided_at": iso(item.decided_at) if item.decided_at else None,
    }


def ticket(item: TicketModel, *, thread: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "ticket_id": item.ticket_id,
        "owner_id": item.owner_id,
        "category": item.category,
        "subject": item.subject,
        "status": item.status,
        "message_count": len(item.messages or []),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
    }
    if thread:
        view["messages"] = [
            {"author_id": m.author_id, "author_role": m.author_role, "body": m.body, "at": iso(m.at)}
            for m in item.messages or []
        ]
    return view
