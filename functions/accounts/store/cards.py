"""The cards table: a card and its PAN-index marker written together, so PANs stay unique."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from accounts.domain.cards import CardState
from accounts.store.common import condition_failed, page, start_key
from accounts.store.models import CardModel, PanIndexModel
from core.aws import transaction


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


def set_state(card: CardModel, state: CardState, reason: str | None, now: datetime) -> None:
    try:
        card.update(
            actions=[
                CardModel.state.set(state),
                CardModel.block_reason.set(reason) if reason else CardModel.block_reason.remove(),
                CardModel.failures.set(0),
                CardModel.updated_at.set(now),
            ],
            condition=CardModel.state == card.state,
        )
    except UpdateError as error:
        if condition_failed(error):
            raise CardChanged() from error
        raise


def record_failure(card: CardModel, now: datetime, limit: int) -> int:
    """Count one wrong PIN/CVV atomically; reaching `limit` blocks the card (if still active)."""
    card.update(actions=[CardModel.failures.add(1), CardModel.updated_at.set(now)])
    failures = int(card.failures)
    if failures >= limit and card.state == CardState.ACTIVE:
        card.update(
            actions=[CardModel.state.set(CardState.BLOCKED), CardModel.block_reason.set("too_many_failures")]
        )
    return failures


def reset_failures(card: CardModel) -> None:
    card.update(actions=[CardModel.failures.set(0)])
