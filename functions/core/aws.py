"""AWS clients, all made from ONE botocore session per process. The endpoint comes only from the
environment (`AWS_ENDPOINT_URL`, which botocore reads itself), so the same code runs on AWS and on the
local cloud.

Why one session: a botocore session parses the endpoint rules and every service model it meets (several
MB of JSON, ≈ 110 ms and ≈ 10 MB per session). boto3's `Session()` per client and PynamoDB's
`get_session()` per connection each made their own, so a warm function paid that on every new
`Connection()` and held several copies in memory.

Clients come from botocore itself (a boto3 client is exactly this botocore client): importing boto3 cost
every cold start its own import and s3transfer's, for nothing a handler uses (decision 0045).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
import pynamodb.connection.base
from botocore.config import Config
from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

# Fail fast inside a Lambda: a hung dependency must not eat the function's whole timeout.
_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})


@cache
def botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


# PynamoDB asks `get_session()` for a new session per connection (one per model class): give it ours.
# Table models import `Model` from here, so the swap is in place before any of them connects.
pynamodb.connection.base.get_session = botocore_session  # type: ignore[attr-defined,assignment]

__all__ = ["Model", "botocore_session", "client", "dynamodb_connection", "forget_clients", "transaction"]


@cache
def client(service: str) -> Any:
    return botocore_session().create_client(service, config=_CONFIG)


@cache
def dynamodb_connection() -> Connection:
    """PynamoDB's connection for transactions, made on first use and reused while warm."""
    return Connection()


def transaction() -> TransactWrite:
    """PynamoDB sends a transaction's items grouped as condition checks, deletes, puts, updates (in
    that order, whatever order they were added in)."""
    return TransactWrite(connection=dynamodb_connection())


def forget_clients() -> None:
    """Drop the cached session, clients and connection (tests switch moto on and off between cases)."""
    for cached in (client, dynamodb_connection, botocore_session):
        cached.cache_clear()
