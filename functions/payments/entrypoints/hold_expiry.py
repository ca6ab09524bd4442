"""Scheduled every minute (and invocable directly): releases card holds whose time ran out."""

from __future__ import annotations

from typing import Any

from core.observability import logger, metrics
from payments.service import cards

BATCH = 100
MAX_BATCHES = 10


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    released = 0
    try:
        for _ in range(MAX_BATCHES):
            count = cards.expire_holds(batch=BATCH)
            released += count
            if count < BATCH:
                break
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
    logger.info("Expired holds released", extra={"released": released})
    return {"released": released}
