"""Card use cases: issue and replace (PAN and CVV to the owner only), masked lists, block/unblock,
staff actions (audited, never a PAN), and the verification payments calls when a cardholder confirms a
card payment (a try taken before every check; 3 wrong → blocked)."""

from __future__ import annotations

from typing import NamedTuple, NoReturn

from accounts.domain import cards as rules
from accounts.domain import pins
from accounts.domain.cards import Blocker, CardState
from accounts.domain.errors import (
    CardAlreadyBlocked,
    CardBlockedByBank,
    CardChanged,
    CardExists,
    CardNotBlocked,
    CardNotFound,
    CardReplaced,
    NumberSpaceBusy,
)
from accounts.domain.states import AccountState
from accounts.models import CardPage, CardView, IssuedCardView, VerifiedCard, VerifyCard
from accounts.service import accounts as account_service
from accounts.service import views
from accounts.settings import conf
from accounts.store import accounts as account_store
from accounts.store import audit as audit_store
from accounts.store import cards as store
from accounts.store import keys
from accounts.store.common import audit
from accounts.store.models import AccountModel, CardModel
from core.auth import Principal
from core.clock import now
from core.errors import AccountNotActive, CardBlocked, CardBusy, CardExpired, CardInvalid
from core.ids import new_id

ALLOCATION_ATTEMPTS = 8


class Issued(NamedTuple):
    """A new card with its PAN and CVV in the clear: they exist only in memory, until the answer."""

    card: CardModel
    pan: str
    cvv: str


def issue(principal: Principal, number: str, pin: str) -> IssuedCardView:
    account = account_service.owned(principal, number)
    if account.state != AccountState.ACTIVE:
        raise AccountNotActive()
    if store.live_cards(number):
        raise CardExists()
    pin_hash = pins.hash_pin(keys.pin_key(), pins.card_context(number), pin)
    return views.card_once(*_create(account, pin_hash, replacing=None))


def _create(account: AccountModel, pin_hash: str, replacing: CardModel | None) -> Issued:
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
        return Issued(card, pan, rules.cvv(card_keys.cvv_key, pan, month, year))
    raise NumberSpaceBusy()


def list_cards(principal: Principal, number: str, limit: int, cursor: str | None) -> CardPage:
    account_service.visible(principal, number)
    items, next_cursor = store.list_for_account(number, limit, cursor)
    return CardPage(items=[views.card(card) for card in items], next_cursor=next_cursor)


def _owned_card(principal: Principal, card_id: str) -> CardModel:
    """A customer acts only on their own cards (staff use the staff card routes)."""
    card = store.get(card_id)
    if card is None or card.owner_id != principal.user_id:
        raise CardNotFound()
    return card


def block(principal: Principal, card_id: str, reason: str | None) -> CardView:
    return _block(_owned_card(principal, card_id), reason or "blocked by owner", Blocker.CUSTOMER)


def unblock(principal: Principal, card_id: str) -> CardView:
    """A customer lifts only their own block: a bank block, or one after too many wrong tries, needs
    staff (otherwise a stolen session could unblock the card and guess again)."""
    card = _owned_card(principal, card_id)
    if card.state == CardState.BLOCKED and card.blocked_by != Blocker.CUSTOMER:
        raise CardBlockedByBank()
    return _unblock(card)


def replace(principal: Principal, card_id: str) -> CardView:
    """The owner's own replacement: a new PAN for the same account, the old card retired in the same
    transaction. The card PIN carries over, so a card the bank blocked (staff, or too many wrong tries)
    is replaced by staff only, like its unblock; and the new details are shown only with that PIN
    (`reveal`), so a stolen session gets no card number by replacing a card."""
    card = _owned_card(principal, card_id)
    if card.state == CardState.BLOCKED and card.blocked_by != Blocker.CUSTOMER:
        raise CardBlockedByBank()
    return _replace(card)


def reveal(principal: Principal, card_id: str, pin: str) -> IssuedCardView:
    """The whole PAN and the CVV, to the card's owner only, with the card's PIN (its try taken first).
    This is how a card that staff replaced reaches its owner."""
    card = _owned_card(principal, card_id)
    card_keys = keys.card_keys()
    taken = _take_try(card, principal.user_id)
    if not pins.pin_matches(keys.pin_key(), pins.card_context(card.account_number), pin, taken.pin_hash):
        _wrong(taken)
    store.give_back(taken)
    pan = rules.decrypt_pan(card_keys.pan_key, taken.pan_encrypted, taken.card_id)
    month, year = int(taken.expiry_month), int(taken.expiry_year)
    return views.card_once(taken, pan, rules.cvv(card_keys.cvv_key, pan, month, year))


