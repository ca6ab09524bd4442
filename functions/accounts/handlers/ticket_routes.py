"""Ticket routes: customers and staff share the thread; staff resolve."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.app import app
from accounts.models import OpenTicket, TicketReply
from accounts.services import tickets as service
from core.auth import Role
from core.http import json_response
from core.pagination import parse_limit


@app.route("/tickets", methods=["POST"])
def open_ticket() -> Response:
    return json_response(service.open_ticket(app.principal(), app.body(OpenTicket)), 201)


@app.route("/tickets", methods=["GET"])
def list_tickets() -> Response:
    return json_response(
        service.list_tickets(
            app.principal(), app.query("status"), parse_limit(app.query("limit")), app.query("cursor")
        )
    )


@app.route("/tickets/{ticket_id}", methods=["GET"])
def get_ticket(ticket_id: str) -> Response:
    return json_response(service.get(app.principal(), ticket_id))


@app.route("/tickets/{ticket_id}/messages", methods=["POST"])
def reply_ticket(ticket_id: str) -> Response:
    principal = app.principal()
    return json_response(service.reply(principal, ticket_id, app.body(TicketReply).message), 201)


@app.route("/staff/tickets/{ticket_id}/resolve", methods=["POST"])
def resolve_ticket(ticket_id: str) -> Response:
    return json_response(service.resolve(app.principal().require(Role.STAFF), ticket_id))
