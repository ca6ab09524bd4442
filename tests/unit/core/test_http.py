"""core.http: every failure a client can cause is a 4xx problem document, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from core.errors import Forbidden, NotFound
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
STAFF = {"sub": "s1", "role": "staff"}
ADMIN = {"sub": "a1", "role": "admin"}

# A route's declared `roles` are enforced by BankApp.route before the view runs.
guarded_app = BankApp("unit-roles")
staff_views_run: list[str] = []


@guarded_app.route("/staff/things", methods=["POST"], roles=["staff"])
def staff_thing() -> Any:
    staff_views_run.append(guarded_app.principal().user_id)
    payment = guarded_app.body(Payment)
    return json_response({"amount": payment.amount, "who": guarded_app.principal().user_id})


@pytest.fixture
def staff_views() -> list[str]:
    staff_views_run.clear()
    return staff_views_run


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


@pytest.mark.parametrize("principal", [STAFF, ADMIN], ids=["staff", "admin"])
def test_declared_staff_role_admits_staff_and_admin(
    call_api: Callable[..., Any], staff_views: list[str], principal: dict[str, str]
) -> None:
    response = call_api(guarded_app, "POST", "/staff/things", body={"amount": 5}, principal=principal)
    assert response.status == 200
    assert response.json == {"amount": 5, "who": principal["sub"]}
    assert staff_views == [principal["sub"]]


def test_declared_role_refuses_a_customer_with_a_403_problem_before_the_view(
    call_api: Callable[..., Any], staff_views: list[str]
) -> None:
    # The body is malformed too: the role check comes first, so it is never parsed.
    response = call_api(guarded_app, "POST", "/staff/things", raw_body="{not json", principal=CUSTOMER)
    assert response.status == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json["code"], response.json["status"]) == (Forbidden.code, 403)
    assert response.json["code"] == "forbidden"
    assert response.headers["x-correlation-id"] == "req-unit"
    assert staff_views == []


def test_declared_role_without_authorizer_context_is_401(
    call_api: Callable[..., Any], staff_views: list[str]
) -> None:
    response = call_api(guarded_app, "POST", "/staff/things", body={"amount": 5})
    assert response.status == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json["code"] == "unauthenticated"
    assert staff_views == []


def test_unknown_declared_role_fails_at_decoration() -> None:
    scratch = BankApp("unit-bad-roles")

    def view() -> Any:
        return json_response({})

    with pytest.raises(ValueError, match="superuser"):
        scratch.route("/x", methods=["GET"], roles=["staff", "superuser"])(view)
    with pytest.raises(TypeError):
        scratch.route("/y", methods=["GET"], roles="staff")(view)
    assert scratch.api_docs == {}
    assert scratch.routes == {}


def test_money_formatting() -> None:
    assert format_ngn(100_000) == "₦1,000.00"
    assert format_ngn(5) == "₦0.05"
