"""REST API Lambda authorizers and gateway responses, through LocalStack's real gateway.

A SAM stack (deployed through CloudFormation) has a TOKEN authorizer as the API's default, a REQUEST
authorizer on one route, an open route, and a DEFAULT_4XX gateway response that adds a CORS header. Every
route proxies to an echo function that returns its event, so the tests see exactly what the integration got.
The authorizers put a fresh nonce in their context: the same nonce on two calls means the second was served
from the authorizer cache without invoking the function.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tools.cloud import REGION, Cloud

pytestmark = pytest.mark.localcloud

ACCOUNT = "000000000000"
STAGE = "dev"
STACK = "authorizer-test"
TOKEN_TTL_SECONDS = 300

TOKEN_AUTHORIZER = """
import uuid


def handler(event, context):
    token = event["authorizationToken"]
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "broken":
        raise ValueError("a bug in the authorizer")
    api_arn = event["methodArn"].split("/")[0]
    # "scoped" may only POST, so a GET finds no matching Allow.
    resource = api_arn + "/*/POST/*" if token == "scoped" else api_arn + "/*"
    statement = {
        "Action": "execute-api:Invoke",
        "Effect": "Deny" if token == "deny" else "Allow",
        "Resource": resource,
    }
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {
            "customerId": token.removeprefix("allow-"),
            "verified": True,
            "tier": 2,
            "nonce": uuid.uuid4().hex,
            "eventType": event["type"],
            "methodArn": event["methodArn"],
        },
    }
"""

REQUEST_AUTHORIZER = """
import uuid


def handler(event, context):
    device = {k.lower(): v for k, v in event["headers"].items()}.get("x-device")
    session = (event.get("queryStringParameters") or {}).get("session")
    allowed = device == "phone-1" and session == "s3cret"
    return {
        "principalId": "device-" + str(device),
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": {
            "nonce": uuid.uuid4().hex,
            "eventType": event["type"],
            "resource": event["resource"],
            "path": event["path"],
            "apiId": event["requestContext"]["apiId"],
        },
    }
"""

ECHO = """
import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
        "body": json.dumps(event),
    }
