"""Scheduled every minute (and invocable directly): releases card holds whose time ran out."""

from __future__ import annotations

from typing import Any

from core.observability import logger, metrics
from payments.service import cards

BATCH = 100
MAX_BATCHES = 10


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    released = 0
    for _ in range(MAX_BATCHES):
        count = cards.expire_holds(batch=BATCH)
        released += count
        if count < BATCH:
            break
    logger.info("Expired holds released", extra={"released": released})
    return {"released": released}
