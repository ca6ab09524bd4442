"""Test helpers for the accounts unit tests: constants, principals and a fake of payments' internal
function that follows the contract in docs/architecture.md (positions with their payment PIN and the
welcome bonus once per customer, idempotent moves, set_state, PIN unlock, closure payout of exactly the
approved balance, reversals, each account's lowest balance over a window, and payments' rules)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.clock import iso, now
from core.errors import (
    AccountClosed,
    AccountNotEmpty,
    AlreadyReversed,
    BalanceChanged,
    ErrorKind,
    IdempotencyKeyReused,
    InsufficientFunds,
    NotReversible,
    TransferNotFound,
    error_class,
)
from core.errors import AccountNotFound as PositionNotFound
from payments.service.rules import rules as payment_rules

PREFIX = "arhan-test"
PAYMENTS_FUNCTION = "payments-internal-unit"
TABLES = {
    "ACCOUNTS_TABLE": "accounts-accounts",
    "ACCOUNTS_CARDS_TABLE": "accounts-cards",
    "ACCOUNTS_LOANS_TABLE": "accounts-loans",
    "ACCOUNTS_TICKETS_TABLE": "accounts-tickets",
    "ACCOUNTS_AUDIT_TABLE": "accounts-audit",
    "ACCOUNTS_OPERATIONS_TABLE": "accounts-operations",
}
PIN_KEY = bytes(range(32))
CARD_KEYS = {"pan_key": bytes([1] * 32), "cvv_key": bytes([2] * 32), "pan_index_key": bytes([3] * 32)}
POOL = "bank:pool"
CASH = "bank:cash"
WELCOME_BONUS = 100_000
REVERSIBLE = ("transfer", "card_capture")

# Payments' refusals are the catalogue's (core.errors): one title per code, in every process. Only
# codes payments keeps to itself are made here, with payments' own kind and title.
AccountBlocked = error_class("account_blocked", ErrorKind.UNPROCESSABLE, "The account is blocked")
AccountExists = error_class("account_exists", ErrorKind.CONFLICT, "The account already has a position")


@dataclass(frozen=True)
class Line:
    """One history line of a movement: when (ISO), which account, its signed change."""

    at: str
    account: str
    change: int


class FakePayments:
    """Positions and movements in memory; `calls` records every action for assertions."""

    def __init__(self) -> None:
        self.balance: dict[str, int] = {
            POOL: 10**12,
            CASH: 0,
            "bank:loans_receivable": 0,
            "bank:interest_income": 0,
        }
        self.state: dict[str, str] = {}
        self.held: dict[str, int] = {}  # card holds: in the ledger balance, not in the available one
        self.owner: dict[str, str] = {}
        self.pin: dict[str, str] = {}  # the payment PIN payments keeps (hashed there; clear here)
        self.pin_unlocks: list[str] = []
        self.moves: dict[str, dict[str, Any]] = {}
        self.reversed_by: dict[str, str] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_next: dict[str, Exception] = {}
        # Every movement's lines, and the instant moves happen at (now unless set). A balance set
        # directly (`balance[n] = x`) has no line: it is as if the account had held it all along.
        self.lines: list[Line] = []
        self.at: str | None = None

    def invoke(self, function_name: str, action: str, payload: dict[str, Any]) -> Any:
        assert function_name == PAYMENTS_FUNCTION
        payload = json.loads(json.dumps(payload))  # what crosses the wire is JSON
        self.calls.append((action, payload))
        if action in self.fail_next:
            raise self.fail_next.pop(action)
        return getattr(self, action)(payload)

    def open_position(self, p: dict[str, Any]) -> dict[str, Any]:
        """The position with its PIN; the welcome bonus only with the customer's first account (its
        payment id is the customer's). A retried opening sets the PIN chosen this time."""
        number, owner = p["account_number"], p["owner_id"]
        if number not in self.state:
            self.state[number] = "active"
            self.balance[number] = 0
            self.owner[number] = owner
            bonus_id = f"bonus:{owner}"
            if bonus_id not in self.moves:
                self.move(
                    {
                        "payment_id": bonus_id,
                        "kind": "welcome_bonus",
                        "legs": [{"from_account": POOL, "to_account": number, "amount": WELCOME_BONUS}],
                        "description": "Welcome bonus",
                    }
                )
        elif self.owner[number] != owner:
            raise AccountExists()
        self.pin[number] = p["pin"]
        return self._position(number)

    def _position(self, number: str) -> dict[str, Any]:
        return {
            "account_number": number,
            "owner_id": self.owner.get(number, ""),
            "state": self.state[number],
            "ledger_balance": self.balance[number],
        }

    def unlock_pin(self, p: dict[str, Any]) -> dict[str, Any]:
        number = p["account_number"]
        if number not in self.state:
            raise PositionNotFound()
        self.pin_unlocks.append(number)
        return {"account_number": number, "pin_locked": False}

    def close_with_payout(self, p: dict[str, Any]) -> dict[str, Any]:
        """Exactly the approved balance leaves as cash to the owner, and the position closes, at most
        once: any other balance is refused (balance_changed), and a repeat of the same closure on the
        closed, empty position answers it and changes nothing."""
        number, approved = p["account_number"], p["balance"]
        if number not in self.state:
            raise PositionNotFound()
        if self.held.get(number):
            raise AccountNotEmpty()
        amount = self.balance[number]
        payout = self.moves.get(f"closure:{number}")
        repeat = (
            self.state[number] == "closed" and payout is not None and payout["legs"][0]["amount"] == approved
        )
        if amount != approved and not repeat:
            raise BalanceChanged()
        if amount > 0:
            self.move(
                {
                    "payment_id": f"closure:{number}",
                    "kind": "closure_payout",
                    "legs": [{"from_account": number, "to_account": CASH, "amount": amount}],
                    "description": p["reason"],
                },
                closing=True,
            )
        self.state[number] = "closed"
        return self._position(number)

    def check_reversal(self, p: dict[str, Any]) -> dict[str, Any]:
        original = self.moves.get(p["payment_id"])
        if original is None:
            raise TransferNotFound()
        if original["kind"] not in REVERSIBLE:
            raise NotReversible()
        if p["payment_id"] in self.reversed_by:
            raise AlreadyReversed()
        return self._payment_view(original)

    def reverse(self, p: dict[str, Any]) -> dict[str, Any]:
        original = self.check_reversal({"payment_id": p["payment_id"]})
        reversal_id = f"rev_{p['payment_id']}"
        self.move(
            {
                "payment_id": reversal_id,
                "kind": "reversal",
                "legs": [
                    {
                        "from_account": leg["to_account"],
                        "to_account": leg["from_account"],
                        "amount": leg["amount"],
                    }
                    for leg in original["legs"]
                ],
                "description": p["reason"],
            }
        )
        self.reversed_by[p["payment_id"]] = reversal_id
        return self._payment_view(self.moves[reversal_id])

    @staticmethod
    def _payment_view(move: dict[str, Any]) -> dict[str, Any]:
        first = move["legs"][0]
        return {
            "payment_id": move["payment_id"],
            "kind": move["kind"],
            "status": "completed",
            "from_account": first["from_account"],
            "to_account": first["to_account"],
            "amount": sum(leg["amount"] for leg in move["legs"]),
            "legs": move["legs"],
        }

    def set_state(self, p: dict[str, Any]) -> dict[str, Any]:
        number = p["account_number"]
        if number not in self.state:
            raise PositionNotFound()
        if self.state[number] == "closed" and p["state"] != "closed":
            raise AccountClosed()
        if p["state"] == "closed" and (self.balance[number] != 0 or self.held.get(number)):
            raise AccountNotEmpty()
        self.state[number] = p["state"]
        return {"account_number": number, "state": p["state"]}

    def lowest_balances(self, p: dict[str, Any]) -> dict[str, int]:
        """Each known account's lowest ledger balance in [start, end): the balance at `start` (today's
        less every line since), then after each line inside the window."""
        start, end = p["start"], p["end"]
        found: dict[str, int] = {}
        for number in p["account_numbers"]:
            if number not in self.state:
                continue
            since = sorted(
                (line for line in self.lines if line.account == number and line.at >= start),
                key=lambda line: line.at,
            )
            balance = self.balance[number] - sum(line.change for line in since)
            lowest = balance
            for line in since:
                if line.at >= end:
                    break
                balance += line.change
                lowest = min(lowest, balance)
            found[number] = lowest
        return found

    def balances(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            n: {
                "ledger_balance": self.balance[n],
                "available_balance": self.balance[n] - self.held.get(n, 0),
                "state": self.state[n],
            }
            for n in p["account_numbers"]
            if n in self.state
        }

    def move(self, p: dict[str, Any], *, closing: bool = False) -> dict[str, Any]:
        known = self.moves.get(p["payment_id"])
        if known is not None:
            if known != p:
                raise IdempotencyKeyReused()
            return {"payment_id": p["payment_id"], "status": "completed"}
        for leg in p["legs"]:
            for side in (leg["from_account"], leg["to_account"]):
                if not side.startswith("bank:") and self.state.get(side) != "active" and not closing:
                    raise AccountBlocked()
        outgoing: dict[str, int] = {}
        for leg in p["legs"]:
            outgoing[leg["from_account"]] = outgoing.get(leg["from_account"], 0) + leg["amount"]
        for account, amount in outgoing.items():
            # Asset accounts run negative by the sign convention; the pool and customers never do.
            if (account == POOL or not account.startswith("bank:")) and self.balance[account] < amount:
                raise InsufficientFunds()
        at = self.at or iso(now())
        for leg in p["legs"]:
            self.balance[leg["from_account"]] -= leg["amount"]
            self.balance[leg["to_account"]] += leg["amount"]
            self.lines.append(Line(at, leg["from_account"], -leg["amount"]))
            self.lines.append(Line(at, leg["to_account"], leg["amount"]))
        self.moves[p["payment_id"]] = p
        return {"payment_id": p["payment_id"], "status": "completed"}

    def transfer(self, payment_id: str, from_account: str, to_account: str, amount: int) -> None:
        """A customer's transfer as payments would have made it (the thing a reversal undoes)."""
        legs = [{"from_account": from_account, "to_account": to_account, "amount": amount}]
        self.move({"payment_id": payment_id, "kind": "transfer", "legs": legs, "description": "rent"})

    def rules(self, p: dict[str, Any]) -> dict[str, Any]:
        """Payments' own `rules` action (read-only, from payments' settings): the real answer, no copy."""
        assert p == {}
        return payment_rules().model_dump(mode="json")

    def bank_totals(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "pool_balance": self.balance[POOL],
            "customer_deposits": sum(v for k, v in self.balance.items() if not k.startswith("bank:")),
            "loans_receivable": self.balance["bank:loans_receivable"],
            "interest_income": self.balance["bank:interest_income"],
        }

    def moved(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.moves.values() if m["kind"] == kind]


def customer(sub: str, username: str | None = None) -> dict[str, str]:
    return {"sub": sub, "role": "customer", "username": username or sub}


STAFF = {"sub": "staff-1", "role": "staff", "username": "officer"}
STAFF_2 = {"sub": "staff-2", "role": "staff", "username": "checker"}
