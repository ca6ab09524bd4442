"""The cards table: a card and its PAN-index marker written together, so PANs stay unique."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from accounts.domain import pins
from accounts.domain.cards import CardState
from accounts.store.common import condition_failed, page, start_key
from accounts.store.models import CardModel, PanIndexModel
from core.aws import transaction
from core.dynamo import GuardRefused, TriesExhausted, TryCounter


class PanTaken(Exception):
    """The drawn PAN exists already; the caller draws another."""


class CardChanged(Exception):
    """The card changed under us; the caller re-reads."""


PAN_MARKER = "pan#"


def get(card_id: str) -> CardModel | None:
    if card_id.startswith(PAN_MARKER):
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
        reasons = error.cancellation_reasons
        if len(reasons) > 1 and reasons[1] is not None and reasons[1].code == "ConditionalCheckFailed":
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
                CardModel.failures.set(0),
                CardModel.tries_window_end.set(0),  # a fresh count of tries after any change of state
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


def _counter(card_id: str, owner_id: str | None = None) -> TryCounter:
    require: dict[str, Any] = {"owner_id": owner_id, "state": CardState.ACTIVE.value} if owner_id else {}
    return TryCounter(
        table=str(CardModel.Meta.table_name),
        key={"card_id": card_id},
        rule=pins.CARD_TRIES,
        taken="tries",
        window_end="tries_window_end",
        wrong="failures",
        require=require,
    )


def take_try(card_id: str, owner_id: str, now: datetime) -> CardModel:
    """Take one try of an active card of `owner_id`, before anything about it is compared."""
    try:
        _counter(card_id, owner_id).take(int(now.timestamp()))
    except GuardRefused as refused:
        if refused.item is None or refused.item.get("owner_id") != owner_id:
            raise NotTheirs() from None
        raise NotUsable(busy=False) from None
    except TriesExhausted as exhausted:
        raise NotUsable(busy=not exhausted.tries.locked(int(now.timestamp()), pins.MAX_TRIES)) from None
    card = get(card_id)
    assert card is not None
    return card


def give_back(card: CardModel) -> None:
    """The answer was right: return the try it took."""
    _counter(card.card_id).give_back()


def record_wrong(card: CardModel) -> int:
    """The answer was wrong: it counts; returns the wrong answers so far."""
    return _counter(card.card_id).record_wrong().wrong


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
