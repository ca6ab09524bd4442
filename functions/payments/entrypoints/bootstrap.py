"""Invoked by `make up` after every deploy: the bank's positions and opening capital, exactly once."""

from __future__ import annotations

from typing import Any

from core.observability import logger, metrics
from payments.service import positions


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = positions.bootstrap()
    logger.info("Payments bootstrap done", extra={"created_positions": result.created_positions})
    return result.model_dump(mode="json")
