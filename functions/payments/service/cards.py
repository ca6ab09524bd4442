"""Card payments in two phases (TigerBeetle's pending transfers are the model): an authorization holds
funds (available drops, ledger does not); a capture of at most the held amount moves money and releases
the hold in the same transaction; a void or the expiry job releases it. A hold resolves at most once.

The merchant never handles card details: it makes a payment request, and the cardholder confirms it on
the bank's own site with the card and PIN (3-D Secure's model). Only then does the hold exist. A hold
once given is guaranteed: blocking the card or the account stops new authorizations, not its capture.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core import errors as shared
from core.clock import iso, now
from core.errors import IdempotencyKeyReused
from core.events import EventType, Leg, MovementKind
from core.observability import MetricUnit, metrics
from payments.clients import accounts
from payments.domain import errors
from payments.domain.fraud import check_amount, counters_for
from payments.domain.movement import scoped_id, secret_scoped_id
from payments.domain.rules import (
    HoldState,
    PositionState,
    RequestState,
    capture_id,
    check_capture,
    check_void,
    request_state,
)
from payments.models import (
    CardAuthorizationRequest,
    CardAuthorizationView,
    PaymentRequestCreate,
    PaymentRequestView,
)
from payments.service.common import Answer, Caller, declined_response, limits
from payments.service.views import hold_view, request_view
from payments.settings import conf
from payments.store import engine, items, keys, repository
from payments.store.models import Hold, PaymentRequest

# A payment request is kept this long after it was made (DynamoDB TTL), long after it stopped mattering.
REQUEST_RETENTION_SECONDS = 30 * 24 * 3600


def request_payment(caller: Caller, request: PaymentRequestCreate, key: str) -> Answer[PaymentRequestView]:
    """A merchant's payment request (no card details). Idempotent: its id is derived from (merchant,
    Idempotency-Key) and its conditional put is the idempotency record; the same key with another
    body is `idempotency_key_reused`."""
    user_id = caller.principal.user_id
    merchant = repository.position(request.merchant_account)
    if merchant is None or merchant.owner_id != user_id:
        raise shared.AccountNotFound("You have no account with this number", field="merchant_account")
    if merchant.state != PositionState.ACTIVE.value:
        raise shared.AccountNotActive("The merchant account is blocked or closed")
    at = now()
    epoch = int(at.timestamp())
    made = PaymentRequest(
        # Its id is its link's capability (anyone holding it may read it): keyed, so not derivable
        # from a merchant's guessable Idempotency-Key.
        request_id=secret_scoped_id("preq", keys.pin_key(), user_id, key),
        state=RequestState.OPEN.value,
        amount=request.amount,
        merchant_account=request.merchant_account,
        merchant_owner_id=user_id,
        description=request.description,
        fingerprint=request.fingerprint(),
        expires_at=epoch + conf().payment_request_ttl_seconds,
        created_at=iso(at),
        updated_at=iso(at),
        expires_ttl=epoch + REQUEST_RETENTION_SECONDS,
    )
    try:
        engine.commit(
            [items.put_item(PaymentRequest.Meta.table_name, made.attribute_values, key="request_id")]
        )
    except errors.Duplicate:
        stored = repository.payment_request(made.request_id)
        if stored is None or stored.fingerprint != made.fingerprint:
            raise IdempotencyKeyReused() from None
        return Answer(request_view(stored, at), replayed=True)
    return Answer(request_view(made, at))


def get_request(request_id: str) -> PaymentRequestView:
    """Anyone signed in who holds the (unguessable) id may see it: the cardholder must, to confirm it."""
    stored = repository.payment_request(request_id)
    if stored is None:
        raise errors.PaymentRequestNotFound()
    return request_view(stored, now())


def authorize(caller: Caller, request: CardAuthorizationRequest) -> Answer[CardAuthorizationView]:
    """The cardholder confirms a payment request with the card and its PIN, on the bank's own site: the
    card must be the caller's own, its try is taken before anything is compared (accounts'
    `verify_card`), and only then is the hold created. One authorization per request: its id derives
    from the request's, so a retry answers the same hold."""
    stored = repository.payment_request(request.payment_request_id)
    if stored is None:
        raise errors.PaymentRequestNotFound()
    hold_id = scoped_id("hold", "payment-request", stored.request_id)
    user_id = caller.principal.user_id
    if stored.state == RequestState.AUTHORIZED.value and stored.cardholder_owner_id == user_id:
        existing = repository.hold(hold_id)
        if existing is not None:
            return Answer(hold_view(existing), replayed=True)
    at = now()
    if request_state(stored.state, int(stored.expires_at), at) is not RequestState.OPEN:
        raise errors.PaymentRequestClosed()
    card = accounts.verify_card(
        request.pan, request.expiry_month, request.expiry_year, request.cvv, request.pin, owner_id=user_id
    )
    if card.account_number == stored.merchant_account:
        raise errors.SameAccount("A merchant cannot charge its own account's card")
    amount = int(stored.amount)
    hold = Hold(
        hold_id=hold_id,
        state=HoldState.PENDING.value,
        amount=amount,
        captured_amount=0,
        cardholder_account=card.account_number,
        cardholder_owner_id=user_id,
        merchant_account=stored.merchant_account,
        merchant_owner_id=stored.merchant_owner_id,
        card_id=card.card_id,
        description=stored.description,
        expires_at=int((at + timedelta(seconds=conf().hold_ttl_seconds)).timestamp()),
        pending="pending",
        correlation_id=caller.correlation_id,
        created_at=iso(at),
        updated_at=iso(at),
    )
    decline_record = items.Movement(
        payment_id=capture_id(hold_id),
        kind=MovementKind.CARD_CAPTURE,
        legs=(Leg(from_account=card.account_number, to_account=stored.merchant_account, amount=amount),),
        at=at,
        description=stored.description,
        correlation_id=caller.correlation_id,
        initiated_by=user_id,
    )
    counters = counters_for(card.account_number, user_id, amount, at, limits())
    writes = [
        items.position_update(card.account_number, held=amount, at=at, need_available=amount),
        items.put_item(Hold.Meta.table_name, hold.attribute_values, key="hold_id"),
        items.request_transition(stored.request_id, RequestState.AUTHORIZED, at, user_id, hold_id=hold_id),
        *(items.counter_update(check) for check in counters),
        engine.outbox_put(
            EventType.HOLD_CREATED,
            _hold_data(hold_id, card.account_number, amount),
            caller.correlation_id,
            at,
        ),
    ]
    try:
        check_amount(amount, limits())
        engine.commit(writes)
    except errors.Declined as decline:
        # One transaction: the decline is recorded only if the request is still open, so a decline
        # racing another cardholder's authorization can never leave a record under the capture's id.
        declined = items.request_transition(
            stored.request_id, RequestState.DECLINED, at, user_id, decline_code=decline.code
        )
        engine.record_decline(decline_record, decline, extra=(declined,))
        return declined_response(decline, decline_record.payment_id)
    except errors.Duplicate:
        existing = repository.hold(hold_id)
        if existing is None or existing.cardholder_owner_id != user_id:
            raise errors.PaymentRequestClosed() from None
        return Answer(hold_view(existing), replayed=True)
    metrics.add_metric(name="card_authorizations", unit=MetricUnit.Count, value=1)
    return Answer(hold_view(hold))


