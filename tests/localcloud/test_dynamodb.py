"""The moto-backed DynamoDB and Streams providers: consistent under concurrency, O(touched items)
transactions, rollback without stream records, Streams and a Lambda event source mapping on them."""

from __future__ import annotations

import io
import json
import statistics
import threading
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tools.cloud import Cloud

pytestmark = pytest.mark.localcloud

Client = Any  # boto3 clients are generated at run time


def _wait_until[T](probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (result := probe()) is not None:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _create_table(
    ddb: Client, stream: bool = False, indexes: list[dict[str, Any]] | None = None, prefix: str = "t"
) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    extra: dict[str, Any] = {}
    if stream:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if indexes:
        attributes.append({"AttributeName": "owner", "AttributeType": "S"})
        extra["GlobalSecondaryIndexes"] = indexes
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    return name


def _seed(ddb: Client, table: str, count: int) -> None:
    for start in range(0, count, 25):
        batch = [
            {"PutRequest": {"Item": {"pk": {"S": f"acct#{i}"}, "balance": {"N": "1000"}}}}
            for i in range(start, min(count, start + 25))
        ]
        ddb.batch_write_item(RequestItems={table: batch})


def _balance(ddb: Client, table: str, pk: str) -> int:
    item = ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)["Item"]
    return int(item["balance"]["N"])


def _transfer(table: str, source: str, target: str, tx_id: str) -> list[dict[str, Any]]:
    """A bank transfer of 1: debit only if funded, credit, and record the transfer exactly once."""
    one = {":one": {"N": "1"}}
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": source}},
                "UpdateExpression": "SET balance = balance - :one",
                "ConditionExpression": "balance >= :one",
                "ExpressionAttributeValues": one,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": target}},
                "UpdateExpression": "SET balance = balance + :one",
                "ExpressionAttributeValues": one,
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": {"pk": {"S": tx_id}, "amount": {"N": "1"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]


def _scan_all(ddb: Client, table: str) -> list[dict[str, Any]]:
    pages = ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return [item for page in pages for item in page["Items"]]


def _stream_arn(ddb: Client, table: str) -> str:
    return str(ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"])


def _iterator(streams: Client, stream_arn: str, kind: str) -> str:
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]
    return str(
        streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=kind)[
            "ShardIterator"
        ]
    )


@pytest.fixture(scope="module")
def ddb(cloud: Cloud) -> Client:
    return cloud.client("dynamodb")


@pytest.fixture(scope="module")
def streams(cloud: Cloud) -> Client:
    return cloud.client("dynamodbstreams")


