"""What one DynamoDB call costs the local cloud: LocalStack CPU per GetItem, PutItem and a transfer's
TransactWriteItems (2 conditional updates + 2 puts), measured with boto3 straight against LocalStack on a
table with no stream (issue #16, item 7).

    python -m bench.dynamo            # on a fresh LocalStack of its own
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import cpu_seconds
from tools.cloud import Cloud, free_port

CALLS = 300
ROUNDS = 3


def _cpu_ms_per_call(pid: int, call: Callable[[int], Any], calls: int, rounds: int) -> float:
    """The lowest of `rounds` rounds of LocalStack CPU per call (other work only ever adds to a round)."""
    best = float("inf")
    for round_ in range(rounds):
        before = cpu_seconds(pid)
        for index in range(calls):
            call(round_ * calls + index)
        best = min(best, (cpu_seconds(pid) - before) * 1000 / calls)
    return round(best, 2)


def dynamodb_costs(cloud: Cloud, pid: int, calls: int = CALLS, rounds: int = ROUNDS) -> dict[str, float]:
    ddb = cloud.client("dynamodb")
    table = f"bench-cost-{secrets.token_hex(4)}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=table)
    for account in ("a", "b"):
        ddb.put_item(TableName=table, Item={"pk": {"S": account}, "balance": {"N": str(10**12)}})

    def put(i: int) -> None:
        ddb.put_item(
            TableName=table, Item={"pk": {"S": f"put-{i}"}, "amount": {"N": "100"}, "memo": {"S": "x"}}
        )

    def get(i: int) -> None:
        ddb.get_item(TableName=table, Key={"pk": {"S": f"put-{i}"}})

    def move(account: str, sign: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": account}},
                "UpdateExpression": f"SET balance = balance {sign} :amount",
                "ConditionExpression": "balance >= :amount",
                "ExpressionAttributeValues": {":amount": {"N": "1"}},
            }
        }

    def transfer(i: int) -> None:
        ddb.transact_write_items(
            TransactItems=[
                move("a", "-"),
                move("b", "+"),
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": f"pay-{i}"}, "amount": {"N": "1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": table, "Item": {"pk": {"S": f"out-{i}"}, "body": {"S": "{}"}}}},
            ]
        )

    try:
        return {
            "put_item_ms": _cpu_ms_per_call(pid, put, calls, rounds),
            "get_item_ms": _cpu_ms_per_call(pid, get, calls, rounds),
            "transact_4_items_ms": _cpu_ms_per_call(pid, transfer, calls, rounds),
        }
    finally:
        ddb.delete_table(TableName=table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.dynamo")
    parser.add_argument("--calls", type=int, default=CALLS)
    args = parser.parse_args(argv)
    cloud = Cloud(port=free_port(), state_dir=Path(tempfile.mkdtemp(prefix="arhan-ddb-")))
    cloud.start()
    try:
        pid = cloud.pid()
        assert pid is not None
        print(json.dumps(dynamodb_costs(cloud, pid, args.calls)))
    finally:
        cloud.stop()
        shutil.rmtree(cloud.state_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
