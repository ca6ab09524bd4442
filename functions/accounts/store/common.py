"""Store plumbing shared by accounts' repositories: pages and audit items (condition failures are
core.dynamo's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from accounts.store.models import AuditModel
from core.auth import Principal
from core.ids import new_id
from core.pagination import decode_cursor, encode_cursor


def page[M: Model](results: ResultIterator[M]) -> tuple[list[M], str | None]:
    items = list(results)
    return items, encode_cursor(results.last_evaluated_key)


def start_key(cursor: str | None, **expect: str) -> dict[str, Any] | None:
    """A cursor becomes an ExclusiveStartKey; `expect` pins the partition so it cannot be forged."""
    return decode_cursor(cursor, expect={name: {"S": value} for name, value in expect.items()} or None)


def audit(
    actor: Principal, target: str, action: str, reason: str, at: datetime, **details: Any
) -> AuditModel:
    return AuditModel(
        target=target,
        audit_id=new_id("aud"),
        actor_id=actor.user_id,
        actor_username=actor.username,
        action=action,
        reason=reason,
        at=at,
        details=details,
    )
