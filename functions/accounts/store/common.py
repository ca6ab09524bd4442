"""Store plumbing shared by accounts' repositories: audit items (pages and condition failures are
core.dynamo's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.store.models import AuditModel
from core.auth import Principal
from core.ids import new_id


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
