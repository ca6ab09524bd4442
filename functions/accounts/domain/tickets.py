"""Ticket status flow: open → answered (staff replied) → resolved; a customer reply reopens."""

from __future__ import annotations

from enum import StrEnum

from accounts.domain.errors import TicketResolved, TicketTooLong

MAX_MESSAGES = 100


class TicketStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"


def after_message(status: TicketStatus, messages: int, *, from_staff: bool) -> TicketStatus:
    if status is TicketStatus.RESOLVED:
        raise TicketResolved()
    if messages >= MAX_MESSAGES:
        raise TicketTooLong()
    return TicketStatus.ANSWERED if from_staff else TicketStatus.OPEN


def resolve(status: TicketStatus) -> TicketStatus:
    if status is TicketStatus.RESOLVED:
        raise TicketResolved()
    return TicketStatus.RESOLVED
