"""Card routes of the card's owner: issue (PAN and CVV shown once), replace, reveal (the PAN and CVV,
with the card PIN), masked list, block, unblock. Staff act on cards through /staff/cards
(routes/staff.py)."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain import errors as e
from accounts.models import CardAction, CardPage, CardView, IssueCard, IssuedCardView, RevealCard
from accounts.service import cards as service
from core.apidoc import PAGE
from core.http import BankBlueprint, json_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)


@bp.route(
    "/accounts/{number}/cards",
    methods=["POST"],
    request=IssueCard,
    response=IssuedCardView,
    status=201,
    errors=[e.AccountNotFound, e.AccountNotActive, e.CardExists],
)
def issue_card(number: str) -> Response:
    return json_response(service.issue(bp.principal(), number, bp.body(IssueCard).pin), 201)


@bp.route(
    "/accounts/{number}/cards", methods=["GET"], response=CardPage, query=PAGE, errors=[e.AccountNotFound]
)
def list_cards(number: str) -> Response:
    return json_response(
        service.list_cards(bp.principal(), number, parse_limit(bp.query("limit")), bp.query("cursor"))
    )


@bp.route(
    "/cards/{card_id}/block",
    methods=["POST"],
    request=CardAction,
    response=CardView,
    roles=["customer"],
    errors=[e.CardNotFound, e.CardAlreadyBlocked, e.CardReplaced, e.CardChanged],
)
def block_card(card_id: str) -> Response:
    return json_response(service.block(bp.principal(), card_id, bp.body(CardAction).reason))


@bp.route(
    "/cards/{card_id}/unblock",
    methods=["POST"],
    request=CardAction,
    response=CardView,
    roles=["customer"],
    errors=[e.CardNotFound, e.CardNotBlocked, e.CardBlockedByBank, e.CardReplaced, e.CardChanged],
)
def unblock_card(card_id: str) -> Response:
    bp.body(CardAction)
    return json_response(service.unblock(bp.principal(), card_id))


@bp.route(
    "/cards/{card_id}/replace",
    methods=["POST"],
    request=CardAction,
    response=CardView,
    status=201,
    roles=["customer"],
    errors=[e.CardNotFound, e.CardReplaced, e.CardChanged, e.CardBlockedByBank, e.AccountNotActive],
)
def replace_card(card_id: str) -> Response:
    """The owner replaces their card: a new PAN, the old card retired; its details via `reveal`."""
    bp.body(CardAction)
    return json_response(service.replace(bp.principal(), card_id), 201)


@bp.route(
    "/cards/{card_id}/reveal",
    methods=["POST"],
    request=RevealCard,
    response=IssuedCardView,
    roles=["customer"],
    errors=[e.CardNotFound, e.CardInvalid, e.CardBlocked, e.CardBusy],
)
def reveal_card(card_id: str) -> Response:
    """The owner sees the whole PAN and the CVV, with the card's PIN (3 wrong tries block the card)."""
    return json_response(service.reveal(bp.principal(), card_id, bp.body(RevealCard).pin))
