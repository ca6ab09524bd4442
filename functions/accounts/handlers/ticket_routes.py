"""Ticket routes: customers and staff share the thread; staff resolve."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.app import app
from accounts.domain import errors as e
from accounts.models import OpenTicket, TicketPage, TicketReply, TicketView
from accounts.services import tickets as service
from core.apidoc import PAGE
from core.http import json_response
from core.pagination import parse_limit


@app.route(
    "/tickets", methods=["POST"], request=OpenTicket, response=TicketView, status=201, roles=["customer"]
)
def open_ticket() -> Response:
    return json_response(service.open_ticket(app.principal(), app.body(OpenTicket)), 201)


@app.route(
    "/tickets",
    methods=["GET"],
    response=TicketPage,
    query={**PAGE, "status": {"type": "string", "enum": ["open", "answered", "resolved"]}},
)
def list_tickets() -> Response:
    return json_response(
        service.list_tickets(
            app.principal(), app.query("status"), parse_limit(app.query("limit")), app.query("cursor")
        )
    )


@app.route("/tickets/{ticket_id}", methods=["GET"], response=TicketView, errors=[e.TicketNotFound])
def get_ticket(ticket_id: str) -> Response:
    return json_response(service.get(app.principal(), ticket_id))


@app.route(
    "/tickets/{ticket_id}/messages",
    methods=["POST"],
    request=TicketReply,
    response=TicketView,
    status=201,
    errors=[e.TicketNotFound, e.TicketResolved, e.TicketTooLong, e.TicketChanged],
)
def reply_ticket(ticket_id: str) -> Response:
    principal = app.principal()
    return json_response(service.reply(principal, ticket_id, app.body(TicketReply).message), 201)


@app.route(
    "/staff/tickets/{ticket_id}/resolve",
    methods=["POST"],
    response=TicketView,
    roles=["staff"],
    errors=[e.TicketNotFound, e.TicketResolved, e.TicketChanged],
)
def resolve_ticket(ticket_id: str) -> Response:
    return json_response(service.resolve(app.principal(), ticket_id))
