"""The DynamoDB provider's partition Query (localcloud.dynamodb.patch_query): the same pages as moto's own
Query, for every key condition, direction, limit and ExclusiveStartKey, at a cost set by the queried
partition rather than by the whole table."""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any

import pytest

from tools.cloud import LOCALSTACK_PYTHON, Cloud

pytestmark = pytest.mark.localcloud

# Runs in LocalStack's venv (moto + localcloud): moto's original Table.query is the oracle.
DIFFERENTIAL = r"""
import copy, pickle, random
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

original = Table.query
from localcloud import dynamodb
dynamodb.patch_query()
patched = Table.query
rng = random.Random(7)

def plain(key):
    return key and {k: (v.to_json() if hasattr(v, "to_json") else v) for k, v in key.items()}

def pages(query, table, pk, op, objs, limit, forward):
    out, start = [], None
    for _ in range(400):
        items, scanned, last = query(table, pk, op, objs, limit, start, forward, None)
        out.append(([i.to_json() for i in items], scanned, plain(last)))
        if not last:
            return out
        start = plain(last)
    raise AssertionError("no end of pages")

cases = 0
for kind in ("S", "N"):
    table = Table("t", account_id="123456789012", region="us-east-1",
                  schema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                  attr=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": kind}])
    for n in range(600):
        pk = DynamoType({"S": f"p{rng.randrange(4)}"})
        sk = (rng.choice(["a", "ab", "abc", "b", "ba", "c"]) + f"{rng.randrange(50):02d}") if kind == "S" else str(rng.randrange(-50, 200))
        table.put_item({"pk": pk.to_json(), "sk": {kind: sk}, "v": {"N": str(n)}})
        if rng.random() < 0.1 and table.items.get(pk):  # deletes must keep the sorted keys in step
            table.delete_item(pk, rng.choice(list(table.items[pk])))
    operators = [None, "EQ", "LT", "LE", "GT", "GE", "BETWEEN"] + (["BEGINS_WITH"] if kind == "S" else [])
    def value():
        if kind == "S":
            return DynamoType({"S": rng.choice(["a", "ab", "b", "c", "a1", "ab2"]) + str(rng.randrange(60))})
        return DynamoType({"N": str(rng.randrange(-60, 210))})
    for _ in range(1000):
        pk = DynamoType({"S": f"p{rng.randrange(5)}"})  # p4 is an empty partition
        op = rng.choice(operators)
        objs = [] if op is None else [value()] + ([value()] if op == "BETWEEN" else [])
        if op == "BEGINS_WITH":
            objs = [DynamoType({"S": rng.choice(["a", "ab", "b", "c", "a1", "ab0"])})]
        limit, forward = rng.choice([None, 1, 2, 5, 50]), rng.random() < 0.5
        expected = pages(original, table, pk, op, objs, limit, forward)
        assert pages(patched, table, pk, op, objs, limit, forward) == expected, (kind, op, objs, limit, forward)
        cases += 1
    key = DynamoType({"S": "p1"})
    loaded = pickle.loads(pickle.dumps(table.items))[key]
    assert type(loaded).__name__ == "_Partition" and set(loaded) == set(table.items[key])
    assert len(copy.deepcopy(table.items)[key]) == len(table.items[key])
print(cases)
"""


def test_partition_query_answers_exactly_like_motos_query() -> None:
    # Given random partitions (string and number range keys, with deletes), When 2,000 random Queries
    # (each key condition, both directions, limits, every page) run through moto's Query and the patched one
    done = subprocess.run(
        [str(LOCALSTACK_PYTHON), "-c", DIFFERENTIAL], capture_output=True, text=True, timeout=300, check=False
    )
    # Then every page, ScannedCount and LastEvaluatedKey is the same, and partitions survive pickling
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) == 2000


def _put_partition(ddb: Any, table: str, account: str, count: int) -> None:
    for start in range(0, count, 25):
        ddb.batch_write_item(
            RequestItems={
                table: [
                    {
                        "PutRequest": {
                            "Item": {"pk": {"S": account}, "sk": {"S": f"{n:08d}"}, "v": {"N": str(n)}}
                        }
                    }
                    for n in range(start, min(count, start + 25))
                ]
            }
        )


def _page_ms(ddb: Any, table: str, account: str) -> float:
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        page = ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :a AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues={":a": {"S": account}, ":from": {"S": "0"}, ":to": {"S": "9"}},
            ScanIndexForward=False,
            Limit=20,
        )
        timings.append(time.perf_counter() - started)
        assert [item["sk"]["S"] for item in page["Items"]][:2] == [f"{n:08d}" for n in (199, 198)]
    return sorted(timings)[len(timings) // 2] * 1000


def test_a_query_costs_the_same_whatever_the_size_of_other_partitions(cloud: Cloud) -> None:
    # Given a 200-item partition, timed alone, then with another partition of 5,000 items in the table
    ddb = cloud.client("dynamodb")
    table = f"q-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    _put_partition(ddb, table, "small", 200)
    alone = _page_ms(ddb, table, "small")
    _put_partition(ddb, table, "large", 5_000)
    # When the small partition's newest page is queried again
    beside_large = _page_ms(ddb, table, "small")
    # Then it costs about the same (moto's own Query sorted all 5,200 items: several times slower)
    assert beside_large < alone * 2 + 10, f"{alone:.1f} ms alone, {beside_large:.1f} ms beside 5,000 items"
    # And paging the large partition backwards returns every item once, in order
    seen: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :a",
            ExpressionAttributeValues={":a": {"S": "large"}},
            ScanIndexForward=False,
            Limit=1000,
            **kwargs,
        )
        seen.extend(item["sk"]["S"] for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert seen == [f"{n:08d}" for n in range(4_999, -1, -1)]
