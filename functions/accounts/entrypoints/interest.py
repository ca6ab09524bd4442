"""The monthly savings-interest run (EventBridge schedule): pays the month that just ended."""

from __future__ import annotations

from typing import Any

from accounts.domain.interest import previous_month
from accounts.service.staff import pay_interest
from accounts.store.proposals import interest_run_done
from core.clock import now
from core.observability import logger, metrics


class InterestRunIncomplete(Exception):
    """Some accounts were not paid; raising makes EventBridge retry (the paid ones are not paid twice)."""


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Always the month just ended: whatever an event says (only the schedule invokes this function).
    month = previous_month(now())
    if interest_run_done(month):
        logger.info("Interest run already complete", extra={"month": month})
        return {"month": month, "already_complete": True}
    summary = pay_interest(month)
    logger.info("Interest run", extra=summary.model_dump())
    if summary.failed:
        raise InterestRunIncomplete(f"{summary.failed} account(s) not paid for {month}")
    return summary.model_dump()
