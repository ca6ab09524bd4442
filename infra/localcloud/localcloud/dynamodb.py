"""moto-backed DynamoDB and DynamoDB Streams providers (`PROVIDER_OVERRIDE_DYNAMODB[STREAMS]=moto`).

Stock LocalStack needs a DynamoDB Local jar download; moto needs none but is unsafe as it stands:
it is not thread-safe, and its TransactWriteItems deep-copies every touched table to be able to roll
back, so a transaction costs O(table size). These providers fix both:

- every DynamoDB and Streams operation runs under one process-wide lock (`DYNAMODB_LOCK`), taken
  around each entry of the dispatch table, so moto only ever sees one request at a time;
- `DynamoDBBackend.transact_write_items` snapshots only the items it will touch (by key) plus the
  length of each touched table's stream shard, and restores them if the transaction fails. moto's
  own checks, errors and CancellationReasons are kept, because moto's method still does the work.

- `Table.query` on a table's own key looks only at the queried partition, whose range keys are kept
  sorted (`_Partition`), so a Query costs O(log partition + page) instead of sorting the whole table
  (moto's `all_items()`); a Query on an index skips that whole-table sort too (its result order is
  total anyway). Anything unusual (legacy KeyConditions, an ExclusiveStartKey from another partition)
  goes to moto's own method.

Streams are served by moto from the tables' own stream shards, so a Lambda event source mapping on
a table stream reads exactly what the table wrote. Shard iterators expire as on AWS (15 minutes,
`LOCALCLOUD_SHARD_ITERATOR_TTL` seconds), because moto keeps every iterator it ever issued (a polling
mapping issues one a second) and answers an unknown one with a 500 that LocalStack's poller retries
for ever; ExpiredIteratorException makes the poller re-initialise its shards instead.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import os
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
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

# Set by localcloud.journal when continuous saving is on: called after every successful operation, still
# under the lock, so the journal has the writes in the order they happened (decision 0021).
after_operation: Callable[[RequestContext, ServiceRequest], None] | None = None


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
    patch_query()
    patch_copies_and_parsing()
    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=_locked_direct_dispatcher)


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


def _locked_direct_dispatcher(provider: object) -> DispatchTable:
    """Every DynamoDB operation straight to moto's handler method, under the lock."""
    from localstack.services.moto import MotoFallbackDispatcher

    return {operation: _with_lock(_direct_to_moto) for operation in MotoFallbackDispatcher(provider)}


JSON_10 = "application/x-amz-json-1.0"


def _direct_to_moto(context: RequestContext, request: ServiceRequest) -> Response:
    """Call moto's DynamoDB handler method with the request's JSON body and answer its JSON as is.

    LocalStack's own path (`call_moto`) would rebuild an HTTP request for moto's URL dispatcher, let moto
    parse it again and look its method up by `inspect` on every call, then parse moto's JSON answer into a
    dict for LocalStack's serializer to write JSON again: about half of what a call cost the local cloud
    (decision 0044). moto's errors (JsonRESTError) carry their JSON body, CancellationReasons included.
    """
    from moto.core.utils import camelcase_to_underscores
    from moto.dynamodb.responses import DynamoHandler
    from werkzeug.exceptions import HTTPException

    handler = DynamoHandler()
    handler.region = context.region
    handler.current_account = context.account_id
    handler.headers = context.request.headers
    handler.response_headers = {}
    operation: Any = context.operation
    method = getattr(handler, camelcase_to_underscores(operation.name), None)
    if method is None:
        raise NotImplementedError  # LocalStack answers it as an operation the provider lacks
    try:
        handler.body = json.loads(context.request.data or b"{}")
        answer = method()
    except HTTPException as error:
        return Response(error.get_body(), error.code or 400, {"Content-Type": JSON_10})
    if isinstance(answer, tuple):  # (status, headers, body): e.g. a refused ReturnConsumedCapacity
        status, headers, body = answer
        return Response(body, status, {"Content-Type": JSON_10, **headers})
    return Response(answer, 200, {"Content-Type": JSON_10})


def _with_lock(dispatch: ServiceRequestHandler) -> ServiceRequestHandler:
    def locked(context: RequestContext, request: ServiceRequest) -> ServiceResponse | Response | None:
        with DYNAMODB_LOCK:
            response = dispatch(context, request)
            refused = isinstance(response, Response) and response.status_code >= 400
            if after_operation is not None and not refused:
                after_operation(context, request)
            return response

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


# --- Query by partition, not by table -----------------------------------------------------------

