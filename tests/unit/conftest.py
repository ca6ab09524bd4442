"""Unit-test plumbing: moto in-process AWS (never LocalStack) and API Gateway proxy events."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# boto3 must reach moto, not a LocalStack a developer may have running.
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_METRICS_NAMESPACE": "ArhanFinancialTest",
        "POWERTOOLS_SERVICE_NAME": "unit",
        "SECRET_PREFIX": "arhan-test",
    }
)


class ApiResponse:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.status = int(raw["statusCode"])
        self.headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
        body = raw.get("body") or ""
        self.text = body
        self.json: Any = json.loads(body) if body and "json" in self.headers.get("content-type", "") else None


class FakeContext:
    function_name = "unit"
    aws_request_id = "req-unit"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:unit"
    memory_limit_in_mb = "512"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def proxy_event(
    method: str,
    resource: str,
    *,
    path_params: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    principal: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the gateway builds it (authorizer context included);
    `source_ip` is the caller's address as the gateway saw it (`requestContext.identity.sourceIp`)."""
    path = resource
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", value)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "req-unit",
            "identity": {"sourceIp": source_ip},
            "authorizer": ({**principal, "principalId": principal.get("sub", "")} if principal else None),
        },
        "body": raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
        "isBase64Encoded": False,
    }


@pytest.fixture
def call_api() -> Callable[..., ApiResponse]:
    """`call_api(app, "POST", "/transfers", body=..., principal={"sub": "u1", "role": "customer"})`."""

    def call(
        app: Callable[[dict[str, Any], Any], dict[str, Any]], method: str, resource: str, **kw: Any
    ) -> ApiResponse:
        return ApiResponse(app(proxy_event(method, resource, **kw), FakeContext()))

    return call


@pytest.fixture
def aws() -> Iterator[None]:
    """Every AWS call inside the test goes to moto."""
    from moto import mock_aws

    with mock_aws():
        yield