# --- staff: block, unblock and order a replacement, audited; never a PAN or a CVV -----------------------


def staff_block(principal: Principal, card_id: str, reason: str) -> CardView:
    card = _any_card(card_id)
    view = _block(card, reason, Blocker.STAFF)
    audit_store.record(audit(principal, f"card:{card_id}", "card.block", reason, now()))
    return view


def staff_unblock(principal: Principal, card_id: str, reason: str) -> CardView:
    card = _any_card(card_id)
    view = _unblock(card)
    store.reset_tries(card)  # only staff give the card PIN fresh tries
    audit_store.record(audit(principal, f"card:{card_id}", "card.unblock", reason, now()))
    return view


def staff_replace(principal: Principal, card_id: str, reason: str) -> CardView:
    """Staff order a new card: the owner sees its PAN and CVV (reveal), staff only the masked card."""
    card = _any_card(card_id)
    view = _replace(card)
    audit_store.record(
        audit(principal, f"card:{card_id}", "card.replace", reason, now(), new_card_id=view.card_id)
    )
    return view


def _any_card(card_id: str) -> CardModel:
    card = store.get(card_id)
    if card is None:
        raise CardNotFound()
    return card


def _block(card: CardModel, reason: str, by: Blocker) -> CardView:
    if card.state == CardState.REPLACED:
        raise CardReplaced()
    if card.state == CardState.BLOCKED:
        raise CardAlreadyBlocked()
    _set_state(card, CardState.BLOCKED, reason, by)
    return views.card(card)


def _unblock(card: CardModel) -> CardView:
    if card.state == CardState.REPLACED:
        raise CardReplaced()
    if card.state != CardState.BLOCKED:
        raise CardNotBlocked()
    _set_state(card, CardState.ACTIVE, None, None)
    return views.card(card)


def _set_state(card: CardModel, state: CardState, reason: str | None, by: Blocker | None) -> None:
    try:
        store.set_state(card, state, reason, by, now())
    except store.CardChanged as error:
        raise CardChanged() from error
    card.refresh(consistent_read=True)


def _replace(card: CardModel) -> CardView:
    """A new card for the same account and PIN, the old one retired; answered masked, even to its owner
    (the new PAN and CVV are shown only with the card PIN, through `reveal`)."""
    if card.state == CardState.REPLACED:
        raise CardReplaced()
    account = account_store.get(card.account_number)
    if account is None or account.state == AccountState.CLOSED:
        raise AccountNotActive()
    return views.card(_create(account, card.pin_hash, replacing=card).card)


# --- verification for payments (card payments confirmed by the cardholder) -----------------------------


def verify(request: VerifyCard) -> VerifiedCard:
    """The card of `owner_id` with these details. A try is taken before anything is compared; a right
    answer gives it back, a wrong one keeps it, and the last wrong one blocks the card."""
    card_keys = keys.card_keys()
    found = store.by_pan_index(rules.pan_index(card_keys.pan_index_key, request.pan))
    if found is None:
        raise CardInvalid()
    taken = _take_try(found, request.owner_id)
    right = (
        (request.expiry_month, request.expiry_year) == (int(taken.expiry_month), int(taken.expiry_year))
        and rules.cvv_matches(
            card_keys.cvv_key, request.pan, request.expiry_month, request.expiry_year, request.cvv
        )
        and pins.pin_matches(
            keys.pin_key(), pins.card_context(taken.account_number), request.pin, taken.pin_hash
        )
    )
    if not right:
        _wrong(taken)
    store.give_back(taken)
    if rules.is_expired(int(taken.expiry_month), int(taken.expiry_year), now()):
        raise CardExpired()
    return VerifiedCard(card_id=taken.card_id, account_number=taken.account_number)


def _take_try(card: CardModel, owner_id: str) -> CardModel:
    try:
        store.take_try(card, owner_id, now())
        return card
    except store.NotTheirs as error:
        raise CardInvalid() from error
    except store.NotUsable as error:
        if error.busy:
            raise CardBusy() from error
        raise CardBlocked() from error


def _wrong(taken: CardModel) -> NoReturn:
    wrong = store.record_wrong(taken)
    if pins.blocks_card(wrong):
        store.block_after_failures(taken, now())
        raise CardBlocked("Too many wrong attempts; the card is blocked")
    raise CardInvalid(tries_left=pins.MAX_TRIES - wrong)
