"""Card routes of the card's owner: issue (PAN and CVV shown once), replace, reveal (the PAN and CVV,
with the card PIN), masked list, block, unblock. Staff act on cards through /staff/cards
(routes/staff.py)."""

from __future__ import annotations

from typing import Any

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain.errors import (
    CardAlreadyBlocked,
    CardBlockedByBank,
    CardChanged,
    CardExists,
    CardNotBlocked,
    CardNotFound,
    CardReplaced,
)
from accounts.models import CardAction, CardPage, CardView, IssueCard, IssuedCardView, RevealCard
from accounts.service import cards as service
from core.apidoc import PAGE
from core.errors import AccountNotActive, AccountNotFound, CardBlocked, CardBusy, CardInvalid
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)
# What the owner's actions on their own card declare: a POST with an optional reason (`CardAction`).
OWNER_CARD_ACTION: dict[str, Any] = {"methods": ["POST"], "request": CardAction, "roles": ["customer"]}


@bp.route(
    "/accounts/{number}/cards",
    methods=["POST"],
    request=IssueCard,
    response=IssuedCardView,
    status=201,
    errors=[AccountNotFound, AccountNotActive, CardExists],
)
def issue_card(number: str) -> Response:
    return model_response(service.issue(bp.principal(), number, bp.body(IssueCard).pin), 201)


@bp.route(
    "/accounts/{number}/cards", methods=["GET"], response=CardPage, query=PAGE, errors=[AccountNotFound]
)
def list_cards(number: str) -> Response:
    return model_response(
        service.list_cards(bp.principal(), number, parse_limit(bp.query("limit")), bp.query("cursor"))
    )


@bp.route(
    "/cards/{card_id}/block",
    **OWNER_CARD_ACTION,
    response=CardView,
    errors=[CardNotFound, CardAlreadyBlocked, CardReplaced, CardChanged],
)
def block_card(card_id: str) -> Response:
    return model_response(service.block(bp.principal(), card_id, bp.body(CardAction).reason))


@bp.route(
    "/cards/{card_id}/unblock",
    **OWNER_CARD_ACTION,
    response=CardView,
    errors=[CardNotFound, CardNotBlocked, CardBlockedByBank, CardReplaced, CardChanged],
)
def unblock_card(card_id: str) -> Response:
    bp.body(CardAction)
    return model_response(service.unblock(bp.principal(), card_id))


@bp.route(
    "/cards/{card_id}/replace",
    **OWNER_CARD_ACTION,
    response=CardView,
    status=201,
    errors=[CardNotFound, CardReplaced, CardChanged, CardBlockedByBank, AccountNotActive],
)
def replace_card(card_id: str) -> Response:
    """The owner replaces their card: a new PAN, the old card retired; its details via `reveal`."""
    bp.body(CardAction)
    return model_response(service.replace(bp.principal(), card_id), 201)


@bp.route(
    "/cards/{card_id}/reveal",
    methods=["POST"],
    request=RevealCard,
    response=IssuedCardView,
    roles=["customer"],
    errors=[CardNotFound, CardInvalid, CardBlocked, CardBusy],
)
def reveal_card(card_id: str) -> Response:
    """The owner sees the whole PAN and the CVV, with the card's PIN (3 wrong tries block the card)."""
    return model_response(service.reveal(bp.principal(), card_id, bp.body(RevealCard).pin))
