"""Transactions (on the process's one PynamoDB connection, see core.aws) and their failure reasons."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError

from core.aws import transaction

__all__ = ["failed", "transaction"]


def failed(error: TransactWriteError) -> set[int]:
    """Indexes of the items whose condition failed."""
    reasons = error.cancellation_reasons or []
    return {
        i
        for i, reason in enumerate(reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    }
