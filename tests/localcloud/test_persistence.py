"""The persistence hooks: all LocalStack state, S3 object bodies included, survives a stop and start on
the same state dir; a half-written save is never loaded; an unreadable or wiped state dir gives an empty
cloud."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools.cloud import Cloud

pytestmark = pytest.mark.localcloud

Client = Any  # boto3 clients are generated at run time
CloudFactory = Callable[..., Cloud]

BUCKET = "persist-bucket"
TABLE = "persist-table"
ROLE = "arn:aws:iam::000000000000:role/persist-role"
FUNCTION = "persist-fn"

HANDLER = """
import os

import boto3


def handler(event, context):
    if event.get("type") == "TOKEN":
        effect = "Allow" if event["authorizationToken"] == "allow" else "Deny"
        statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
        return {"principalId": "user", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
    if "Records" in event:
        s3 = boto3.client("s3")
        for record in event["Records"]:
            s3.put_object(Bucket=os.environ["BUCKET"], Key="esm/" + record["body"], Body=b"done")
        return {}
    return {"echo": event["value"]}
"""


def _wait_until[T](probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (result := probe()) is not None:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _queue_arn(sqs: Client, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _receive_body(sqs: Client, url: str, wait: int = 5) -> str | None:
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", [])
    return str(messages[0]["Body"]) if messages else None


@dataclass
class Resources:
    """What the first cloud created and the second must still have."""

    big_body: bytes
    stream_arn: str
    inflight_receipt: str
    api_id: str
    topic_arn: str


def _create_resources(cloud: Cloud) -> Resources:
    ddb, s3, sqs, sns = (cloud.client(name) for name in ("dynamodb", "s3", "sqs", "sns"))
    table = ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-owner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "acct#1"}, "owner": {"S": "ada"}, "balance": {"N": "42"}})

    # S3 keeps bodies up to 512 KB in memory and larger ones in anonymous files: cover both.
    big_body = os.urandom(300 * 1024)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="big.bin", Body=big_body)
    s3.put_object(Bucket=BUCKET, Key="spooled.bin", Body=big_body * 2)
    s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"small \x00\xff")

    plain = sqs.create_queue(QueueName="persist-plain")["QueueUrl"]
    sqs.send_message(QueueUrl=plain, MessageBody="waiting in the queue")

    cloud.client("secretsmanager").create_secret(Name="persist/secret", SecretString='{"password": "s3cr3t"}')

    topic_arn = sns.create_topic(Name="persist-topic")["TopicArn"]
    subscribed = sqs.create_queue(QueueName="persist-subscribed")["QueueUrl"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=_queue_arn(sqs, subscribed),
        Attributes={"RawMessageDelivery": "true"},
    )

    events_queue = sqs.create_queue(QueueName="persist-events")["QueueUrl"]
    events = cloud.client("events")
    events.put_rule(Name="persist-rule", EventPattern=json.dumps({"source": ["bank.persist"]}))
    events.put_targets(Rule="persist-rule", Targets=[{"Id": "queue", "Arn": _queue_arn(sqs, events_queue)}])

    api_id = _create_mock_api(cloud.client("apigateway"))
    assert _http_get(f"{cloud.url}/_aws/execute-api/{api_id}/dev/ping") == (200, b'{"pong": true}')

    # Received last, with a long visibility timeout, so it is still in flight when the cloud stops.
    inflight = sqs.create_queue(QueueName="persist-inflight", Attributes={"VisibilityTimeout": "300"})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=inflight, MessageBody="in flight")
    receipt = sqs.receive_message(QueueUrl=inflight)["Messages"][0]["ReceiptHandle"]
    return Resources(big_body, table["TableDescription"]["LatestStreamArn"], receipt, api_id, topic_arn)


def _create_mock_api(apigateway: Client) -> str:
    api_id = str(apigateway.create_rest_api(name="persist-api")["id"])
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="ping")["id"]
    method = {"restApiId": api_id, "resourceId": resource, "httpMethod": "GET"}
    apigateway.put_method(**method, authorizationType="NONE")
    apigateway.put_integration(
        **method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigateway.put_method_response(**method, statusCode="200")
    apigateway.put_integration_response(
        **method, statusCode="200", responseTemplates={"application/json": '{"pong": true}'}
    )
    apigateway.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def _plant_half_written_saves(state: Path) -> None:
    """What a save killed mid-way leaves: a temp folder and a snapshot that `current` never pointed to."""
    for name in (".tmp-crashed", "snapshot-9999999999999999999"):
        (state / name).mkdir()
        (state / name / "manifest.json").write_text('{"format": 1, "services": {"s3": [{"key"')


def test_state_survives_restart(fresh_cloud_factory: CloudFactory, tmp_path: Path) -> None:
    first = fresh_cloud_factory(tmp_path / "cloud")
    first.start()
    created = _create_resources(first)
    first.stop()

    state = tmp_path / "cloud" / "state"
    _plant_half_written_saves(state)
    second = fresh_cloud_factory(tmp_path / "cloud")
    second.start()

    ddb = second.client("dynamodb")
    item = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "acct#1"}})["Item"]
    assert item["balance"] == {"N": "42"}
    by_owner = ddb.query(
        TableName=TABLE,
        IndexName="by-owner",
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": "ada"}},
    )["Items"]
    assert [found["pk"]["S"] for found in by_owner] == ["acct#1"]
    streams = second.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=created.stream_arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=created.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [("INSERT", "acct#1")]

    s3 = second.client("s3")
    assert s3.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == created.big_body
    assert s3.get_object(Bucket=BUCKET, Key="spooled.bin")["Body"].read() == created.big_body * 2
    assert s3.get_object(Bucket=BUCKET, Key="small.txt")["Body"].read() == b"small \x00\xff"

    sqs = second.client("sqs")
    assert (
        _receive_body(sqs, sqs.get_queue_url(QueueName="persist-plain")["QueueUrl"]) == "waiting in the queue"
    )
    inflight = sqs.get_queue_url(QueueName="persist-inflight")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=inflight), "an in-flight message became visible"
    # The old receipt handle still names the message: releasing it makes it visible again.
    sqs.change_message_visibility(
        QueueUrl=inflight, ReceiptHandle=created.inflight_receipt, VisibilityTimeout=0
    )
    again = sqs.receive_message(QueueUrl=inflight, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert (again["Body"], again["Attributes"]["ApproximateReceiveCount"]) == ("in flight", "2")

    secret = second.client("secretsmanager").get_secret_value(SecretId="persist/secret")
    assert json.loads(secret["SecretString"]) == {"password": "s3cr3t"}

    second.client("sns").publish(TopicArn=created.topic_arn, Message="after restart")
    assert (
        _receive_body(sqs, sqs.get_queue_url(QueueName="persist-subscribed")["QueueUrl"]) == "after restart"
    )

    second.client("events").put_events(
        Entries=[{"Source": "bank.persist", "DetailType": "check", "Detail": '{"n": 1}'}]
    )
    event_body = _receive_body(sqs, sqs.get_queue_url(QueueName="persist-events")["QueueUrl"])
    assert event_body is not None and json.loads(event_body)["detail"] == {"n": 1}

    url = f"{second.url}/_aws/execute-api/{created.api_id}/dev/ping"
    assert _http_get(url) == (200, b'{"pong": true}')

    second.stop()
    leftovers = sorted(path.name for path in state.iterdir() if path.name != "current")
    assert len(leftovers) == 1 and leftovers[0].startswith("snapshot-"), leftovers
    assert (state / "current").resolve().name == leftovers[0]


def _assert_empty(cloud: Cloud) -> None:
    assert cloud.client("s3").list_buckets()["Buckets"] == []
    assert cloud.client("sqs").list_queues().get("QueueUrls", []) == []


def test_unreadable_or_wiped_state_gives_empty_cloud(
    fresh_cloud_factory: CloudFactory, tmp_path: Path
) -> None:
    state = tmp_path / "cloud" / "state"
    first = fresh_cloud_factory(tmp_path / "cloud")
    first.start()
    first.client("s3").create_bucket(Bucket=BUCKET)
    first.stop()
    snapshot = (state / "current").resolve()
    (snapshot / "manifest.json").write_text("{not json")

    second = fresh_cloud_factory(tmp_path / "cloud")
    second.start()
    _assert_empty(second)
    # The unreadable snapshot is kept for inspection, out of the way of later saves.
    assert (state / f"unreadable-{snapshot.name}" / "manifest.json").read_text() == "{not json"
    second.client("sqs").create_queue(QueueName="persist-plain")
    second.stop()
    assert (state / "current" / "sqs").is_dir()

    shutil.rmtree(tmp_path / "cloud")  # what `make reset` does to the cloud's folder
    third = fresh_cloud_factory(tmp_path / "cloud")
    third.start()
    _assert_empty(third)


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", HANDLER)
    return buffer.getvalue()


def _invoke(lambda_client: Client, payload: dict[str, Any]) -> dict[str, Any]:
    response = lambda_client.invoke(FunctionName=FUNCTION, Payload=json.dumps(payload).encode())
    assert "FunctionError" not in response, response["Payload"].read()
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def _create_authorized_api(cloud: Cloud, function_arn: str) -> str:
    """A REST API whose MOCK method is guarded by a TOKEN authorizer (the same function)."""
    apigateway = cloud.client("apigateway")
    api_id = str(apigateway.create_rest_api(name="persist-auth-api")["id"])
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    authorizer = apigateway.create_authorizer(
        restApiId=api_id,
        name="token",
        type="TOKEN",
        authorizerUri=uri,
        identitySource="method.request.header.Authorization",
        authorizerResultTtlInSeconds=0,
    )["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    method = {"restApiId": api_id, "resourceId": root, "httpMethod": "GET"}
    apigateway.put_method(**method, authorizationType="CUSTOM", authorizerId=authorizer)
    apigateway.put_integration(
        **method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
    )
    apigateway.put_method_response(**method, statusCode="200")
    apigateway.put_integration_response(
        **method, statusCode="200", responseTemplates={"application/json": '{"open": true}'}
    )
    apigateway.create_deployment(restApiId=api_id, stageName="dev")
    return api_id


def _assert_authorizer_enforced(cloud: Cloud, api_id: str) -> None:
    url = f"{cloud.url}/_aws/execute-api/{api_id}/dev/"
    assert _http_get(url)[0] == 401
    assert _http_get(url, {"Authorization": "deny"})[0] == 403
    assert _http_get(url, {"Authorization": "allow"}) == (200, b'{"open": true}')


def _wait_for_esm_object(s3: Client, key: str) -> None:
    def probe() -> bool | None:
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"esm/{key}").get("Contents", [])
        return True if listed else None

    _wait_until(probe, 30, f"the event source mapping to handle {key}")


def test_lambda_and_its_event_source_mapping_survive_restart(
    fresh_cloud_factory: CloudFactory, tmp_path: Path
) -> None:
    first = fresh_cloud_factory(tmp_path / "cloud")
    first.start()
    s3, sqs, lambda_client = (first.client(name) for name in ("s3", "sqs", "lambda"))
    s3.create_bucket(Bucket=BUCKET)
    function_arn = lambda_client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.13",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": _function_zip()},
        Environment={"Variables": {"BUCKET": BUCKET}},
        Timeout=30,
    )["FunctionArn"]
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)
    assert _invoke(lambda_client, {"value": 1}) == {"echo": 1}
    queue = sqs.create_queue(QueueName="persist-esm")["QueueUrl"]
    lambda_client.create_event_source_mapping(
        EventSourceArn=_queue_arn(sqs, queue), FunctionName=FUNCTION, BatchSize=1
    )
    sqs.send_message(QueueUrl=queue, MessageBody="before")
    _wait_for_esm_object(s3, "before")
    api_id = _create_authorized_api(first, function_arn)
    _assert_authorizer_enforced(first, api_id)
    first.stop()

    second = fresh_cloud_factory(tmp_path / "cloud")
    second.start()
    lambda_client = second.client("lambda")
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=FUNCTION)
    assert _invoke(lambda_client, {"value": 2}) == {"echo": 2}
    sqs = second.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="persist-esm")["QueueUrl"], MessageBody="after")
    _wait_for_esm_object(second.client("s3"), "after")
    _assert_authorizer_enforced(second, api_id)
