"""The staff audit trail (append-only; written in the same transaction as the action where possible)."""

from __future__ import annotations

from accounts.store.models import AuditModel


def record(entry: AuditModel) -> None:
    entry.save(condition=AuditModel.audit_id.does_not_exist())


def trail(target: str, limit: int = 50) -> list[AuditModel]:
    return list(AuditModel.query(target, scan_index_forward=False, limit=limit))
