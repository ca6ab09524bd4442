"""moto-backed DynamoDB and DynamoDB Streams providers (`PROVIDER_OVERRIDE_DYNAMODB[STREAMS]=moto`).

Stock LocalStack needs a DynamoDB Local jar download; moto needs none but is unsafe as it stands:
it is not thread-safe, and its TransactWriteItems deep-copies every touched table to be able to roll
back, so a transaction costs O(table size). These providers fix both:

- every DynamoDB and Streams operation runs under one process-wide lock (`DYNAMODB_LOCK`), taken
  around each entry of the dispatch table, so moto only ever sees one request at a time;
- `DynamoDBBackend.transact_write_items` snapshots only the items it will touch (by key) plus the
  length of each touched table's stream shard, and restores them if the transaction fails. moto's
  own checks, errors and CancellationReasons are kept, because moto's method still does the work.

Streams are served by moto from the tables' own stream shards, so a Lambda event source mapping on
a table stream reads exactly what the table wrote. Shard iterators expire as on AWS (15 minutes,
`LOCALCLOUD_SHARD_ITERATOR_TTL` seconds), because moto keeps every iterator it ever issued (a polling
mapping issues one a second) and answers an unknown one with a 500 that LocalStack's poller retries
for ever; ExpiredIteratorException makes the poller re-initialise its shards instead.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from localstack.aws.api import RequestContext, ServiceRequest, ServiceResponse, handler
from localstack.aws.api.core import ServiceRequestHandler
from localstack.aws.api.dynamodb import DynamodbApi
from localstack.aws.api.dynamodbstreams import (
    DynamodbstreamsApi,
    ExpiredIteratorException,
    GetRecordsOutput,
    GetShardIteratorOutput,
    Record,
)
from localstack.aws.skeleton import DispatchTable
from localstack.http import Response
from localstack.services.plugins import Service, aws_provider

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import StreamShard, Table

# Reentrant, because a handler may call back into DynamoDB on the same thread (in-memory clients).
DYNAMODB_LOCK = threading.RLock()


class MotoDynamoDBProvider(DynamodbApi):
    """Implements nothing itself: every operation falls through to moto."""


class MotoDynamoDBStreamsProvider(DynamodbstreamsApi):
    """moto's stream shards, with shard iterators that expire `iterator_ttl` seconds after issue."""

    def __init__(self, iterator_ttl: float) -> None:
        self.iterator_ttl = iterator_ttl

    @handler("GetShardIterator")
    def get_shard_iterator(
        self,
        context: RequestContext,
        stream_arn: str,
        shard_id: str,
        shard_iterator_type: str,
        sequence_number: str | None = None,
        **kwargs: Any,
    ) -> GetShardIteratorOutput:
        from localstack.services.moto import call_moto

        response: GetShardIteratorOutput = call_moto(context)
        _stamp(_shard_iterators(context), response.get("ShardIterator"))
        return response

    @handler("GetRecords")
    def get_records(
        self, context: RequestContext, shard_iterator: str, limit: int | None = None, **kwargs: Any
    ) -> GetRecordsOutput:
        from localstack.services.moto import call_moto

        iterators = _shard_iterators(context)
        _drop_expired(iterators, time.time() - self.iterator_ttl)
        if shard_iterator not in iterators:
            raise ExpiredIteratorException("Iterator expired or unknown; get a new one with GetShardIterator")
        response: GetRecordsOutput = call_moto(context)
        _stamp(iterators, response.get("NextShardIterator"))
        for record in response.get("Records") or []:
            _as_on_aws(record, context.region)
        return response


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto() -> Service:
    patch_transact_write_items()
    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=_locked_moto_dispatcher)


@aws_provider(api="dynamodbstreams", name="moto")
def dynamodbstreams_moto() -> Service:
    ttl = float(os.environ.get("LOCALCLOUD_SHARD_ITERATOR_TTL", "900"))
    return Service.for_provider(
        MotoDynamoDBStreamsProvider(iterator_ttl=ttl), dispatch_table_factory=_locked_moto_dispatcher
    )


def _locked_moto_dispatcher(provider: object) -> DispatchTable:
    from localstack.services.moto import MotoFallbackDispatcher

    table = MotoFallbackDispatcher(provider)
    return {operation: _with_lock(dispatch) for operation, dispatch in table.items()}


def _with_lock(dispatch: ServiceRequestHandler) -> ServiceRequestHandler:
    def locked(context: RequestContext, request: ServiceRequest) -> ServiceResponse | Response | None:
        with DYNAMODB_LOCK:
            return dispatch(context, request)

    return locked


# --- Streams: AWS-shaped records, expiring shard iterators ------------------------------------


