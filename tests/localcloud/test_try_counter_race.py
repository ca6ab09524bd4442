"""The try counter every guessing limit stands on (payment PIN, card PIN, sign-in), raced with threads
straight against the local cloud's DynamoDB.

The integration attacks go through the gateway, where the local cloud's cap of cores + 1 environments
per function lets only about 3 guesses run at once; AWS would run hundreds. So the atomic write is
proven here without the cap: 32 threads take tries from one counter at the same instant, and exactly
the limit of them may get one (docs/decisions/0008-tries-taken-before-judging.md).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from core import aws
from core.dynamo import GuardRefused, TriesExhausted, TryCounter
from core.errors import ServiceUnavailable
from core.tries import TryLimit
from tools.cloud import REGION, Cloud

pytestmark = pytest.mark.localcloud

THREADS = 32
RULE = TryLimit(limit=3, seconds=900)


@pytest.fixture
def table(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "AWS_ENDPOINT_URL": cloud.url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }.items():
        monkeypatch.setenv(name, value)
    aws.forget_clients()
    name = f"tries-{uuid.uuid4().hex[:10]}"
    ddb = cloud.client("dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    aws.forget_clients()


def race(counter: TryCounter) -> tuple[int, int, int]:
    """Every thread takes a try at the same instant: (taken, refused, refused by the guard). A refusal
    is "no try left" or, for a take that lost too many rounds to the others, "busy" (a 503)."""
    start = threading.Barrier(THREADS)
    now = int(time.time())

    def attempt(_: int) -> str:
        start.wait()
        try:
            counter.take(now)
        except (TriesExhausted, ServiceUnavailable):
            return "refused"
        except GuardRefused:
            return "guard"
        return "taken"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(attempt, range(THREADS)))
    return outcomes.count("taken"), outcomes.count("refused"), outcomes.count("guard")


def test_of_32_simultaneous_tries_exactly_the_limit_are_taken(table: str, cloud: Cloud) -> None:
    # Given a counter no one has touched (a sign-in counter is created by its first try)
    counter = TryCounter(table=table, key={"pk": "login#ada"}, rule=RULE)
    # When 32 guesses arrive at once
    taken, refused, _ = race(counter)
    # Then 3 are judged and 29 are refused before anything is compared
    assert (taken, refused) == (RULE.limit, THREADS - RULE.limit)
    item = cloud.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": "login#ada"}}, ConsistentRead=True
    )
    assert item["Item"]["tries"] == {"N": str(RULE.limit)}


def test_a_guarded_counter_gives_no_try_to_a_caller_the_guard_refuses(table: str, cloud: Cloud) -> None:
    # Given a position owned by Ada, whose PIN tries are guarded by the owner
    cloud.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "pos#1"}, "owner_id": {"S": "ada"}})
    mallory = TryCounter(table=table, key={"pk": "pos#1"}, rule=RULE, require={"owner_id": "mallory"})
    ada = TryCounter(table=table, key={"pk": "pos#1"}, rule=RULE, require={"owner_id": "ada"})
    # When someone else races for its tries, then its owner does
    assert race(mallory) == (0, 0, THREADS)
    # Then the stranger took none of them: the owner still has the whole limit
    assert race(ada)[:2] == (RULE.limit, THREADS - RULE.limit)
