"""Continuous saving (localcloud/journal.py, decision 0021): LocalStack killed with SIGKILL while money moves
loses no acknowledged write, and after the restart every money invariant of the chaos run holds."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from bench.chaos import World, check_invariants, op_transfer, scan, settle
from bench.common import BankCloud, new_customer, start_bank
from tools.cloud import Cloud, free_port
from tools.deploy import StackInfo

pytestmark = pytest.mark.localcloud

CLIENTS = 4
CUSTOMERS = 4
# The kill comes once this many transfers were acknowledged, with the clients still sending more.
MIN_ACKNOWLEDGED = 10
LOAD_TIMEOUT_S = 120.0


def kill9(cloud: Cloud) -> None:
    """SIGKILL LocalStack itself: no shutdown hook runs, nothing is saved on the way down."""
    pid = cloud.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    if cloud.process is not None:
        cloud.process.wait(timeout=10)
        cloud.process = None
    assert cloud.pid() is None


def _clients(world: World, stop: threading.Event) -> list[threading.Thread]:
    def run(index: int) -> None:
        rng = random.Random(17 + index)
        me = world.customers[index % len(world.customers)]
        api = world.bank.api(timeout=25)
        while not stop.is_set():
            op_transfer(world, rng, me, api)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    return threads


def test_sigkill_mid_load_loses_no_acknowledged_write_and_the_books_still_balance(tmp_path: Path) -> None:
    # Given the bank on a cloud that saves continuously, and customers moving money between them
    bank, _ = start_bank(tmp_path / "cloud", extra_env={"LOCALCLOUD_SAVE_INTERVAL": "1"})
    try:
        api = bank.api()
        customers = [new_customer(api, accounts=2, prefix="crash") for _ in range(CUSTOMERS)]
        # Transfers only: no card, and no reversal for a second staff member to approve.
        world = World(bank=bank, customers=customers, cards=[], admin_token=bank.admin_token, staff_token="")
        stop = threading.Event()
        threads = _clients(world, stop)
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while len(world.transfers) < MIN_ACKNOWLEDGED and time.monotonic() < deadline:
            time.sleep(0.1)

        # When LocalStack is killed with SIGKILL in the middle of the load (no clean shutdown, no save)
        world.paused.set()  # clients retry a failed request with the same key once the cloud is back
        kill9(bank.cloud)
        time.sleep(0.3)  # answers received just before the kill are recorded by now
        with world.lock:
            acknowledged = list(world.transfers)
            keys = {key for key, ids in world.answers.items() if ids}

        # And it is started again on the same state
        bank.cloud.start(extra_env={"LOCALCLOUD_SAVE_INTERVAL": "1"})
        world.paused.clear()
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

        # Then every transfer acknowledged before the kill is there, completed, exactly as answered
        assert len(acknowledged) >= MIN_ACKNOWLEDGED, world.outcomes
        payments = {str(p["payment_id"]["S"]): p for p in scan(bank, "PaymentsPaymentsTable")}
        lost = [pid for pid in acknowledged if pid not in payments]
        assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged transfers lost: {lost[:5]}"
        assert all(payments[pid]["status"]["S"] == "completed" for pid in acknowledged)
        # (and every key that had an answer still gives one payment: checked with the invariants below)
        assert keys

        # And once the ledger has caught up, every invariant holds: positions = ledger, chains verify, ...
        settled = settle(world, timeout=90)
        assert settled.get("matched"), settled
        results = check_invariants(world)
        broken = {name: detail for name, (passed, detail) in results.items() if not passed}
        assert not broken, broken
    finally:
        bank.cloud.stop()


def test_a_torn_last_record_is_dropped_and_the_rest_replayed(tmp_path: Path) -> None:
    # Given a cloud that saves continuously, with a table and items written through the journal
    bank = _plain_cloud(tmp_path)
    ddb = bank.client("dynamodb")
    ddb.create_table(
        TableName="torn",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for index in range(20):
        ddb.put_item(TableName="torn", Item={"pk": {"S": f"k{index}"}})
    kill9(bank.cloud)
    journal = tmp_path / "cloud" / "state" / "current" / "journal.log"

    # When the kill had interrupted a write half-way (a record's first bytes, then nothing)
    with journal.open("ab") as file:
        file.write(b"\x40\x00\x00\x00\x01\x02")

    # Then the restarted cloud has every whole record, and keeps journaling after the cut
    bank.cloud.start(extra_env={"LOCALCLOUD_SAVE_INTERVAL": "1"})
    try:
        ddb = bank.client("dynamodb")
        assert ddb.scan(TableName="torn")["Count"] == 20
        ddb.put_item(TableName="torn", Item={"pk": {"S": "after"}})
        kill9(bank.cloud)
        bank.cloud.start(extra_env={"LOCALCLOUD_SAVE_INTERVAL": "1"})
        assert bank.client("dynamodb").scan(TableName="torn")["Count"] == 21
    finally:
        bank.cloud.stop()


def _plain_cloud(tmp_path: Path) -> BankCloud:
    cloud = Cloud(port=free_port(), state_dir=tmp_path / "cloud")
    cloud.start(extra_env={"LOCALCLOUD_SAVE_INTERVAL": "1"})
    return BankCloud(cloud=cloud, info=StackInfo("", "", cloud.url, "", "", "", {}))


def test_every_kind_of_write_survives_a_sigkill_stream_records_included(tmp_path: Path) -> None:
    # Given a cloud that saves continuously: a table with a stream, a queue, and writes of every kind
    bank = _plain_cloud(tmp_path)
    ddb, sqs = bank.client("dynamodb"), bank.client("sqs")
    ddb.create_table(
        TableName="kinds",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for index in range(10):
        ddb.put_item(TableName="kinds", Item={"pk": {"S": f"k{index}"}, "n": {"N": str(index)}})
    ddb.update_item(
        TableName="kinds",
        Key={"pk": {"S": "k1"}},
        UpdateExpression="SET n = :v",
        ExpressionAttributeValues={":v": {"N": "99"}},
    )
    ddb.delete_item(TableName="kinds", Key={"pk": {"S": "k2"}})
    ddb.batch_write_item(
        RequestItems={
            "kinds": [
                {"PutRequest": {"Item": {"pk": {"S": "batch"}, "n": {"N": "7"}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "k3"}}}},
            ]
        }
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "kinds", "Item": {"pk": {"S": "tx"}, "n": {"N": "5"}}}},
            {"Delete": {"TableName": "kinds", "Key": {"pk": {"S": "k4"}}}},
        ]
    )
    queue = sqs.create_queue(QueueName="kinds")["QueueUrl"]
    for index in range(4):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{index}")
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received["ReceiptHandle"])

    # When LocalStack is killed at once, and started again on the same state
    kill9(bank.cloud)
    bank.cloud.start(extra_env={"LOCALCLOUD_SAVE_INTERVAL": "1"})
    try:
        ddb, sqs = bank.client("dynamodb"), bank.client("sqs")
        items = {item["pk"]["S"]: item["n"]["N"] for item in ddb.scan(TableName="kinds")["Items"]}

        # Then every item is as the last acknowledged write left it
        expected = {f"k{i}": str(i) for i in range(10) if i not in (2, 3, 4)} | {
            "k1": "99",
            "batch": "7",
            "tx": "5",
        }
        assert items == expected
        # And the stream has a record for every write (what the outbox publisher reads after a restart)
        assert _stream_record_count(bank) == 10 + 1 + 1 + 2 + 2
        # And the queue has every message but the deleted one
        queue = sqs.get_queue_url(QueueName="kinds")["QueueUrl"]
        bodies = {m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]}
        assert bodies == {f"m{i}" for i in range(4)} - {received["Body"]}
    finally:
        bank.cloud.stop()


def _stream_record_count(bank: BankCloud) -> int:
    arn = bank.client("dynamodb").describe_table(TableName="kinds")["Table"]["LatestStreamArn"]
    streams = bank.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    cursor, count = iterator["ShardIterator"], 0
    while cursor:
        page = streams.get_records(ShardIterator=cursor)
        count += len(page["Records"])
        cursor = page.get("NextShardIterator") if page["Records"] else None
    return count