def _as_on_aws(record: Record, region: str) -> None:
    """moto writes an empty OldImage on INSERT and NewImage on REMOVE, which AWS leaves out (handlers
    test for the key), and always says us-east-1 and event version 1.0."""
    images = cast(dict[str, Any], record.get("dynamodb") or {})
    for image in ("OldImage", "NewImage"):
        if images.get(image) == {}:
            del images[image]
    record["awsRegion"] = region
    record["eventVersion"] = "1.1"


def _shard_iterators(context: RequestContext) -> dict[str, Any]:
    """moto's iterators for the caller's account and region, by ARN, in the order they were issued."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    iterators: dict[str, Any] = dynamodbstreams_backends[context.account_id][context.region].shard_iterators
    return iterators


def _stamp(iterators: dict[str, Any], arn: str | None) -> None:
    # Wall-clock time, so that the age stays meaningful in state saved and loaded across restarts.
    if arn is not None:
        iterators[arn].issued_at = time.time()


def _drop_expired(iterators: dict[str, Any], issued_before: float) -> None:
    """Drop the oldest iterators up to the first one still valid (unstamped ones come from old state)."""
    expired = []
    for arn, iterator in iterators.items():
        if getattr(iterator, "issued_at", 0.0) >= issued_before:
            break
        expired.append(arn)
    for arn in expired:
        del iterators[arn]


# --- O(touched items) transactions -------------------------------------------------------------

_transaction = threading.local()


class _TableCopyShim:
    """Stands in for the `copy` module inside `moto.dynamodb.models`.

    While a patched transaction runs, moto's rollback backup (`copy.deepcopy(table)`) returns the
    table itself, so moto's "restore" assigns the same object back; the item snapshot does the real
    rollback. Every other use of `copy` in that module (item copies for stream images) is untouched.
    """

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if getattr(_transaction, "active", False) and isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)


class _Unresolvable(Exception):
    """A transact item whose table or key cannot be resolved the way moto resolves it."""


@dataclass
class _Snapshot:
    """The touched items as they were before a transaction, and where each stream shard ended."""

    items: dict[tuple[int, DynamoType, DynamoType | None], tuple[Table, Item | None]] = field(
        default_factory=dict
    )
    stream_ends: dict[int, tuple[StreamShard, int]] = field(default_factory=dict)

    def add(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        slot = (id(table), hash_key, range_key)
        if slot not in self.items:
            self.items[slot] = (table, copy.deepcopy(table.get_item(hash_key, range_key)))
        shard = table.stream_shard
        if shard is not None and id(shard) not in self.stream_ends:
            self.stream_ends[id(shard)] = (shard, len(shard.items))

    def restore(self) -> None:
        for (_, hash_key, range_key), (table, item) in self.items.items():
            _put_back(table, hash_key, range_key, item)
        for shard, end in self.stream_ends.values():
            del shard.items[end:]


def _put_back(table: Table, hash_key: DynamoType, range_key: DynamoType | None, item: Item | None) -> None:
    """Put a slot back as it was, without writing a stream record (moto's own put/delete would)."""
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item  # type: ignore[assignment]  # hash-only tables map key -> item
        return
    bucket = table.items[hash_key]
    if item is None:
        bucket.pop(range_key, None)
    else:
        bucket[range_key] = item


def _take_snapshot(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> _Snapshot:
    """Snapshot every item the transaction can write, resolving tables and keys exactly as moto does."""
    from moto.core.exceptions import JsonRESTError

    snapshot = _Snapshot()
    for entry in transact_items:
        for op_type, op in entry.items():
            try:
                table = backend.get_table(op["TableName"])
                if op_type == "Put":
                    key_attrs = [attr for attr in (table.hash_key_attr, table.range_key_attr) if attr]
                    key = {attr: op["Item"][attr] for attr in key_attrs}
                else:
                    key = op["Key"]
                hash_key, range_key = backend.get_keys_value(table, key)
            except (LookupError, AttributeError, TypeError, ValueError, JsonRESTError) as error:
                raise _Unresolvable from error
            snapshot.add(table, hash_key, range_key)
    return snapshot


def patch_transact_write_items() -> None:
    """Make moto's TransactWriteItems roll back by item snapshot instead of whole-table deep copies."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "localcloud_patched", False):
        return
    vars(models)["copy"] = _TableCopyShim(Table)  # the global that moto's methods look up

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        try:
            snapshot = _take_snapshot(self, transact_items)
        except _Unresolvable:
            # A malformed request: moto's whole-table backup is slow but certainly complete.
            original(self, transact_items)
            return
        _transaction.active = True
        try:
            original(self, transact_items)
        except BaseException:
            snapshot.restore()
            raise
        finally:
            _transaction.active = False

    transact_write_items.localcloud_patched = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
