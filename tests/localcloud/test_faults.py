"""The fault-injection plugin (localcloud.faults): rules over HTTP, AWS errors in each service's own
protocol, latency, seeded probability, and which paths pass through it (client calls, calls from Lambda
functions, LocalStack's internal SNS -> SQS delivery)."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tools.cloud import REGION, Cloud

pytestmark = pytest.mark.localcloud

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
Faults = Callable[..., Any]

PUT_APP = """
import os, boto3
from botocore.config import Config

ddb = boto3.client("dynamodb", config=Config(retries={"total_max_attempts": 1}))

def handler(event, context):
    try:
        ddb.put_item(TableName=event["table"], Item={"pk": {"S": event["pk"]}})
    except ddb.exceptions.ClientError as exc:
        return {"error": exc.response["Error"]["Code"]}
    return {"ok": True}
"""


def _request(cloud: Cloud, method: str, path: str = "", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{cloud.url}/_localcloud/faults{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), json.load(response)
    except urllib.error.HTTPError as error:
        return int(error.code), json.load(error)


@pytest.fixture
def faults(cloud: Cloud) -> Iterator[Faults]:
    """`faults(method, path="", body=None)` against the cloud's rules API; every rule is cleared after."""
    yield lambda method, path="", body=None: _request(cloud, method, path, body)
    _request(cloud, "DELETE")


def _client(cloud: Cloud, service: str) -> Any:
    # No retries: each call is exactly one request, so hit counts are exact.
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=cloud.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )


def _table(cloud: Cloud) -> str:
    ddb = cloud.client("dynamodb")
    name = f"faults-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def _error_code(call: Callable[[], Any]) -> str | None:
    try:
        call()
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def test_rules_are_added_listed_and_removed_over_http(faults: Faults) -> None:
    status, rule = faults("POST", body={"service": "sns", "operation": "Publish", "error": "InternalError"})
    assert status == 201
    assert rule["active"] is True and rule["hits"] == 0

    assert [r["id"] for r in faults("GET")[1]["rules"]] == [rule["id"]]
    assert faults("DELETE", f"/{rule['id']}") == (200, {"removed": 1})
    assert faults("DELETE", f"/{rule['id']}")[0] == 404
    assert faults("GET")[1]["rules"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "Publish", "error": "X"},
        {"service": "sns"},
        {"service": "sns", "error": "X", "probability": 2},
        {"service": "sns", "error": "X", "source": "elsewhere"},
        {"service": "sns", "error": "X", "colour": "red"},
    ],
)
def test_an_unusable_rule_is_refused(faults: Faults, body: dict[str, Any]) -> None:
    status, answer = faults("POST", body=body)
    assert status == 400 and answer["error"]
    assert faults("GET")[1]["rules"] == []


def test_dynamodb_throttling_hits_only_the_named_table_and_only_count_times(
    cloud: Cloud, faults: Faults
) -> None:
    # Given a throttling rule on one table, for two requests
    ddb = _client(cloud, "dynamodb")
    target, other = _table(cloud), _table(cloud)
    faults(
        "POST",
        body={
            "service": "dynamodb",
            "operation": "PutItem",
            "resource": target,
            "error": "ProvisionedThroughputExceededException",
            "count": 2,
        },
    )

    def put(table: str) -> Callable[[], Any]:
        return lambda: ddb.put_item(TableName=table, Item={"pk": {"S": uuid.uuid4().hex}})

    # When both tables are written to
    codes = [
        _error_code(put(other)),
        _error_code(put(target)),
        _error_code(put(target)),
        _error_code(put(target)),
    ]

    # Then the other table is untouched and the target fails exactly twice, with DynamoDB's own error
    assert codes == [
        None,
        "ProvisionedThroughputExceededException",
        "ProvisionedThroughputExceededException",
        None,
    ]
    assert faults("GET")[1]["rules"][0]["hits"] == 2


def test_sns_errors_are_serialized_in_the_query_protocol(cloud: Cloud, faults: Faults) -> None:
    sns = _client(cloud, "sns")
    topic = sns.create_topic(Name=f"faults-{uuid.uuid4().hex[:8]}")["TopicArn"]
    faults(
        "POST",
        body={
            "service": "sns",
            "operation": "Publish",
            "error": "AuthorizationError",
            "status": 403,
            "count": 1,
        },
    )

    try:
        sns.publish(TopicArn=topic, Message="m")
        raise AssertionError("publish should have failed")
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AuthorizationError"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert sns.publish(TopicArn=topic, Message="m")["MessageId"]


