"""Ticket routes: customers and staff share the thread; staff resolve."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain import errors as e
from accounts.models import OpenTicket, TicketPage, TicketReply, TicketView
from accounts.service import tickets as service
from core.apidoc import PAGE
from core.http import BankBlueprint, json_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)


@bp.route(
    "/tickets", methods=["POST"], request=OpenTicket, response=TicketView, status=201, roles=["customer"]
)
def open_ticket() -> Response:
    return json_response(service.open_ticket(bp.principal(), bp.body(OpenTicket)), 201)


@bp.route(
    "/tickets",
    methods=["GET"],
    response=TicketPage,
    query={**PAGE, "status": {"type": "string", "enum": ["open", "answered", "resolved"]}},
)
def list_tickets() -> Response:
    return json_response(
        service.list_tickets(
            bp.principal(), bp.query("status"), parse_limit(bp.query("limit")), bp.query("cursor")
        )
    )


@bp.route("/tickets/{ticket_id}", methods=["GET"], response=TicketView, errors=[e.TicketNotFound])
def get_ticket(ticket_id: str) -> Response:
    return json_response(service.get(bp.principal(), ticket_id))


@bp.route(
    "/tickets/{ticket_id}/messages",
    methods=["POST"],
    request=TicketReply,
    response=TicketView,
    status=201,
    errors=[e.TicketNotFound, e.TicketResolved, e.TicketTooLong, e.TicketChanged],
)
def reply_ticket(ticket_id: str) -> Response:
    principal = bp.principal()
    return json_response(service.reply(principal, ticket_id, bp.body(TicketReply).message), 201)


@bp.route(
    "/staff/tickets/{ticket_id}/resolve",
    methods=["POST"],
    response=TicketView,
    roles=["staff"],
    errors=[e.TicketNotFound, e.TicketResolved, e.TicketChanged],
)
def resolve_ticket(ticket_id: str) -> Response:
    return json_response(service.resolve(bp.principal(), ticket_id))
