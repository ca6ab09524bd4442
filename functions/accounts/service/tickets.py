"""Ticket use cases: customers open and reply, staff reply (→ answered) and resolve; both see the thread."""

from __future__ import annotations

from accounts.domain import tickets as rules
from accounts.domain.errors import TicketChanged, TicketNotFound
from accounts.domain.tickets import TicketStatus
from accounts.models import OpenTicket, TicketPage, TicketView
from accounts.service import views
from accounts.store import tickets as store
from accounts.store.common import audit
from accounts.store.models import TicketMessage, TicketModel
from core.auth import Principal
from core.clock import now
from core.errors import InvalidRequest
from core.ids import new_id


def open_ticket(principal: Principal, request: OpenTicket) -> TicketView:
    moment = now()
    ticket = TicketModel(
        ticket_id=new_id("tkt"),
        owner_id=principal.user_id,
        owner_username=principal.username,
        category=request.category,
        subject=request.subject,
        status=TicketStatus.OPEN,
        messages=[_message(principal, request.message)],
        created_at=moment,
        updated_at=moment,
    )
    store.insert(ticket)
    return views.ticket(ticket, thread=True)


def _message(principal: Principal, body: str) -> TicketMessage:
    return TicketMessage(  # type: ignore[no-untyped-call]
        author_id=principal.user_id,
        author_role="staff" if principal.is_staff else "customer",
        body=body,
        at=now(),
    )


def _visible(principal: Principal, ticket_id: str) -> TicketModel:
    ticket = store.get(ticket_id)
    if ticket is None or not principal.can_see(ticket.owner_id):
        raise TicketNotFound()
    return ticket


def list_tickets(principal: Principal, status: str | None, limit: int, cursor: str | None) -> TicketPage:
    if status is not None and status not in set(TicketStatus):
        raise InvalidRequest("status must be open, answered or resolved")
    if not principal.is_staff:
        items, next_cursor = store.list_by_owner(principal.user_id, limit, cursor)
        if status:
            items = [t for t in items if t.status == status]
    elif status:
        items, next_cursor = store.list_by_status(status, limit, cursor)
    else:
        items, next_cursor = store.list_all(limit, cursor)
    return TicketPage(items=[views.ticket(t, thread=False) for t in items], next_cursor=next_cursor)


def get(principal: Principal, ticket_id: str) -> TicketView:
    return views.ticket(_visible(principal, ticket_id), thread=True)


def reply(principal: Principal, ticket_id: str, body: str) -> TicketView:
    ticket = _visible(principal, ticket_id)
    status = rules.after_message(
        TicketStatus(ticket.status), len(ticket.messages or []), from_staff=principal.is_staff
    )
    moment = now()
    entry = (
        audit(principal, f"ticket:{ticket_id}", "ticket.reply", "", moment) if principal.is_staff else None
    )
    try:
        store.append(ticket, _message(principal, body), status, moment, entry)
    except store.TicketChanged as error:
        raise TicketChanged() from error
    return views.ticket(ticket, thread=True)


def resolve(principal: Principal, ticket_id: str) -> TicketView:
    ticket = _visible(principal, ticket_id)
    status = rules.resolve(TicketStatus(ticket.status))
    moment = now()
    try:
        store.set_status(
            ticket, status, moment, audit(principal, f"ticket:{ticket_id}", "ticket.resolve", "", moment)
        )
    except store.TicketChanged as error:
        raise TicketChanged() from error
    return views.ticket(ticket, thread=True)
