"""Card routes: issue (PAN and CVV shown once), masked list, block, unblock, replace."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.app import app
from accounts.domain import errors as e
from accounts.models import CardAction, CardPage, CardView, IssueCard, IssuedCardView
from accounts.services import cards as service
from core.apidoc import PAGE
from core.http import json_response
from core.pagination import parse_limit


@app.route(
    "/accounts/{number}/cards",
    methods=["POST"],
    request=IssueCard,
    response=IssuedCardView,
    status=201,
    errors=[e.AccountNotFound, e.AccountNotActive, e.CardExists],
)
def issue_card(number: str) -> Response:
    return json_response(service.issue(app.principal(), number, app.body(IssueCard).pin), 201)


@app.route(
    "/accounts/{number}/cards", methods=["GET"], response=CardPage, query=PAGE, errors=[e.AccountNotFound]
)
def list_cards(number: str) -> Response:
    return json_response(
        service.list_cards(app.principal(), number, parse_limit(app.query("limit")), app.query("cursor"))
    )


@app.route(
    "/cards/{card_id}/block",
    methods=["POST"],
    request=CardAction,
    response=CardView,
    errors=[e.CardNotFound, e.CardAlreadyBlocked, e.CardReplaced, e.CardChanged],
)
def block_card(card_id: str) -> Response:
    return json_response(service.block(app.principal(), card_id, app.body(CardAction).reason))


@app.route(
    "/cards/{card_id}/unblock",
    methods=["POST"],
    request=CardAction,
    response=CardView,
    errors=[e.CardNotFound, e.CardNotBlocked, e.CardReplaced, e.CardChanged, e.AccountNotActive],
)
def unblock_card(card_id: str) -> Response:
    app.body(CardAction)
    return json_response(service.unblock(app.principal(), card_id))


@app.route(
    "/cards/{card_id}/replace",
    methods=["POST"],
    request=CardAction,
    response=IssuedCardView,
    status=201,
    errors=[e.CardNotFound, e.CardReplaced, e.CardChanged, e.AccountNotActive],
)
def replace_card(card_id: str) -> Response:
    app.body(CardAction)
    return json_response(service.replace(app.principal(), card_id), 201)