"""


def _function(code: str, events: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Runtime": "python3.13",
        "Handler": "index.handler",
        "InlineCode": code,
        "Timeout": 15,
    }
    if events:
        properties["Events"] = events
    return {"Type": "AWS::Serverless::Function", "Properties": properties}


def _route(path: str, auth: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"RestApiId": {"Ref": "BankApi"}, "Path": path, "Method": "GET"}
    if auth:
        properties["Auth"] = {"Authorizer": auth}
    return {"Type": "Api", "Properties": properties}


TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "BankApi": {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "StageName": STAGE,
                "Auth": {
                    "DefaultAuthorizer": "TokenAuth",
                    "Authorizers": {
                        "TokenAuth": {
                            "FunctionArn": {"Fn::GetAtt": ["TokenAuthFunction", "Arn"]},
                            "Identity": {
                                "Header": "Authorization",
                                "ValidationExpression": "^[a-z-]+$",
                                "ReauthorizeEvery": TOKEN_TTL_SECONDS,
                            },
                        },
                        "DeviceAuth": {
                            "FunctionPayloadType": "REQUEST",
                            "FunctionArn": {"Fn::GetAtt": ["DeviceAuthFunction", "Arn"]},
                            "Identity": {
                                "Headers": ["X-Device"],
                                "QueryStrings": ["session"],
                                "ReauthorizeEvery": 0,
                            },
                        },
                    },
                },
                "GatewayResponses": {
                    "DEFAULT_4XX": {
                        "ResponseParameters": {"Headers": {"Access-Control-Allow-Origin": "'*'"}},
                    },
                },
            },
        },
        "TokenAuthFunction": _function(TOKEN_AUTHORIZER),
        "DeviceAuthFunction": _function(REQUEST_AUTHORIZER),
        "EchoFunction": _function(
            ECHO,
            {
                "Accounts": _route("/accounts/{id}"),
                "Devices": _route("/devices", auth="DeviceAuth"),
                "Public": _route("/public", auth="NONE"),
            },
        ),
    },
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Api:
    url: str
    api_id: str

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        request = urllib.request.Request(f"{self.url}{path}", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Reply(response.status, dict(response.headers), json.load(response))
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), json.loads(error.read()))

    def authorizer_context(self, path: str, headers: dict[str, str]) -> dict[str, Any]:
        """requestContext.authorizer of the event the echo function received; the call must succeed."""
        reply = self.get(path, headers)
        assert reply.status == 200, reply
        return dict(reply.body["requestContext"]["authorizer"])


@pytest.fixture(scope="module")
def api(cloud: Cloud) -> Iterator[Api]:
    cfn = cloud.client("cloudformation")
    cfn.create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(TEMPLATE),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + 180
    status = "CREATE_IN_PROGRESS"
    while status == "CREATE_IN_PROGRESS" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    if status != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=STACK)["StackEvents"]
        reasons = [(e["LogicalResourceId"], e.get("ResourceStatusReason")) for e in events]
        pytest.fail(f"stack ended {status}: {reasons}\n{cloud.log_tail()}")
    api_id = cfn.describe_stack_resource(StackName=STACK, LogicalResourceId="BankApi")["StackResourceDetail"][
        "PhysicalResourceId"
    ]
    yield Api(url=f"{cloud.url}/_aws/execute-api/{api_id}/{STAGE}", api_id=api_id)
    cfn.delete_stack(StackName=STACK)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": token}


# --- TOKEN authorizer --------------------------------------------------------------------------------


def test_missing_token_is_401_with_the_gateway_response_cors_header(api: Api) -> None:
    reply = api.get("/accounts/42")

    assert reply.status == 401
    assert reply.body == {"message": "Unauthorized"}
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"


def test_authorizer_raising_unauthorized_is_401(api: Api) -> None:
    reply = api.get("/accounts/42", _bearer("unauthorized"))

    assert reply.status == 401
    assert reply.body == {"message": "Unauthorized"}
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"


def test_token_failing_the_validation_expression_is_401(api: Api) -> None:
    # The function would allow this token; only the expression ^[a-z-]+$ rejects it.
    reply = api.get("/accounts/42", _bearer("Allow-Alice"))

    assert reply.status == 401
    assert reply.body == {"message": "Unauthorized"}


def test_deny_policy_is_403_with_the_explicit_deny_message(api: Api) -> None:
    reply = api.get("/accounts/42", _bearer("deny"))

    assert reply.status == 403
    assert reply.body == {"Message": "User is not authorized to access this resource with an explicit deny"}
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"


def test_allow_for_another_method_only_is_403(api: Api) -> None:
    reply = api.get("/accounts/42", _bearer("scoped"))

    assert reply.status == 403
    assert reply.body == {"Message": "User is not authorized to access this resource"}


def test_failing_authorizer_is_500_without_the_4xx_cors_header(api: Api) -> None:
    reply = api.get("/accounts/42", _bearer("broken"))

    assert reply.status == 500
    assert reply.body == {"message": None}
    # DEFAULT_4XX does not apply to AUTHORIZER_CONFIGURATION_ERROR, a 5XX response.
    assert "Access-Control-Allow-Origin" not in reply.headers


def test_allow_passes_principal_and_context_to_the_integration(api: Api) -> None:
    authorizer = api.authorizer_context("/accounts/42", _bearer("allow-alice"))

    assert authorizer["principalId"] == "user-allow-alice"
    assert authorizer["customerId"] == "alice"
    # REST APIs hand the context to the integration as strings.
    assert authorizer["verified"] == "true"
    assert authorizer["tier"] == "2"
    assert isinstance(authorizer["integrationLatency"], int)
    assert authorizer["eventType"] == "TOKEN"
    assert authorizer["methodArn"] == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.api_id}/{STAGE}/GET/accounts/42"
    )


def test_token_result_is_cached_per_token_within_the_ttl(api: Api) -> None:
    first = api.authorizer_context("/accounts/1", _bearer("allow-carol"))
    second = api.authorizer_context("/accounts/2", _bearer("allow-carol"))
    other = api.authorizer_context("/accounts/1", _bearer("allow-dave"))

    assert second["nonce"] == first["nonce"], "the second call re-invoked the authorizer"
    assert second["integrationLatency"] == 0
    assert other["nonce"] != first["nonce"], "a different token was served another token's result"
    # The cached policy is evaluated against each request's own ARN.
    assert second["methodArn"].endswith("/GET/accounts/1")


def test_route_without_authorizer_is_open(api: Api) -> None:
    reply = api.get("/public")

    assert reply.status == 200
    assert not reply.body["requestContext"].get("authorizer")


# --- REQUEST authorizer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/devices?session=s3cret", {}),
        ("/devices", {"X-Device": "phone-1"}),
        ("/devices?session=", {"X-Device": "phone-1"}),
    ],
    ids=["no-header", "no-query", "empty-query"],
)
def test_request_authorizer_missing_source_is_401(api: Api, path: str, headers: dict[str, str]) -> None:
    reply = api.get(path, headers)

    assert reply.status == 401
    assert reply.body == {"message": "Unauthorized"}
    assert reply.headers.get("Access-Control-Allow-Origin") == "*"


def test_request_authorizer_wrong_values_are_403(api: Api) -> None:
    reply = api.get("/devices?session=guess", {"X-Device": "phone-1"})

    assert reply.status == 403
    assert reply.body == {"Message": "User is not authorized to access this resource with an explicit deny"}


def test_request_authorizer_right_values_get_the_request_event(api: Api) -> None:
    headers = {"X-Device": "phone-1"}
    first = api.authorizer_context("/devices?session=s3cret", headers)
    second = api.authorizer_context("/devices?session=s3cret", headers)

    assert first["principalId"] == "device-phone-1"
    assert first["eventType"] == "REQUEST"
    assert first["resource"] == "/devices"
    assert first["path"] == "/devices"
    assert first["apiId"] == api.api_id
    # ReauthorizeEvery: 0 turns the cache off, so each call invokes the authorizer.
    assert second["nonce"] != first["nonce"]
