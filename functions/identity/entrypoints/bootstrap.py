"""Invoked by `make up` after every deploy with `{}`: creates the first admin once (idempotent)."""

from __future__ import annotations

from typing import Any

from core.observability import logger, metrics
from identity.service import staff


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = staff.bootstrap_first_admin()
    logger.info(
        "Identity bootstrap", extra={"admin_created": result.created, "admin_username": result.username}
    )
    return result.model_dump(mode="json")
