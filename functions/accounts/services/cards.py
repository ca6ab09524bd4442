"""Card use cases: issue and replace (PAN and CVV shown once), masked lists, block/unblock, and the
verification payments calls for card payments (3 wrong PIN/CVV → blocked)."""

from __future__ import annotations

from typing import Any

from accounts.config import conf
from accounts.domain import cards as rules
from accounts.domain import pins
from accounts.domain.cards import CardState
from accounts.domain.errors import (
    AccountNotActive,
    CardAlreadyBlocked,
    CardBlocked,
    CardChanged,
    CardExists,
    CardExpired,
    CardInvalid,
    CardNotBlocked,
    CardNotFound,
    CardReplaced,
    NumberSpaceBusy,
)
from accounts.domain.states import AccountState
from accounts.models import VerifyCard
from accounts.services import accounts as account_service
from accounts.services import views
from accounts.store import cards as store
from accounts.store import keys
from accounts.store.models import AccountModel, CardModel
from core.auth import Principal
from core.clock import now
from core.ids import new_id

ALLOCATION_ATTEMPTS = 8


def issue(principal: Principal, number: str, pin: str) -> dict[str, Any]:
    account = account_service.owned(principal, number)
    if account.state != AccountState.ACTIVE:
        raise AccountNotActive()
    if store.live_cards(number):
        raise CardExists()
    pin_hash = pins.hash_pin(keys.pin_key(), pins.card_context(number), pin)
    return _create(account, pin_hash, replacing=None)


def _create(account: AccountModel, pin_hash: str, replacing: CardModel | None) -> dict[str, Any]:
    card_keys = keys.card_keys()
    moment = now()
    month, year = rules.expiry(moment)
    for _ in range(ALLOCATION_ATTEMPTS):
        pan = rules.new_pan(conf().card_bin)
        card_id = new_id("card")
        card = CardModel(
            card_id=card_id,
            account_number=account.account_number,
            owner_id=account.owner_id,
            pan_encrypted=rules.encrypt_pan(card_keys.pan_key, pan, card_id),
            pan_index=rules.pan_index(card_keys.pan_index_key, pan),
            first6=pan[:6],
            last4=pan[-4:],
            expiry_month=month,
            expiry_year=year,
            state=CardState.ACTIVE,
            pin_hash=pin_hash,
            failures=0,
            replaces=replacing.card_id if replacing else None,
            created_at=moment,
            updated_at=moment,
        )
        try:
            store.insert(card, replacing, moment)
        except store.PanTaken:
            continue
        except store.CardChanged as error:
            raise CardChanged() from error
        return views.card_once(card, pan, rules.cvv(card_keys.cvv_key, pan, month, year))
    raise NumberSpaceBusy()


def _visible_card(principal: Principal, card_id: str) -> CardModel:
    card = store.get(card_id)
    if card is None or not principal.can_see(card.owner_id):
        raise CardNotFound()
    return card


def list_cards(principal: Principal, number: str, limit: int, cursor: str | None) -> dict[str, Any]:
    account_service.visible(principal, number)
    items, next_cursor = store.list_for_account(number, limit, cursor)
    return {"items": [views.card(card) for card in items], "next_cursor": next_cursor}


def block(principal: Principal, card_id: str, reason: str | None) -> dict[str, Any]:
    card = _visible_card(principal, card_id)
    if card.state == CardState.REPLACED:
        raise CardReplaced()
    if card.state == CardState.BLOCKED:
        raise CardAlreadyBlocked()
    _set_state(card, CardState.BLOCKED, reason or "blocked by owner")
    return views.card(card)


def unblock(principal: Principal, card_id: str) -> dict[str, Any]:
    card = _visible_card(principal, card_id)
    if card.state == CardState.REPLACED:
        raise CardReplaced()
    if card.state != CardState.BLOCKED:
        raise CardNotBlocked()
    _set_state(card, CardState.ACTIVE, None)
    return views.card(card)


def _set_state(card: CardModel, state: CardState, reason: str | None) -> None:
    try:
        store.set_state(card, state, reason, now())
    except store.CardChanged as error:
        raise CardChanged() from error
    card.refresh(consistent_read=True)


def replace(principal: Principal, card_id: str) -> dict[str, Any]:
    """A new PAN for the same account; the old card is retired in the same transaction. The card
    PIN carries over (it is keyed by account, so no clear PIN is needed)."""
    card = _visible_card(principal, card_id)
    if card.state == CardState.REPLACED:
        raise CardReplaced()
    account = account_service.visible(principal, card.account_number)
    if account.state == AccountState.CLOSED:
        raise AccountNotActive()
    return _create(account, card.pin_hash, replacing=card)


def verify(request: VerifyCard) -> dict[str, Any]:
    card_keys = keys.card_keys()
    card = store.by_pan_index(rules.pan_index(card_keys.pan_index_key, request.pan))
    if card is None:
        raise CardInvalid()
    if card.state != CardState.ACTIVE:
        raise CardBlocked()
    moment = now()
    right = (
        (request.expiry_month, request.expiry_year) == (int(card.expiry_month), int(card.expiry_year))
        and rules.cvv_matches(
            card_keys.cvv_key, request.pan, request.expiry_month, request.expiry_year, request.cvv
        )
        and pins.pin_matches(
            keys.pin_key(), pins.card_context(card.account_number), request.pin, card.pin_hash
        )
    )
    if not right:
        failures = store.record_failure(card, moment, pins.MAX_ATTEMPTS)
        if pins.exhausted(failures):
            raise CardBlocked("Too many wrong attempts; the card is blocked")
        raise CardInvalid()
    if rules.is_expired(int(card.expiry_month), int(card.expiry_year), moment):
        raise CardExpired()
    if card.failures:
        store.reset_failures(card)
    return {"card_id": card.card_id, "account_number": card.account_number}
