"""Card payments in two phases (TigerBeetle's pending transfers are the model): an authorization holds
funds (available drops, ledger does not); a capture of at most the held amount moves money and releases
the hold in the same transaction; a void or the expiry job releases it. A hold resolves at most once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.clock import iso, now
from core.errors import DomainError
from core.events import EventType, Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.config import conf
from payments.domain import errors
from payments.domain.fraud import check_amount, counters_for
from payments.domain.movement import scoped_id
from payments.domain.rules import HoldState, capture_id, check_capture, check_void
from payments.models import CardAuthorizationRequest
from payments.service.common import Caller, declined_response, limits
from payments.service.views import hold_view
from payments.store import accounts, engine, idempotency, repository
from payments.store.tables import Hold


def authorize(caller: Caller, request: CardAuthorizationRequest, key: str) -> dict[str, Any]:
    merchant = repository.position(request.merchant_account)
    if merchant is None or merchant.owner_id != caller.principal.user_id:
        raise errors.AccountNotFound("You have no account with this number", field="merchant_account")
    user_id = caller.principal.user_id
    return idempotency.once(
        "card-authorizations",
        scope=user_id,
        key=key,
        fingerprint=request.safe_fingerprint(),
        run=lambda: _authorize(caller, request, scoped_id("hold", user_id, key)),
        lambda_context=caller.lambda_context,
    )


def _authorize(caller: Caller, request: CardAuthorizationRequest, hold_id: str) -> dict[str, Any]:
    card = accounts.verify_card(
        request.pan, request.expiry_month, request.expiry_year, request.cvv, request.pin
    )
    if card.account_number == request.merchant_account:
        raise errors.SameAccount("A merchant cannot charge its own account's card")
    cardholder = repository.position(card.account_number)
    if cardholder is None:
        raise errors.AccountNotFound("The card's account does not exist")
    at = now()
    expires_at = int((at + timedelta(seconds=conf().hold_ttl_seconds)).timestamp())
    values = {
        "hold_id": hold_id,
        "state": HoldState.PENDING.value,
        "amount": request.amount,
        "captured_amount": 0,
        "cardholder_account": card.account_number,
        "cardholder_owner_id": cardholder.owner_id,
        "merchant_account": request.merchant_account,
        "merchant_owner_id": caller.principal.user_id,
        "card_id": card.card_id,
        "description": request.description,
        "expires_at": expires_at,
        "pending": "pending",
        "correlation_id": caller.correlation_id,
        "created_at": iso(at),
        "updated_at": iso(at),
    }
    decline_record = engine.Movement(
        payment_id=capture_id(hold_id),
        kind=MovementKind.CARD_CAPTURE,
        legs=(
            Leg(from_account=card.account_number, to_account=request.merchant_account, amount=request.amount),
        ),
        at=at,
        description=request.description,
        correlation_id=caller.correlation_id,
        initiated_by=caller.principal.user_id,
    )
    items = [
        engine.position_update(
            card.account_number, held=request.amount, at=at, need_available=request.amount
        ),
        engine.put_item(Hold.Meta.table_name, values, key="hold_id"),
        *(engine.counter_update(c) for c in counters_for(card.account_number, request.amount, at, limits())),
        engine.outbox_put(
            EventType.HOLD_CREATED,
            _hold_data(hold_id, card.account_number, request.amount),
            caller.correlation_id,
            at,
        ),
    ]
    try:
        check_amount(request.amount, limits())
        engine.commit(items)
    except errors.Declined as decline:
        engine.record_decline(decline_record, decline.code)
        return declined_response(decline, decline_record.payment_id)
    except errors.Duplicate:
        stored = repository.hold(hold_id)
        if stored is None:
            raise
        return {"status": 201, "body": hold_view(stored)}
    metrics.add_metric(name="card_authorizations", unit=MetricUnit.Count, value=1)
    return {"status": 201, "body": hold_view(values)}


def _hold_data(hold_id: str, account: str, amount: int) -> dict[str, Any]:
    return {"hold_id": hold_id, "account_number": account, "amount": amount}


def _merchant_hold(caller: Caller, hold_id: str) -> Hold:
    hold = repository.hold(hold_id)
    if hold is None or not (caller.principal.is_staff or hold.merchant_owner_id == caller.principal.user_id):
        raise errors.HoldNotFound()
    return hold


def get(caller: Caller, hold_id: str) -> dict[str, Any]:
    hold = repository.hold(hold_id)
    visible_to = {hold.merchant_owner_id, hold.cardholder_owner_id} if hold else set()
    if hold is None or not (caller.principal.is_staff or caller.principal.user_id in visible_to):
        raise errors.HoldNotFound()
    return hold_view(hold)


def _hold_transition(hold: Hold, to: HoldState, at: datetime, **changes: Any) -> engine.TxItem:
    """pending → captured | voided | expired, once: the condition is the hold's own state."""
    values: dict[str, Any] = {
        ":pending": HoldState.PENDING.value,
        ":to": to.value,
        ":now": iso(at),
        ":epoch": int(at.timestamp()),
    }
    sets = ["#st = :to", "#upd = :now"]
    names = {"#st": "state", "#upd": "updated_at", "#pend": "pending", "#exp": "expires_at"}
    for index, (name, value) in enumerate(changes.items()):
        names[f"#c{index}"] = name
        values[f":c{index}"] = value
        sets.append(f"#c{index} = :c{index}")
    # A capture or void must beat the expiry; the expiry job only takes what has run out.
    timing = "#exp > :epoch" if to != HoldState.EXPIRED else "#exp <= :epoch"
    op = {
        "Update": {
            "TableName": Hold.Meta.table_name,
            "Key": engine.to_item({"hold_id": hold.hold_id}),
            "UpdateExpression": "SET " + ", ".join(sets) + " REMOVE #pend",
            "ConditionExpression": f"#st = :pending AND {timing}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": engine.to_item(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }

    def explain(old: dict[str, Any] | None) -> DomainError:
        if old is None:
            return errors.HoldNotFound()
        if old.get("state") != HoldState.PENDING.value:
            return errors.HoldNotPending(f"The authorization is {old.get('state')}")
        return errors.HoldExpired()

    return engine.TxItem(op, explain)


def capture(caller: Caller, hold_id: str, amount: int | None) -> dict[str, Any]:
    hold = _merchant_hold(caller, hold_id)
    at = now()
    wanted = int(hold.amount) if amount is None else amount
    check_capture(HoldState(hold.state), _moment(int(hold.expires_at)), at, int(hold.amount), wanted)
    payment_id = capture_id(hold_id)
    released = int(hold.amount)
    movement = engine.Movement(
        payment_id=payment_id,
        kind=MovementKind.CARD_CAPTURE,
        legs=(Leg(from_account=hold.cardholder_account, to_account=hold.merchant_account, amount=wanted),),
        at=at,
        description=hold.description,
        correlation_id=caller.correlation_id,
        initiated_by=caller.principal.user_id,
        custom_positions={
            # Release the whole hold and post the captured part: available rises by the uncaptured rest.
            hold.cardholder_account: engine.position_update(
                hold.cardholder_account, ledger=-wanted, held=-released, at=at, need_held=released
            )
        },
        extra=(
            _hold_transition(hold, HoldState.CAPTURED, at, captured_amount=wanted, payment_id=payment_id),
            engine.outbox_put(
                EventType.HOLD_RELEASED,
                _hold_data(hold_id, hold.cardholder_account, released),
                caller.correlation_id,
                at,
            ),
        ),
    )
    engine.commit(engine.movement_items(movement))
    metrics.add_metric(name="card_captures", unit=MetricUnit.Count, value=1)
    return hold_view(
        {
            **hold.attribute_values,
            "state": HoldState.CAPTURED.value,
            "captured_amount": wanted,
            "payment_id": payment_id,
        }
    )


def void(caller: Caller, hold_id: str) -> dict[str, Any]:
    hold = _merchant_hold(caller, hold_id)
    check_void(HoldState(hold.state))
    _release(hold, HoldState.VOIDED, now(), caller.correlation_id)
    return hold_view({**hold.attribute_values, "state": HoldState.VOIDED.value})


def _release(hold: Hold, to: HoldState, at: datetime, correlation_id: str) -> None:
    amount = int(hold.amount)
    engine.commit(
        [
            _hold_transition(hold, to, at),
            # A release never needs the account active: a blocked customer still gets the money back.
            engine.position_update(
                hold.cardholder_account, held=-amount, at=at, require_active=False, need_held=amount
            ),
            engine.outbox_put(
                EventType.HOLD_RELEASED,
                _hold_data(hold.hold_id, hold.cardholder_account, amount),
                correlation_id,
                at,
            ),
        ]
    )


def expire_holds(at: datetime | None = None, batch: int = 100) -> int:
    """Release every pending hold whose time is up; safe to run concurrently and repeatedly."""
    moment = at or now()
    released = 0
    for hold in repository.expired_holds(moment, batch):
        try:
            _release(hold, HoldState.EXPIRED, moment, hold.correlation_id)
        except (errors.HoldNotPending, errors.HoldExpired):
            continue  # captured, voided or released by a concurrent run meanwhile
        released += 1
    if released:
        metrics.add_metric(name="holds_expired", unit=MetricUnit.Count, value=released)
    return released


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, now().tzinfo)
