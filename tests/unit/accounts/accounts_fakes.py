"""Test helpers for the accounts unit tests: constants, principals and a fake of payments' internal
function that follows the contract in docs/architecture.md (positions, idempotent moves, set_state)."""

from __future__ import annotations

import json
from typing import Any

from core.errors import ErrorKind, error_class

PREFIX = "arhan-test"
PAYMENTS_FUNCTION = "payments-internal-unit"
TABLES = {
    "ACCOUNTS_TABLE": "accounts-accounts",
    "ACCOUNTS_CARDS_TABLE": "accounts-cards",
    "ACCOUNTS_LOANS_TABLE": "accounts-loans",
    "ACCOUNTS_TICKETS_TABLE": "accounts-tickets",
    "ACCOUNTS_AUDIT_TABLE": "accounts-audit",
}
PIN_KEY = bytes(range(32))
CARD_KEYS = {"pan_key": bytes([1] * 32), "cvv_key": bytes([2] * 32), "pan_index_key": bytes([3] * 32)}
POOL = "bank:pool"

AccountNotEmpty = error_class("account_not_empty", ErrorKind.CONFLICT, "The account still holds money")
AccountBlocked = error_class("account_blocked", ErrorKind.UNPROCESSABLE, "The account is blocked")
InsufficientFunds = error_class("insufficient_funds", ErrorKind.UNPROCESSABLE, "Not enough money")
IdempotencyKeyReused = error_class("idempotency_key_reused", ErrorKind.UNPROCESSABLE, "Key reused")
PositionNotFound = error_class("account_not_found", ErrorKind.NOT_FOUND, "No such account")


class FakePayments:
    """Positions and movements in memory; `calls` records every action for assertions."""

    def __init__(self) -> None:
        self.balance: dict[str, int] = {POOL: 10**12, "bank:loans_receivable": 0, "bank:interest_income": 0}
        self.state: dict[str, str] = {}
        self.moves: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_next: dict[str, Exception] = {}

    def invoke(self, function_name: str, action: str, payload: dict[str, Any]) -> Any:
        assert function_name == PAYMENTS_FUNCTION
        payload = json.loads(json.dumps(payload))  # what crosses the wire is JSON
        self.calls.append((action, payload))
        if action in self.fail_next:
            raise self.fail_next.pop(action)
        return getattr(self, action)(payload)

    def open_position(self, p: dict[str, Any]) -> dict[str, Any]:
        number = p["account_number"]
        if number not in self.state:
            self.state[number] = "active"
            self.balance[number] = 0
            self.move(
                {
                    "payment_id": f"bonus:{number}",
                    "kind": "welcome_bonus",
                    "legs": [{"from_account": POOL, "to_account": number, "amount": p["welcome_bonus"]}],
                    "description": "Welcome bonus",
                }
            )
        return {"account_number": number, "state": self.state[number], "ledger_balance": self.balance[number]}

    def set_state(self, p: dict[str, Any]) -> dict[str, Any]:
        number = p["account_number"]
        if number not in self.state:
            raise PositionNotFound()
        if p["state"] == "closed" and self.balance[number] != 0:
            raise AccountNotEmpty()
        self.state[number] = p["state"]
        return {"account_number": number, "state": p["state"]}

    def balances(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            n: {
                "ledger_balance": self.balance[n],
                "available_balance": self.balance[n],
                "state": self.state[n],
            }
            for n in p["account_numbers"]
            if n in self.state
        }

    def move(self, p: dict[str, Any]) -> dict[str, Any]:
        known = self.moves.get(p["payment_id"])
        if known is not None:
            if known != p:
                raise IdempotencyKeyReused()
            return {"payment_id": p["payment_id"], "status": "completed"}
        for leg in p["legs"]:
            for side in (leg["from_account"], leg["to_account"]):
                if not side.startswith("bank:") and self.state.get(side) != "active":
                    raise AccountBlocked()
        outgoing: dict[str, int] = {}
        for leg in p["legs"]:
            outgoing[leg["from_account"]] = outgoing.get(leg["from_account"], 0) + leg["amount"]
        for account, amount in outgoing.items():
            # Asset accounts run negative by the sign convention; the pool and customers never do.
            if (account == POOL or not account.startswith("bank:")) and self.balance[account] < amount:
                raise InsufficientFunds()
        for leg in p["legs"]:
            self.balance[leg["from_account"]] -= leg["amount"]
            self.balance[leg["to_account"]] += leg["amount"]
        self.moves[p["payment_id"]] = p
        return {"payment_id": p["payment_id"], "status": "completed"}

    def bank_totals(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "pool_balance": self.balance[POOL],
            "customer_deposits": sum(v for k, v in self.balance.items() if not k.startswith("bank:")),
            "loans_receivable": self.balance["bank:loans_receivable"],
        }

    def moved(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.moves.values() if m["kind"] == kind]


def customer(sub: str, username: str | None = None) -> dict[str, str]:
    return {"sub": sub, "role": "customer", "username": username or sub}


STAFF = {"sub": "staff-1", "role": "staff", "username": "officer"}