def test_latency_delays_and_then_serves_the_request(cloud: Cloud, faults: Faults) -> None:
    sqs = _client(cloud, "sqs")
    faults("POST", body={"service": "sqs", "operation": "ListQueues", "latency_ms": 600, "count": 1})

    started = time.monotonic()
    sqs.list_queues()
    slow = time.monotonic() - started
    started = time.monotonic()
    sqs.list_queues()
    fast = time.monotonic() - started

    assert slow >= 0.6 > fast


def test_a_seeded_probability_replays_the_same_failures(cloud: Cloud, faults: Faults) -> None:
    sqs = _client(cloud, "sqs")

    def pattern() -> list[bool]:
        faults("DELETE")
        faults(
            "POST",
            body={"service": "sqs", "operation": "ListQueues", "error": "ServiceUnavailable", "status": 503,
                  "probability": 0.5, "seed": 42},
        )  # fmt: skip
        return [_error_code(sqs.list_queues) is not None for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second
    assert 3 <= sum(first) <= 17


def test_a_duration_ends_the_rule(cloud: Cloud, faults: Faults) -> None:
    sqs = _client(cloud, "sqs")
    faults("POST", body={"service": "sqs", "operation": "ListQueues", "error": "ServiceUnavailable",
                         "status": 503, "duration_s": 1})  # fmt: skip
    assert _error_code(sqs.list_queues) == "ServiceUnavailable"
    time.sleep(1.1)
    assert _error_code(sqs.list_queues) is None
    assert faults("GET")[1]["rules"][0]["active"] is False


def test_calls_from_a_lambda_function_pass_through(cloud: Cloud, faults: Faults) -> None:
    # Given a function that writes to DynamoDB through AWS_ENDPOINT_URL, and a rule on that table
    lam = cloud.client("lambda")
    table = _table(cloud)
    name = f"faults-fn-{uuid.uuid4().hex[:8]}"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", PUT_APP)
    lam.create_function(
        FunctionName=name, Runtime="python3.13", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": archive.getvalue()}, Timeout=10,
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    faults("POST", body={"service": "dynamodb", "operation": "PutItem", "resource": table,
                         "error": "ThrottlingException", "source": "external", "count": 1})  # fmt: skip

    def run() -> Any:
        response = lam.invoke(FunctionName=name, Payload=json.dumps({"table": table, "pk": "a"}))
        return json.loads(response["Payload"].read())

    try:
        # When it runs twice, Then the first write is throttled (seen as an external call) and the second lands
        assert run() == {"error": "ThrottlingException"}
        assert run() == {"ok": True}
        injected = faults("GET")[1]["injected"]
        assert [(i["operation"], i["internal"]) for i in injected] == [("PutItem", False)]
    finally:
        lam.delete_function(FunctionName=name)


def test_sns_to_sqs_delivery_is_an_internal_call_that_passes_through(cloud: Cloud, faults: Faults) -> None:
    # Given a queue subscribed to a topic, and a rule failing LocalStack's own SendMessage to it
    sns, sqs = cloud.client("sns"), cloud.client("sqs")
    topic = sns.create_topic(Name=f"faults-{uuid.uuid4().hex[:8]}")["TopicArn"]
    queue_name = f"faults-{uuid.uuid4().hex[:8]}"
    queue = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    # (a 4xx: LocalStack's internal boto3 client retries a 5xx, so a 500 would be delivered after all)
    faults("POST", body={"service": "sqs", "operation": "SendMessage", "resource": queue_name,
                         "error": "KmsAccessDenied", "status": 400, "source": "internal", "count": 1})  # fmt: skip

    # When two messages are published
    sns.publish(TopicArn=topic, Message="lost")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not faults("GET")[1]["injected"]:
        time.sleep(0.1)
    sns.publish(TopicArn=topic, Message="delivered")

    # Then the delivery of the first failed inside LocalStack (SNS does not retry SQS), the second arrived
    bodies: list[str] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "delivered" not in bodies:
        for message in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(json.loads(message["Body"])["Message"])
    assert bodies == ["delivered"]
    assert [(i["operation"], i["internal"]) for i in faults("GET")[1]["injected"]] == [("SendMessage", True)]