RANGE_OPERATORS = {"EQ": "=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}
MAX_ITEM_SIZE = 400 * 1024  # DynamoDB's (and moto's) item size limit


class _Partition(dict):  # type: ignore[type-arg]  # range key (DynamoType) -> Item, as moto's own buckets
    """One partition of a table with a range key, its range keys kept in moto's sort order.

    The order (`cast_value`, as `DynamoType.__lt__` compares) is built on the first Query and then kept
    up to date by every write through the dict API (a new key is bisected in; appends are the common
    case). It is not saved with the state: unpickled partitions rebuild it on their next Query.
    """

    _values: list[Any] | None = None  # the range keys' cast values, sorted
    _keys: list[Any] | None = None  # the range keys (DynamoType), in the same order

    def sorted_keys(self) -> tuple[list[Any], list[Any]]:
        if self._keys is None or self._values is None:
            keys = sorted(self, key=lambda key: key.cast_value)
            self._keys, self._values = keys, [key.cast_value for key in keys]
        return self._keys, self._values

    def _invalidate(self) -> None:
        self._keys = self._values = None

    def _forget(self, key: Any) -> None:
        if self._keys is None or self._values is None:
            return
        value = key.cast_value
        for at in range(bisect_left(self._values, value), bisect_right(self._values, value)):
            if self._keys[at] == key:
                del self._keys[at], self._values[at]
                return
        self._invalidate()

    def __setitem__(self, key: Any, item: Any) -> None:
        if self._keys is not None and self._values is not None and key not in self:
            value = key.cast_value
            at = bisect_right(self._values, value)
            self._values.insert(at, value)
            self._keys.insert(at, key)
        super().__setitem__(key, item)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._forget(key)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            self._forget(key)
        return super().pop(key, *default)

    def popitem(self) -> Any:
        self._invalidate()
        return super().popitem()

    def clear(self) -> None:
        self._invalidate()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._invalidate()
        super().update(*args, **kwargs)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def __getstate__(self) -> None:
        return None  # the order is derived data: rebuilt on the next Query after a load


class _Fallback(Exception):
    """A Query the partition path does not handle exactly like moto; moto's own method answers it."""


_index_query = threading.local()


def _partition(table: Table, hash_key: DynamoType) -> _Partition | None:
    """The queried partition as a `_Partition` (converting a plain moto bucket once), or None if empty."""
    items = table.items
    if getattr(items, "default_factory", None) is dict:
        items.default_factory = _Partition  # new partitions come sorted
    bucket = items.get(hash_key)  # `get`: a defaultdict must not grow an empty partition on a Query
    if bucket is None:
        return None
    if type(bucket) is not _Partition:
        bucket = _Partition(bucket)
        items[hash_key] = bucket
    return bucket


def _window(  # noqa: PLR0911 - one return per operator reads best
    values: list[Any], comparison: str | None, objs: list[DynamoType]
) -> tuple[int, int]:
    """[lo, hi) of the sorted cast values that satisfy the range condition (each one is contiguous)."""
    if not comparison:
        return 0, len(values)
    operator = RANGE_OPERATORS.get(comparison, comparison)
    args = [obj.cast_value for obj in objs]
    if operator == "=":
        return bisect_left(values, args[0]), bisect_right(values, args[0])
    if operator == "<":
        return 0, bisect_left(values, args[0])
    if operator == "<=":
        return 0, bisect_right(values, args[0])
    if operator == ">":
        return bisect_right(values, args[0]), len(values)
    if operator == ">=":
        return bisect_left(values, args[0]), len(values)
    if operator == "BETWEEN":
        lo = bisect_left(values, args[0])
        return lo, max(lo, bisect_right(values, args[1]))
    if operator == "BEGINS_WITH":
        prefix, lo = args[0], bisect_left(values, args[0])
        first, hi = lo, len(values)  # the values with the prefix are the front of values[lo:]
        while first < hi:
            middle = (first + hi) // 2
            if values[middle].startswith(prefix):
                first = middle + 1
            else:
                hi = middle
        return lo, first
    raise _Fallback(comparison)


def _partition_query(  # noqa: PLR0917 - mirrors moto's Table.query
    table: Table,
    hash_key: DynamoType,
    range_comparison: str | None,
    range_objs: list[DynamoType],
    limit: int | None,
    exclusive_start_key: dict[str, Any] | None,
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    filter_expression: Any,
) -> tuple[list[Item], int, dict[str, Any] | None]:
    """moto's `Table.query` on the table's own key, visiting only the page (same results, same keys)."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT

    bucket = _partition(table, hash_key)
    keys, values = bucket.sorted_keys() if bucket is not None else ([], [])
    lo, hi = _window(values, range_comparison, range_objs)
    if exclusive_start_key is not None:
        start_hash = exclusive_start_key.get(table.hash_key_attr)
        start_range = exclusive_start_key.get(str(table.range_key_attr))
        if start_hash is None or start_range is None or DynamoType(start_hash) != hash_key:
            raise _Fallback("ExclusiveStartKey outside the partition")
        start = DynamoType(start_range).cast_value
        # moto skips every item at or before the start key in the direction of the Query.
        if scan_index_forward:
            lo = max(lo, bisect_right(values, start))
        else:
            hi = min(hi, bisect_left(values, start))
    order = range(lo, hi) if scan_index_forward else range(hi - 1, lo - 1, -1)
    results: list[Item] = []
    result_size = 0
    last_evaluated_key = None
    last_at: int | None = None
    assert bucket is not None or not order
    for at in order:
        item = bucket[keys[at]]  # type: ignore[index]
        if len(results) == limit or result_size + item.size() > RESULT_SIZE_LIMIT:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], None)
            break
        results.append(item)
        result_size += item.size()
        last_at = at
    else:
        # moto also stops at the first item after the window (matching or not) once the page is full.
        if results and last_at is not None:
            after = range(last_at + 1, len(keys)) if scan_index_forward else range(last_at - 1, -1, -1)
            if after and len(results) == limit:
                last_evaluated_key = table._get_last_evaluated_key(results[-1], None)
            elif after and result_size + MAX_ITEM_SIZE > RESULT_SIZE_LIMIT:
                raise _Fallback("a page near the 1 MB limit")  # moto's size check on the items after
    scanned_count = len(results)
    results = copy.deepcopy(results)
    if filter_expression is not None:
        results = [item for item in results if filter_expression.expr(item)]
    if projection_expressions:
        results = [item.project(projection_expressions) for item in results]
    return results, scanned_count, last_evaluated_key


def patch_query() -> None:
    """Make moto's Query cost depend on the queried partition, not on the whole table."""
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    if getattr(original_query, "localcloud_patched", False):
        return
    original_all_items = Table.all_items

    def query(  # noqa: PLR0917 - moto's signature
        self: Table,
        hash_key: DynamoType,
        range_comparison: str | None,
        range_objs: list[DynamoType],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: list[list[str]] | None,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        **filter_kwargs: Any,
    ) -> tuple[list[Item], int, dict[str, Any] | None]:
        args = (hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward)
        if index_name is None and not filter_kwargs and self.range_key_attr is not None:
            try:
                return _partition_query(
                    self, *args, projection_expressions, filter_expression=filter_expression
                )
            except (_Fallback, TypeError, AttributeError):
                pass  # moto's answer (or moto's own error) for anything the fast path does not cover
        _index_query.active = index_name is not None
        try:
            return original_query(
                self, *args, projection_expressions, index_name, consistent_read, filter_expression,
                **filter_kwargs,
            )  # fmt: skip
        finally:
            _index_query.active = False

    def all_items(self: Table) -> list[Item]:
        if getattr(_index_query, "active", False):
            # An index Query sorts its candidates by (index keys, table keys), a total order, so the
            # whole-table sort moto does first is wasted work.
            items: list[Item] = []
            for bucket in self.items.values():
                if self.range_key_attr:
                    items.extend(bucket.values())
                else:
                    items.append(bucket)  # type: ignore[arg-type]  # hash-only: key -> item
            return items
        return original_all_items(self)

    query.localcloud_patched = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign, assignment, unused-ignore]  # moto signatures differ
    Table.all_items = all_items  # type: ignore[method-assign]


