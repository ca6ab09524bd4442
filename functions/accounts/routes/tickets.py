"""Ticket routes: customers and staff share the thread; staff resolve."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.domain.errors import TicketChanged, TicketNotFound, TicketResolved, TicketTooLong
from accounts.models import OpenTicket, TicketPage, TicketReply, TicketView
from accounts.service import tickets as service
from core.apidoc import PAGE
from core.http import BankBlueprint, model_response
from core.pagination import parse_limit

bp = BankBlueprint(__name__)
# A ticket's `messages` are in a single ticket's answer only, hence omit_unset on every answer here.


@bp.route(
    "/tickets", methods=["POST"], request=OpenTicket, response=TicketView, status=201, roles=["customer"]
)
def open_ticket() -> Response:
    return model_response(service.open_ticket(bp.principal(), bp.body(OpenTicket)), 201, omit_unset=True)


@bp.route(
    "/tickets",
    methods=["GET"],
    response=TicketPage,
    query={**PAGE, "status": {"type": "string", "enum": ["open", "answered", "resolved"]}},
)
def list_tickets() -> Response:
    page = service.list_tickets(
        bp.principal(), bp.query("status"), parse_limit(bp.query("limit")), bp.query("cursor")
    )
    return model_response(page, omit_unset=True)


@bp.route("/tickets/{ticket_id}", methods=["GET"], response=TicketView, errors=[TicketNotFound])
def get_ticket(ticket_id: str) -> Response:
    return model_response(service.get(bp.principal(), ticket_id), omit_unset=True)


@bp.route(
    "/tickets/{ticket_id}/messages",
    methods=["POST"],
    request=TicketReply,
    response=TicketView,
    status=201,
    errors=[TicketNotFound, TicketResolved, TicketTooLong, TicketChanged],
)
def reply_ticket(ticket_id: str) -> Response:
    principal = bp.principal()
    return model_response(
        service.reply(principal, ticket_id, bp.body(TicketReply).message), 201, omit_unset=True
    )


@bp.route(
    "/staff/tickets/{ticket_id}/resolve",
    methods=["POST"],
    response=TicketView,
    roles=["staff"],
    errors=[TicketNotFound, TicketResolved, TicketChanged],
)
def resolve_ticket(ticket_id: str) -> Response:
    return model_response(service.resolve(bp.principal(), ticket_id), omit_unset=True)
