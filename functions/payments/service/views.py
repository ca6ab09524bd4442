"""What clients and callers see of positions, payments, history lines and holds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core.clock import iso
from payments.domain.rules import request_state
from payments.store.models import Entry, Hold, Payment, PaymentRequest, Position


def position_view(position: Position) -> dict[str, Any]:
    return {
        "account_number": position.account,
        "owner_id": position.owner_id,
        "ledger_balance": int(position.ledger_balance),
        "available_balance": int(position.available),
        "held": int(position.held),
        "state": position.state,
        "kind": position.kind,
    }


def balance_view(position: Position) -> dict[str, Any]:
    return {
        "ledger_balance": int(position.ledger_balance),
        "available_balance": int(position.available),
        "state": position.state,
    }


def payment_view(values: Mapping[str, Any] | Payment) -> dict[str, Any]:
    data = values.attribute_values if isinstance(values, Payment) else values
    legs = data.get("legs") or []
    if isinstance(legs, str):
        legs = json.loads(legs)
    return {
        "payment_id": data["payment_id"],
        "kind": data["kind"],
        "status": data["status"],
        "from_account": data["from_account"],
        "to_account": data["to_account"],
        "amount": int(data["amount"]),
        "legs": [{**leg, "amount": int(leg["amount"])} for leg in legs],
        "description": data.get("description") or "",
        "reverses": data.get("reverses"),
        "reversed_by": data.get("reversed_by"),
        "decline_code": data.get("decline_code"),
        "correlation_id": data.get("correlation_id") or "",
        "created_at": data["created_at"],
    }


def entry_view(entry: Entry) -> dict[str, Any]:
    return {
        "payment_id": entry.payment_id,
        "kind": entry.kind,
        "status": entry.status,
        "direction": entry.direction,
        "amount": int(entry.amount),
        "counterparty": entry.counterparty,
        "description": entry.description,
        "decline_code": entry.decline_code,
        "reversed_by": entry.reversed_by,
        "created_at": entry.created_at,
    }


def hold_view(hold: Hold | Mapping[str, Any]) -> dict[str, Any]:
    data = hold.attribute_values if isinstance(hold, Hold) else hold
    return {
        "authorization_id": data["hold_id"],
        "state": data["state"],
        "amount": int(data["amount"]),
        "captured_amount": int(data.get("captured_amount") or 0),
        "merchant_account": data["merchant_account"],
        "description": data.get("description") or "",
        "payment_id": data.get("payment_id"),
        "expires_at": iso(datetime.fromtimestamp(int(data["expires_at"]), UTC)),
        "created_at": data["created_at"],
    }


def request_view(request: PaymentRequest | Mapping[str, Any], at: datetime) -> dict[str, Any]:
    data = request.attribute_values if isinstance(request, PaymentRequest) else request
    return {
        "payment_request_id": data["request_id"],
        "state": request_state(str(data["state"]), int(data["expires_at"]), at).value,
        "amount": int(data["amount"]),
        "merchant_account": data["merchant_account"],
        "description": data.get("description") or "",
        "authorization_id": data.get("authorization_id"),
        "decline_code": data.get("decline_code"),
        "expires_at": iso(datetime.fromtimestamp(int(data["expires_at"]), UTC)),
        "created_at": data["created_at"],
    }
