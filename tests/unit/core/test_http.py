"""core.http: every failure a client can cause is a 4xx problem document, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from core.errors import NotFound
from core.http import BankApp, json_response
from core.money import Kobo, format_ngn

app = BankApp("unit")


class Payment(BaseModel):
    amount: Kobo
    note: str = ""


@app.route("/things", methods=["POST"])
def create_thing() -> Any:
    payment = app.body(Payment)
    return json_response({"amount": payment.amount, "who": app.principal().user_id}, 201)


@app.route("/things/{thing_id}", methods=["GET"])
def get_thing(thing_id: str) -> Any:
    raise NotFound(f"No thing {thing_id}")


@app.route("/boom", methods=["GET"])
def boom() -> Any:
    raise RuntimeError("bug")


CUSTOMER = {"sub": "u1", "role": "customer"}


def test_valid_body_and_principal(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "POST", "/things", body={"amount": 5000}, principal=CUSTOMER)
    assert response.status == 201
    assert response.json == {"amount": 5000, "who": "u1"}
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ("[1,2]", 400, "malformed_json"),
        ("[" * 100_000 + "]" * 100_000, 413, "body_too_large"),
        ("[" * 30_000 + "]" * 30_000, 400, "malformed_json"),
        ('{"amount": -5}', 400, "validation_failed"),
        ('{"amount": 1.5}', 400, "validation_failed"),
        ('{"amount": "100"}', 400, "validation_failed"),
        ('{"amount": 10000000000000000000000}', 400, "validation_failed"),
    ],
)
def test_bad_bodies_are_problems(call_api: Callable[..., Any], raw: str, status: int, code: str) -> None:
    response = call_api(app, "POST", "/things", raw_body=raw, principal=CUSTOMER)
    assert response.status == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json["code"] == code
    assert response.json["status"] == status


def test_wrong_content_type_is_415(call_api: Callable[..., Any]) -> None:
    response = call_api(
        app,
        "POST",
        "/things",
        raw_body="amount=5",
        headers={"Content-Type": "text/plain"},
        principal=CUSTOMER,
    )
    assert (response.status, response.json["code"]) == (415, "unsupported_media_type")


def test_missing_principal_is_401(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "POST", "/things", body={"amount": 5000})
    assert (response.status, response.json["code"]) == (401, "unauthenticated")


def test_domain_error_maps_to_its_status(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "GET", "/things/{thing_id}", path_params={"thing_id": "x"}, principal=CUSTOMER)
    assert (response.status, response.json["code"], response.json["detail"]) == (
        404,
        "not_found",
        "No thing x",
    )


def test_unexpected_error_is_a_500_problem_without_internals(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "GET", "/boom", headers={"X-Correlation-Id": "corr-1"})
    assert response.status == 500
    assert response.json["code"] == "internal_error"
    assert response.json["correlation_id"] == "corr-1"
    assert "bug" not in response.text


def test_money_formatting() -> None:
    assert format_ngn(100_000) == "₦1,000.00"
    assert format_ngn(5) == "₦0.05"
