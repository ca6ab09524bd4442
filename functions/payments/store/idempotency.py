"""Idempotency of client requests (Powertools' idempotency utility on a DynamoDB table).

The key is (caller, Idempotency-Key); the payload hash is a fingerprint of the body without its
secrets. The first response is stored when the operation finished or was declined; while it runs, a
second request gets `idempotency_in_progress`; a different body gets `idempotency_key_reused`. Errors
that leave nothing behind (validation, wrong PIN, insufficient funds) delete the record, so the client
may retry with the same key. See docs/decisions/0033-payments-idempotency.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from core import aws
from core.errors import IdempotencyInProgress, IdempotencyKeyReused, ServiceUnavailable
from core.observability import logger
from payments.settings import conf
from payments.store.models import IdempotencyRecord

Response = dict[str, Any]  # {"status": int, "body": {...}}


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=IdempotencyRecord.Meta.table_name, boto3_client=aws.client("dynamodb")
    )


def _mark_replayed(response: Any, record: DataRecord) -> Any:
    return {**response, "replayed": True} if isinstance(response, dict) else response


def once(
    operation: str,
    *,
    scope: str,
    key: str,
    fingerprint: str,
    run: Callable[[], Response],
    lambda_context: Any,
) -> Response:
    """Run `run` at most once per (operation, scope, key); answer later calls with its stored response."""
    config = IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="fingerprint",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=conf().idempotency_ttl_seconds,
        hash_function="sha256",
        response_hook=_mark_replayed,  # type: ignore[arg-type]
    )
    if lambda_context is not None:
        # Lets an in-flight record expire with the invocation, so a crashed attempt does not block retries.
        config.register_lambda_context(lambda_context)

    def execute(request: dict[str, str]) -> Response:
        return run()

    guarded = idempotent_function(
        execute,
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=config,
        key_prefix=f"payments#{operation}",
    )
    try:
        result: Response = guarded(request={"scope": scope, "key": key, "fingerprint": fingerprint})
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyInProgress() from None
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyPersistenceLayerError as error:
        logger.exception("Idempotency store failed")
        raise ServiceUnavailable() from error
    return result