# --- Cheaper item copies and update-expression parses ----------------------------------------------


def patch_copies_and_parsing() -> None:
    """moto deep-copies an item on every update (the stream's old image) and every transaction snapshot
    copies the items it touches, through `copy.deepcopy`'s generic reconstruction; and it parses the same
    few update expressions again on every request. Items get a direct copy of their attributes, and a
    parsed update expression is kept by its text (moto's validator works on its own deep copy of it, so
    the kept tree is never changed)."""
    from moto.dynamodb.models import dynamo_type

    # moto's models are typed loosely (Item as BaseModel); these patches work on the objects as they are.
    item_class: Any = dynamo_type.Item
    type_class: Any = dynamo_type.DynamoType
    parser: Any = importlib.import_module("moto.dynamodb.parsing.expressions").UpdateExpressionParser
    if getattr(item_class, "localcloud_patched", False):
        return

    def generic_copy(value: Any, memo: dict[int, Any] | None) -> Any:
        reconstruct: Any = vars(copy)["_reconstruct"]
        return reconstruct(value, memo, *value.__reduce_ex__(4))

    def copy_type(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if type(value) is not type_class:  # a subclass: the generic way
            return generic_copy(value, memo)
        clone = object.__new__(type_class)
        clone.type = value.type
        inner = value.value
        if value.type == "L":
            clone.value = [copy_type(element) for element in inner]
        elif value.type == "M":
            clone.value = {name: copy_type(element) for name, element in inner.items()}
        else:  # strings, numbers (as strings), bytes; sets as lists of those
            clone.value = list(inner) if isinstance(inner, list) else inner
        return clone

    def copy_item(item: Any, memo: dict[int, Any] | None = None) -> Any:
        if type(item) is not item_class:
            return generic_copy(item, memo)
        clone = object.__new__(item_class)
        clone.__dict__.update(item.__dict__)  # hash and range keys are never changed in place
        clone.attrs = type(item.attrs)()
        dict.update(clone.attrs, {name: copy_type(value) for name, value in item.attrs.items()})
        return clone

    type_class.__deepcopy__ = copy_type
    item_class.__deepcopy__ = copy_item
    parse: Any = functools.lru_cache(maxsize=1024)(parser.make.__func__)
    parser.make = classmethod(parse)
    item_class.localcloud_patched = True
