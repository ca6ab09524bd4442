"""The cards table: a card and its PAN-index marker written together, so PANs stay unique."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from accounts.domain import pins
from accounts.domain.cards import CardState
from accounts.store.models import CardModel, PanIndexModel
from core.aws import transaction
from core.dynamo import TriesExhausted, TryCounter, condition_failed, failed_items, page, start_key


class PanTaken(Exception):
    """The drawn PAN exists already; the caller draws another."""


class CardChanged(Exception):
    """The card changed under us; the caller re-reads."""


PAN_MARKER = "pan#"
TRIES_MARKER = "cardpin#"


def get(card_id: str) -> CardModel | None:
    if card_id.startswith((PAN_MARKER, TRIES_MARKER)):
        return None
    try:
        return CardModel.get(card_id, consistent_read=True)
    except DoesNotExist:
        return None


def by_pan_index(index: str) -> CardModel | None:
    try:
        marker = PanIndexModel.get(PAN_MARKER + index, consistent_read=True)
    except DoesNotExist:
        return None
    return get(marker.target_card_id)


def list_for_account(number: str, limit: int, cursor: str | None) -> tuple[list[CardModel], str | None]:
    return page(
        CardModel.by_account.query(
            number, limit=limit, last_evaluated_key=start_key(cursor, account_number=number)
        )
    )


def live_cards(number: str) -> list[CardModel]:
    return [
        card
        for card in CardModel.by_account.query(number)
        if card.state in (CardState.ACTIVE, CardState.BLOCKED)
    ]


def insert(card: CardModel, replacing: CardModel | None = None, now: datetime | None = None) -> None:
    """Put the card and its PAN marker; when replacing, retire the old card in the same transaction."""
    marker = PanIndexModel(card_id=PAN_MARKER + card.pan_index, target_card_id=card.card_id)
    try:
        with transaction() as tx:
            tx.save(card, condition=CardModel.card_id.does_not_exist())
            tx.save(marker, condition=PanIndexModel.card_id.does_not_exist())
            if replacing is not None:
                tx.update(
                    replacing,
                    actions=[
                        CardModel.state.set(CardState.REPLACED),
                        CardModel.replaced_by.set(card.card_id),
                        CardModel.updated_at.set(now or card.created_at),
                    ],
                    condition=CardModel.state == replacing.state,
                )
    except TransactWriteError as error:
        if not condition_failed(error):
            raise
        if 1 in failed_items(error):
            raise PanTaken() from error
        raise CardChanged() from error


def set_state(
    card: CardModel, state: CardState, reason: str | None, blocked_by: str | None, now: datetime
) -> None:
    try:
        card.update(
            actions=[
                CardModel.state.set(state),
                CardModel.block_reason.set(reason) if reason else CardModel.block_reason.remove(),
                CardModel.blocked_by.set(blocked_by) if blocked_by else CardModel.blocked_by.remove(),
                CardModel.updated_at.set(now),
            ],
            condition=CardModel.state == card.state,
        )
    except UpdateError as error:
        if condition_failed(error):
            raise CardChanged() from error
        raise


class NotTheirs(Exception):
    """No such card, or not the caller's: the same answer either way."""


class NotUsable(Exception):
    """The card is blocked or replaced, or its tries are used up (`busy`: by checks still running)."""

    def __init__(self, busy: bool) -> None:
        super().__init__("not usable")
        self.busy = busy


def _counter(account_number: str) -> TryCounter:
    """The card PIN's tries, kept per account like the PIN itself (`pins.card_context`): blocking,
    unblocking or replacing a card never gives a guesser fresh tries; only staff reset them."""
    return TryCounter(
        table=str(CardModel.Meta.table_name),
        key={"card_id": TRIES_MARKER + account_number},
        rule=pins.CARD_TRIES,
    )


def take_try(card: CardModel, owner_id: str, now: datetime) -> None:
    """Take one try of `owner_id`'s active card, before anything about it is compared."""
    if card.owner_id != owner_id:
        raise NotTheirs()
    if card.state != CardState.ACTIVE:
        raise NotUsable(busy=False)
    moment = int(now.timestamp())
    try:
        _counter(card.account_number).take(moment)
    except TriesExhausted as exhausted:
        raise NotUsable(busy=not exhausted.tries.locked(moment, pins.MAX_TRIES)) from None


def give_back(card: CardModel) -> None:
    """The answer was right: return the try it took."""
    _counter(card.account_number).give_back()


def record_wrong(card: CardModel) -> int:
    """The answer was wrong: it counts; returns the wrong answers so far."""
    return _counter(card.account_number).record_wrong().wrong


def reset_tries(card: CardModel) -> None:
    """Staff unblock a card: its account's card PIN starts a fresh count."""
    _counter(card.account_number).reset()


def block_after_failures(card: CardModel, now: datetime) -> None:
    """The last try was wrong: the card is blocked until staff unblock it."""
    try:
        card.update(
            actions=[
                CardModel.state.set(CardState.BLOCKED),
                CardModel.block_reason.set("too_many_failures"),
                CardModel.blocked_by.set("system"),
                CardModel.updated_at.set(now),
            ],
            condition=CardModel.state == CardState.ACTIVE,
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