def test_racing_transfers_never_overdraw_nor_lose_money(cloud: Cloud, ddb: Client) -> None:
    # Given an account funded with 200, 16 threads that together try 256 transfers of 1,
    # and a reader that keeps scanning the table meanwhile
    table = _create_table(ddb, prefix="race")
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct#A"}, "balance": {"N": "200"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct#B"}, "balance": {"N": "0"}})
    threads, attempts = 16, 16
    clients = [cloud.client("dynamodb") for _ in range(threads + 1)]
    start = threading.Barrier(threads + 1)
    writers_done = threading.Event()
    successes: list[str] = []
    refusals: list[list[Any]] = []
    surprises: list[ClientError] = []
    seen: list[tuple[int, int, int]] = []  # (A, B, tx items) as each scan saw them

    def writer(index: int) -> None:
        start.wait()
        for attempt in range(attempts):
            tx_id = f"tx#{index}-{attempt}"
            try:
                clients[index].transact_write_items(TransactItems=_transfer(table, "acct#A", "acct#B", tx_id))
                successes.append(tx_id)
            except ClientError as error:
                if error.response["Error"]["Code"] == "TransactionCanceledException":
                    refusals.append(error.response["CancellationReasons"])
                else:
                    surprises.append(error)

    def reader() -> None:
        start.wait()
        while not writers_done.is_set():
            try:
                page = clients[threads].scan(TableName=table, ConsistentRead=True)
            except ClientError as error:
                surprises.append(error)
                continue
            by_key = {item["pk"]["S"]: item for item in page["Items"]}
            balances = [int(by_key[pk]["balance"]["N"]) for pk in ("acct#A", "acct#B")]
            seen.append((*balances, sum(pk.startswith("tx#") for pk in by_key)))

    # When they all race
    began = time.perf_counter()
    pool = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    watcher = threading.Thread(target=reader)
    for thread in [*pool, watcher]:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    writers_done.set()
    watcher.join()
    total = threads * attempts
    print(f"\nrace: {total} transactions in {elapsed:.2f}s = {total / elapsed:.0f} tx/s ({len(seen)} scans)")

    # Then exactly the funds moved, each refusal is the debit's condition, and nothing leaked
    assert surprises == []
    assert len(successes) == 200
    assert len(refusals) == total - 200
    for reasons in refusals:
        assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed", "None", "None"]
        assert reasons[0]["Item"] == {"pk": {"S": "acct#A"}, "balance": {"N": "0"}}
    assert _balance(ddb, table, "acct#A") == 0
    assert _balance(ddb, table, "acct#B") == 200
    recorded = {item["pk"]["S"] for item in _scan_all(ddb, table) if item["pk"]["S"].startswith("tx#")}
    assert recorded == set(successes)
    # And no scan ever saw a half-done transfer
    assert seen
    assert [(a, b, txs) for a, b, txs in seen if a + b != 200 or txs != b] == []


def test_transaction_cost_does_not_grow_with_table_size(ddb: Client) -> None:
    # Given a table of 10 items and one of 10,000
    small = _create_table(ddb, prefix="small")
    big = _create_table(ddb, prefix="big")
    _seed(ddb, small, 10)
    _seed(ddb, big, 10_000)

    def two_updates(table: str) -> float:
        items = _transfer(table, "acct#3", "acct#7", "unused")[:2]
        began = time.perf_counter()
        ddb.transact_write_items(TransactItems=items)
        return time.perf_counter() - began

    # When 2-update transactions run on both, interleaved so that machine noise hits both alike
    for _ in range(5):
        two_updates(small)
        two_updates(big)
    timings: dict[str, list[float]] = {small: [], big: []}
    for _ in range(40):
        for table in (small, big):
            timings[table].append(two_updates(table))
    small_ms = statistics.median(timings[small]) * 1000
    big_ms = statistics.median(timings[big]) * 1000
    print(f"\ncost: 2-update transaction median {small_ms:.2f} ms at 10 items, {big_ms:.2f} ms at 10,000")
    ddb.delete_table(TableName=big)

    # Then the big table costs at most twice the small one (plain moto: over 100 times)
    assert big_ms / small_ms <= 2.0


def test_cancelled_transaction_writes_nothing_and_emits_no_stream_record(
    ddb: Client, streams: Client
) -> None:
    # Given a streamed table with three items and an iterator at the stream's end
    table = _create_table(ddb, stream=True, prefix="cancel")
    for pk, balance in (("acct#X", "5"), ("acct#Y", "7"), ("acct#W", "9")):
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "balance": {"N": balance}})
    before = sorted(_scan_all(ddb, table), key=lambda item: item["pk"]["S"])
    latest = _iterator(streams, _stream_arn(ddb, table), "LATEST")

    # When a transaction updates, inserts and deletes, then fails its last condition
    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "acct#X"}},
                        "UpdateExpression": "SET balance = :zero",
                        "ExpressionAttributeValues": {":zero": {"N": "0"}},
                    }
                },
                {"Put": {"TableName": table, "Item": {"pk": {"S": "acct#Z"}, "balance": {"N": "1"}}}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "acct#Y"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "acct#W"}},
                        "ConditionExpression": "balance > :big",
                        "ExpressionAttributeValues": {":big": {"N": "100"}},
                    }
                },
            ]
        )
    # And a transaction that moto rejects half-way (two operations on one item) is rolled back too
    with pytest.raises(ClientError) as rejected:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "acct#X"}, "balance": {"N": "1"}}}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "acct#X"}}}},
            ]
        )

    # Then the table is as it was and the stream holds no record of either
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert rejected.value.response["Error"]["Code"] == "ValidationException"
    assert sorted(_scan_all(ddb, table), key=lambda item: item["pk"]["S"]) == before
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    # And the stream goes on without a gap: the next write is the next record
    ddb.put_item(TableName=table, Item={"pk": {"S": "acct#X"}, "balance": {"N": "6"}})
    records = streams.get_records(ShardIterator=latest)["Records"]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [("MODIFY", "acct#X")]