def _hold_data(hold_id: str, account: str, amount: int) -> dict[str, Any]:
    return {"hold_id": hold_id, "account_number": account, "amount": amount}


def _merchant_hold(caller: Caller, hold_id: str) -> Hold:
    hold = repository.hold(hold_id)
    if hold is None or hold.merchant_owner_id != caller.principal.user_id:
        raise errors.HoldNotFound()  # only the merchant settles or releases its hold
    return hold


def get(caller: Caller, hold_id: str) -> CardAuthorizationView:
    hold = repository.hold(hold_id)
    visible_to = {hold.merchant_owner_id, hold.cardholder_owner_id} if hold else set()
    if hold is None or not (caller.principal.is_staff or caller.principal.user_id in visible_to):
        raise errors.HoldNotFound()
    return hold_view(hold)


def capture(caller: Caller, hold_id: str, amount: int | None) -> CardAuthorizationView:
    hold = _merchant_hold(caller, hold_id)
    at = now()
    wanted = int(hold.amount) if amount is None else amount
    check_capture(HoldState(hold.state), _moment(int(hold.expires_at)), at, int(hold.amount), wanted)
    payment_id = capture_id(hold_id)
    released = int(hold.amount)
    movement = items.Movement(
        payment_id=payment_id,
        kind=MovementKind.CARD_CAPTURE,
        legs=(Leg(from_account=hold.cardholder_account, to_account=hold.merchant_account, amount=wanted),),
        at=at,
        description=hold.description,
        correlation_id=caller.correlation_id,
        initiated_by=caller.principal.user_id,
        custom_positions={
            # Release the whole hold and post the captured part: available rises by the uncaptured rest.
            hold.cardholder_account: items.position_update(
                hold.cardholder_account,
                ledger=-wanted,
                held=-released,
                at=at,
                require_active=False,  # the hold guarantees it: a block after it does not stop it
                need_held=released,
            )
        },
        extra=(
            items.hold_transition(
                hold, HoldState.CAPTURED, at, captured_amount=wanted, payment_id=payment_id
            ),
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
    # The hold as this capture left it (what was just committed).
    hold.state, hold.captured_amount, hold.payment_id = HoldState.CAPTURED.value, wanted, payment_id
    return hold_view(hold)


def void(caller: Caller, hold_id: str) -> CardAuthorizationView:
    hold = _merchant_hold(caller, hold_id)
    check_void(HoldState(hold.state))
    _release(hold, HoldState.VOIDED, now(), caller.correlation_id)
    hold.state = HoldState.VOIDED.value
    return hold_view(hold)


def _release(hold: Hold, to: HoldState, at: datetime, correlation_id: str) -> None:
    amount = int(hold.amount)
    engine.commit(
        [
            items.hold_transition(hold, to, at),
            # A release never needs the account active: a blocked customer still gets the money back.
            items.position_update(
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
