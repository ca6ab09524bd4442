"""One PynamoDB connection for transactions, made on first use (not at import) and reused while warm.
Its region and endpoint come from the environment, like every other client."""

from __future__ import annotations

from functools import cache

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite


@cache
def connection() -> Connection:
    return Connection()


def transaction() -> TransactWrite:
    """PynamoDB sends a transaction's items grouped as condition checks, deletes, puts, updates (in
    that order, whatever order they were added in); `failed` indexes follow that order."""
    return TransactWrite(connection=connection())


def failed(error: TransactWriteError) -> set[int]:
    """Indexes of the items whose condition failed."""
    reasons = error.cancellation_reasons or []
    return {
        i
        for i, reason in enumerate(reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    }