def test_streams_api_returns_insert_modify_remove_with_both_images(ddb: Client, streams: Client) -> None:
    # Given a table with a NEW_AND_OLD_IMAGES stream
    table = _create_table(ddb, stream=True, prefix="streams")
    description = ddb.describe_table(TableName=table)["Table"]
    assert description["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    stream_arn = description["LatestStreamArn"]
    assert [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]] == [stream_arn]
    stream = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
    assert (stream["StreamStatus"], stream["TableName"], len(stream["Shards"])) == ("ENABLED", table, 1)
    iterator = _iterator(streams, stream_arn, "TRIM_HORIZON")

    # When an item is put, updated and deleted
    key = {"pk": {"S": "acct#S"}}
    ddb.put_item(TableName=table, Item={**key, "balance": {"N": "1"}})
    ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET balance = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    ddb.delete_item(TableName=table, Key=key)

    # Then GetRecords returns the three events in order, with the images the view type asks for
    # (AWS leaves out the image an event does not have)
    page = streams.get_records(ShardIterator=iterator)
    images = [
        (
            r["eventName"],
            {
                name: r["dynamodb"][name]["balance"]
                for name in ("OldImage", "NewImage")
                if name in r["dynamodb"]
            },
        )
        for r in page["Records"]
    ]
    assert images == [
        ("INSERT", {"NewImage": {"N": "1"}}),
        ("MODIFY", {"OldImage": {"N": "1"}, "NewImage": {"N": "2"}}),
        ("REMOVE", {"OldImage": {"N": "2"}}),
    ]
    assert {(r["awsRegion"], r["eventSource"], r["eventVersion"]) for r in page["Records"]} == {
        ("us-east-1", "aws:dynamodb", "1.1")
    }
    assert all(r["dynamodb"]["Keys"] == key for r in page["Records"])
    assert streams.get_records(ShardIterator=page["NextShardIterator"])["Records"] == []


def test_unknown_shard_iterator_is_expired_not_a_server_error(ddb: Client, streams: Client) -> None:
    # Given a real stream and an iterator it never issued
    stream_arn = _stream_arn(ddb, _create_table(ddb, stream=True, prefix="unknown"))
    forged = f"{stream_arn}|1|{uuid.uuid4().hex}"

    # When GetRecords gets it, then it is refused as AWS refuses a stale one (which pollers recover from)
    with pytest.raises(streams.exceptions.ExpiredIteratorException):
        streams.get_records(ShardIterator=forged)


