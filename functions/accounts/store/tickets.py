"""The tickets table: one item per ticket with its thread; appends are conditional on the status read."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from accounts.domain.tickets import TicketStatus
from accounts.store.models import AuditModel, TicketMessage, TicketModel
from core.aws import transaction
from core.dynamo import condition_failed, page, start_key


class TicketChanged(Exception):
    pass


def get(ticket_id: str) -> TicketModel | None:
    try:
        return TicketModel.get(ticket_id, consistent_read=True)
    except DoesNotExist:
        return None


def insert(ticket: TicketModel) -> None:
    ticket.save(condition=TicketModel.ticket_id.does_not_exist())


def list_by_owner(owner_id: str, limit: int, cursor: str | None) -> tuple[list[TicketModel], str | None]:
    return page(
        TicketModel.by_owner.query(
            owner_id,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start_key(cursor, owner_id=owner_id),
        )
    )


def list_by_status(status: str, limit: int, cursor: str | None) -> tuple[list[TicketModel], str | None]:
    return page(
        TicketModel.by_status.query(
            status,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start_key(cursor, status=status),
        )
    )


def list_all(limit: int, cursor: str | None) -> tuple[list[TicketModel], str | None]:
    return page(TicketModel.scan(limit=limit, last_evaluated_key=start_key(cursor)))


def count_by_status(status: str) -> int:
    return TicketModel.by_status.count(status)


def append(
    ticket: TicketModel, message: TicketMessage, status: TicketStatus, now: datetime, audit: AuditModel | None
) -> None:
    try:
        with transaction() as tx:
            tx.update(
                ticket,
                actions=[
                    TicketModel.messages.set(TicketModel.messages.append([message])),
                    TicketModel.status.set(status),
                    TicketModel.updated_at.set(now),
                ],
                condition=TicketModel.status == ticket.status,
            )
            if audit is not None:
                tx.save(audit)
    except TransactWriteError as error:
        if condition_failed(error):
            raise TicketChanged() from error
        raise
    ticket.refresh(consistent_read=True)


def set_status(ticket: TicketModel, status: TicketStatus, now: datetime, audit: AuditModel) -> None:
    try:
        with transaction() as tx:
            tx.update(
                ticket,
                actions=[TicketModel.status.set(status), TicketModel.updated_at.set(now)],
                condition=TicketModel.status == ticket.status,
            )
            tx.save(audit)
    except TransactWriteError as error:
        if condition_failed(error):
            raise TicketChanged() from error
        raise
    ticket.refresh(consistent_read=True)
