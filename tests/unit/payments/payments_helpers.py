"""Calls the payments unit tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CallApi = Callable[..., Any]


def transfer(
    call_api: CallApi,
    app: Any,
    customer: Any,
    to: str,
    amount: Any = 10_000,
    *,
    key: str = "k-1",
    **extra: Any,
) -> Any:
    """POST /transfers from `customer.account` with `customer.pin` (both overridable in `extra`)."""
    body = {
        "from_account": customer.account,
        "to_account": to,
        "amount": amount,
        "pin": customer.pin,
        "description": "rent",
        **extra,
    }
    headers = (
        {"Idempotency-Key": key, "X-Correlation-Id": "corr-1"} if key else {"X-Correlation-Id": "corr-1"}
    )
    return call_api(app, "POST", "/transfers", body=body, headers=headers, principal=customer.principal)


def internal_call(action: str, **payload: Any) -> dict[str, Any]:
    """Invoke the payments internal function as the accounts service does."""
    from payments.entrypoints import internal
    from tests.unit.conftest import FakeContext

    result: dict[str, Any] = internal.handler({"action": action, "payload": payload}, FakeContext())
    return result


def reverse_payment(payment_id: str, reason: str = "sent in error", initiated_by: str = "staff-2") -> Any:
    """The internal `reverse` action, as accounts invokes it once a second staff member approved it:
    {"result": payment} or {"error": {"code": ...}}."""
    return internal_call("reverse", payment_id=payment_id, reason=reason, initiated_by=initiated_by)
