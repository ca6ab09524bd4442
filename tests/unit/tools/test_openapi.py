"""The API document: generated from the code, committed, valid OpenAPI 3.1, equal to the gateway's routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from openapi_spec_validator import validate

from core.http import BankApp
from tools import openapi

MONEY_ROUTES = {
    ("/transfers", "POST"),
    ("/payment-requests", "POST"),
    ("/loans/{loan_id}/repayments", "POST"),
}
# Routes whose answer is not one of our models: liveness probes, the JWKS and this document itself.
FREE_FORM = {"/health", "/identity/health", "/accounts/health", "/payments/health", "/ledger/health"}
FREE_FORM |= {"/.well-known/jwks.json", "/openapi.json"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.build()


def test_the_committed_document_is_what_the_code_generates(document: dict[str, Any]) -> None:
    # Given the code as it is, when the document is generated, then it equals the committed file.
    assert openapi.OUTPUT.read_text() == openapi.render(document), "run `make openapi` and commit"


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_gateway_route_is_documented_and_nothing_else(document: dict[str, Any]) -> None:
    deployed = set(openapi.template_routes())
    documented = set(openapi.operations(document))
    assert deployed - documented == set(), "routes in the template but not in the document"
    assert documented - deployed == set(), "routes in the document that the gateway does not serve"


def test_a_route_missing_from_the_template_is_detected() -> None:
    # Given an app with a route the template does not have, the comparison shows it.
    extra = BankApp("extra")

    @extra.route("/not-in-template", methods=["GET"])
    def nowhere() -> None:
        """Nothing."""

    document = openapi.build({"extra": extra})
    assert set(openapi.operations(document)) - set(openapi.template_routes()) == {("/not-in-template", "GET")}


def test_auth_follows_the_template(document: dict[str, Any]) -> None:
    gateway = openapi.template_routes()
    for (path, method), route in gateway.items():
        operation = document["paths"][path][method.lower()]
        if route.public:
            assert operation["security"] == [], (path, method)
            unauthorized = json.dumps(operation["responses"].get("401", {}))
            assert "GatewayError" not in unauthorized, (path, method)
            assert '"unauthenticated"' not in unauthorized, (path, method)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            codes = operation["responses"]["401"]["content"]["application/problem+json"]["schema"]["allOf"][1]
            assert "unauthenticated" in codes["properties"]["code"]["enum"]
        assert operation["x-function"] == route.function


def test_role_restricted_routes_document_403_and_their_roles(document: dict[str, Any]) -> None:
    for path, method in openapi.operations(document):
        operation = document["paths"][path][method.lower()]
        if path.startswith("/staff/"):
            assert operation.get("x-roles") in (["staff"], ["admin"]), (path, method)
        if operation.get("x-roles"):
            assert "403" in operation["responses"], (path, method)


def test_money_routes_require_an_idempotency_key(document: dict[str, Any]) -> None:
    key = {"$ref": "#/components/parameters/IdempotencyKey"}
    for path, method in openapi.operations(document):
        parameters = document["paths"][path][method.lower()]["parameters"]
        assert (key in parameters) == ((path, method) in MONEY_ROUTES), (path, method)
    assert document["components"]["parameters"]["IdempotencyKey"]["required"] is True


def test_every_route_has_a_model_and_documented_problems(document: dict[str, Any]) -> None:
    for path, method in openapi.operations(document):
        operation = document["paths"][path][method.lower()]
        # A four-eyes route also documents its 202 (a proposal) beside the action's own answer.
        statuses = [status for status in operation["responses"] if status.startswith("2")]
        success = [status for status in statuses if status != "202"] or statuses
        assert len(success) == 1, (path, method)
        body = operation["responses"][success[0]].get("content", {}).get("application/json")
        if path not in FREE_FORM and success[0] != "204":
            assert "$ref" in body["schema"], f"{method} {path} has no response model"
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], (path, method, status)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(operation["responses"]), (path, method)


def test_error_examples_are_problem_documents(document: dict[str, Any]) -> None:
    for code, example in document["components"]["examples"].items():
        value = example["value"]
        assert value["code"] == code
        assert value["type"].endswith("/" + code)
        assert 400 <= value["status"] < 600


def test_the_identity_function_serves_the_committed_document(call_api: Callable[..., Any]) -> None:
    from identity.app import app

    response = call_api(app, "GET", "/openapi.json")
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json == json.loads(openapi.OUTPUT.read_text())