def test_shard_iterators_expire(fresh_cloud_factory: Callable[[], Cloud]) -> None:
    # Given a cloud whose shard iterators live 1 s, and an iterator on a stream
    cloud = fresh_cloud_factory()
    cloud.start(extra_env={"LOCALCLOUD_SHARD_ITERATOR_TTL": "1"})
    ddb, streams = cloud.client("dynamodb"), cloud.client("dynamodbstreams")
    stream_arn = _stream_arn(ddb, _create_table(ddb, stream=True, prefix="ttl"))
    old = _iterator(streams, stream_arn, "TRIM_HORIZON")
    assert streams.get_records(ShardIterator=old)["Records"] == []

    # When it is older than that
    time.sleep(1.2)

    # Then it is expired, and a new one reads the stream
    with pytest.raises(streams.exceptions.ExpiredIteratorException):
        streams.get_records(ShardIterator=old)
    ddb.put_item(TableName=stream_arn.split("/")[1], Item={"pk": {"S": "acct#T"}})
    records = streams.get_records(ShardIterator=_iterator(streams, stream_arn, "TRIM_HORIZON"))["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]


def test_conditional_puts_and_gsi_query_under_concurrency(cloud: Cloud, ddb: Client) -> None:
    # Given a table with an index on the owner and 8 threads claiming the same 20 keys
    index = {
        "IndexName": "by-owner",
        "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    table = _create_table(ddb, indexes=[index], prefix="claims")
    threads, keys = 8, 20
    clients = [cloud.client("dynamodb") for _ in range(threads)]
    start = threading.Barrier(threads)
    won: dict[str, list[str]] = {f"owner-{i}": [] for i in range(threads)}
    refused: list[str] = []

    def claim(index: int) -> None:
        owner = f"owner-{index}"
        start.wait()
        for number in range(keys):
            try:
                clients[index].put_item(
                    TableName=table,
                    Item={"pk": {"S": f"claim#{number}"}, "owner": {"S": owner}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
                won[owner].append(f"claim#{number}")
            except ClientError as error:
                refused.append(error.response["Error"]["Code"])

    # When they race
    pool = [threading.Thread(target=claim, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    # Then each key has exactly one owner, and the index agrees with who won
    assert sum(len(claims) for claims in won.values()) == keys
    assert refused == ["ConditionalCheckFailedException"] * (threads * keys - keys)
    for owner, claims in won.items():
        found = ddb.query(
            TableName=table,
            IndexName="by-owner",
            KeyConditionExpression="#owner = :owner",
            ExpressionAttributeNames={"#owner": "owner"},
            ExpressionAttributeValues={":owner": {"S": owner}},
        )["Items"]
        assert sorted(item["pk"]["S"] for item in found) == sorted(claims)


def test_cloudformation_table_with_stream(cloud: Cloud, ddb: Client, streams: Client) -> None:
    # Given a template with a streamed table and its StreamArn as an output
    cfn = cloud.client("cloudformation")
    table = f"cfn-{uuid.uuid4().hex[:10]}"
    template = {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": table,
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                },
            }
        },
        "Outputs": {"StreamArn": {"Value": {"Fn::GetAtt": ["Table", "StreamArn"]}}},
    }

    def stack_status(stack_id: str, expected: str) -> dict[str, Any] | None:
        found = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        assert not found["StackStatus"].endswith(("FAILED", "ROLLBACK_COMPLETE")), found
        return found if found["StackStatus"] == expected else None

    # When the stack is created
    stack_id = cfn.create_stack(StackName=f"stack-{table}", TemplateBody=json.dumps(template))["StackId"]
    created = _wait_until(lambda: stack_status(stack_id, "CREATE_COMPLETE"), 60, "stack creation")

    # Then the table streams, and the output is the table's stream
    description = ddb.describe_table(TableName=table)["Table"]
    assert description["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    outputs = {output["OutputKey"]: output["OutputValue"] for output in created["Outputs"]}
    assert outputs["StreamArn"] == description["LatestStreamArn"]
    assert streams.describe_stream(StreamArn=outputs["StreamArn"])["StreamDescription"]["TableName"] == table

    # And deleting the stack deletes the table
    cfn.delete_stack(StackName=stack_id)
    _wait_until(lambda: stack_status(stack_id, "DELETE_COMPLETE"), 60, "stack deletion")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        ddb.describe_table(TableName=table)


SINK_HANDLER = """
import os

import boto3

def handler(event, context):
    ddb = boto3.client("dynamodb")
    for record in event["Records"]:
        ddb.put_item(
            TableName=os.environ["SINK_TABLE"],
            Item={
                "pk": {"S": record["dynamodb"]["SequenceNumber"]},
                "event": {"S": record["eventName"]},
                "key": {"S": record["dynamodb"]["Keys"]["pk"]["S"]},
                "images": {"S": ",".join(sorted(k for k in record["dynamodb"] if k.endswith("Image")))},
            },
        )
"""


@pytest.fixture
def stream_to_sink_function(cloud: Cloud, ddb: Client) -> Iterator[tuple[str, str]]:
    """A Python function that copies each stream record it gets into a sink table: (name, sink)."""
    lam = cloud.client("lambda")
    sink = _create_table(ddb, prefix="sink")
    role = cloud.client("iam").create_role(
        RoleName=f"esm-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("sink.py", SINK_HANDLER)
    name = f"sink-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Handler="sink.handler",
        Role=role,
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": {"SINK_TABLE": sink}},
        Timeout=10,
    )
    _wait_until(
        lambda: True if lam.get_function(FunctionName=name)["Configuration"]["State"] == "Active" else None,
        30,
        "function to become Active",
    )
    yield name, sink
    lam.delete_function(FunctionName=name)


def test_lambda_event_source_mapping_on_table_stream(
    cloud: Cloud, ddb: Client, stream_to_sink_function: tuple[str, str]
) -> None:
    # Given a function mapped to a table's stream
    function, sink = stream_to_sink_function
    lam = cloud.client("lambda")
    table = _create_table(ddb, stream=True, prefix="esm")
    mapping = lam.create_event_source_mapping(
        EventSourceArn=_stream_arn(ddb, table),
        FunctionName=function,
        StartingPosition="TRIM_HORIZON",
        BatchSize=10,
    )["UUID"]
    try:
        _wait_until(
            lambda: True if lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled" else None,
            30,
            "mapping to be Enabled",
        )

        # When an item is inserted, modified and removed
        key = {"pk": {"S": "acct#E"}}
        ddb.put_item(TableName=table, Item={**key, "balance": {"N": "1"}})
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET balance = :two",
            ExpressionAttributeValues={":two": {"N": "2"}},
        )
        ddb.delete_item(TableName=table, Key=key)

        # Then the function receives the three records, in order
        def delivered() -> list[tuple[str, str, str]] | None:
            items = sorted(_scan_all(ddb, sink), key=lambda item: item["pk"]["S"])
            return (
                [(i["event"]["S"], i["key"]["S"], i["images"]["S"]) for i in items]
                if len(items) >= 3
                else None
            )

        assert _wait_until(delivered, 60, "stream records in the sink", interval=0.2) == [
            ("INSERT", "acct#E", "NewImage"),
            ("MODIFY", "acct#E", "NewImage,OldImage"),
            ("REMOVE", "acct#E", "OldImage"),
        ]
    finally:
        lam.delete_event_source_mapping(UUID=mapping)


def test_every_request_is_counted_by_table_and_only_refused_ones_are_logged(
    cloud: Cloud, ddb: Client
) -> None:
    # Given a table, two successful writes and a refused one
    table = _create_table(ddb, prefix="counted")
    ddb.get_waiter("table_exists").wait(TableName=table)
    for pk in ("a", "b"):
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}}, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as refused:
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    # (moto answers some refusals as a status tuple rather than an error: still a 400 that boto3 reads)
    with pytest.raises(ClientError) as invalid:
        ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="EVERYTHING")
    assert invalid.value.response["Error"]["Code"] == "ValidationException"

    # Then the count names the operation and the table, refused requests included
    with urllib.request.urlopen(f"{cloud.url}/_localcloud/requests", timeout=5) as response:
        counts = json.load(response)["counts"]
    assert counts[f"dynamodb.PutItem {table}"] == 3
    # And LocalStack's log has a line for the refused write only (LOCALCLOUD_REQUEST_LOG=1 logs them all)
    puts = [line for line in cloud.log_path.read_text().splitlines() if "dynamodb.PutItem" in line]
    assert puts and all("ConditionalCheckFailedException" in line for line in puts)
