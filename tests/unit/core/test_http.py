"""core.http: every failure a client can cause is a 4xx problem document, never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pydantic import BaseModel
from pynamodb.exceptions import PutError

from core.apidoc import RouteDoc
from core.auth import principal_from_authorizer
from core.config import settings
from core.errors import Forbidden, NotFound, RateLimited
from core.http import MAX_PATH_PARAMETER, BankApp, BankBlueprint, json_response
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


@app.route("/throttled", methods=["GET"])
def throttled() -> Any:
    # What PynamoDB raises once DynamoDB has throttled past the SDK's own retries.
    cause = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
    )
    raise PutError("Failed to put item", cause=cause)


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


def test_dynamodb_busy_past_the_sdk_retries_is_a_503_with_retry_after(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "GET", "/throttled")
    assert response.status == 503
    assert response.json["code"] == "service_unavailable"
    assert response.headers["retry-after"] == "1"


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


# A blueprint's routes get the same roles, body parsing and docs once an app registers them.
things = BankBlueprint(__name__)


@things.route("/things/{thing_id}", methods=["POST"], roles=["staff"], status=201)
def staff_blueprint_thing(thing_id: str) -> Any:
    """Make a thing."""
    payment = things.body(Payment)
    return json_response({"id": thing_id, "amount": payment.amount, "who": things.principal().user_id})


blueprint_app = BankApp("unit-blueprint")
blueprint_app.register_blueprint(things, url_prefix="/staff")


def test_a_blueprint_route_enforces_roles_and_parses_bodies(call_api: Callable[..., Any]) -> None:
    route, params = "/staff/things/{thing_id}", {"path_params": {"thing_id": "t1"}}
    refused = call_api(blueprint_app, "POST", route, body={"amount": 5}, principal=CUSTOMER, **params)
    assert refused.status == 403
    malformed = call_api(blueprint_app, "POST", route, raw_body="{", principal=STAFF, **params)
    assert malformed.json["code"] == "malformed_json"
    response = call_api(blueprint_app, "POST", route, body={"amount": 5}, principal=STAFF, **params)
    assert (response.status, response.json) == (200, {"id": "t1", "amount": 5, "who": "s1"})


def test_a_registered_blueprint_documents_its_routes_under_the_prefix() -> None:
    doc = blueprint_app.api_docs[("/staff/things/{thing_id}", "POST")]
    assert (doc.path, doc.summary, doc.status, list(doc.roles)) == (
        "/staff/things/{thing_id}",
        "Make a thing.",
        201,
        ["staff"],
    )


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


# ---------------------------------------------------------------- Retry-After, CORS origin, client address
@app.route("/slow", methods=["GET"])
def slow() -> Any:
    raise RateLimited(42)


@app.route("/whoami", methods=["GET"])
def whoami() -> Any:
    return json_response({"ip": app.client_ip()})


@pytest.fixture
def allowed_origin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set ALLOWED_ORIGIN for one test; the cached settings are dropped on both sides of it."""

    def set_origin(origin: str) -> None:
        monkeypatch.setenv("ALLOWED_ORIGIN", origin)
        settings.cache_clear()

    settings.cache_clear()
    yield set_origin
    monkeypatch.delenv("ALLOWED_ORIGIN", raising=False)
    settings.cache_clear()


def test_a_problem_that_says_when_to_come_back_carries_retry_after(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "GET", "/slow", principal=CUSTOMER)
    assert (response.status, response.json["code"]) == (429, "rate_limited")
    assert response.json["retry_after_seconds"] == 42
    assert response.headers["retry-after"] == "42"
    # Browsers may read it: the header is exposed to the site's script
    assert "Retry-After" in response.headers["access-control-expose-headers"]


def test_a_problem_without_a_time_to_come_back_has_no_retry_after(call_api: Callable[..., Any]) -> None:
    response = call_api(app, "GET", "/things/{thing_id}", path_params={"thing_id": "x"}, principal=CUSTOMER)
    assert response.status == 404
    assert "retry-after" not in response.headers
    assert "retry_after_seconds" not in response.json


@pytest.mark.usefixtures("allowed_origin")
def test_without_a_configured_origin_any_origin_may_call() -> None:
    from tests.unit.conftest import ApiResponse, FakeContext, proxy_event

    response = ApiResponse(app(proxy_event("GET", "/whoami", principal=CUSTOMER), FakeContext()))
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_configured_site_origin_is_the_only_one_allowed(
    call_api: Callable[..., Any], allowed_origin: Callable[[str], None]
) -> None:
    # Given the site's origin configured (the template's AllowedOrigin)
    allowed_origin("https://bank.example")
    # Then every answer, success or problem, names only that origin
    ok = call_api(app, "GET", "/whoami", principal=CUSTOMER)
    problem = call_api(app, "GET", "/things/{thing_id}", path_params={"thing_id": "x"}, principal=CUSTOMER)
    assert ok.headers["access-control-allow-origin"] == "https://bank.example"
    assert problem.headers["access-control-allow-origin"] == "https://bank.example"


def test_the_client_address_is_the_gateways_never_a_header_the_client_sent(
    call_api: Callable[..., Any],
) -> None:
    response = call_api(
        app,
        "GET",
        "/whoami",
        principal=CUSTOMER,
        source_ip="203.0.113.7",
        headers={"X-Forwarded-For": "198.51.100.1", "X-Real-Ip": "198.51.100.2"},
    )
    assert response.json == {"ip": "203.0.113.7"}


def test_a_request_without_a_source_address_is_from_unknown() -> None:
    from tests.unit.conftest import ApiResponse, FakeContext, proxy_event

    event = proxy_event("GET", "/whoami", principal=CUSTOMER)
    del event["requestContext"]["identity"]
    assert ApiResponse(app(event, FakeContext())).json == {"ip": "unknown"}


# ---------------------------------------------------------------- a password change before anything else
pcr_app = BankApp("unit-pcr")
pcr_views_run: list[str] = []


@pcr_app.route("/accounts", methods=["GET"])
def pcr_accounts() -> Any:
    pcr_views_run.append("accounts")
    return json_response({"ok": True})


@pcr_app.route("/me/password", methods=["POST"], open_before_password_change=True)
def pcr_change_password() -> Any:
    pcr_views_run.append("password")
    return json_response({"who": pcr_app.principal().user_id})


@pcr_app.route("/staff/users", methods=["GET"], roles=["admin"])
def pcr_staff_users() -> Any:
    pcr_views_run.append("users")
    return json_response({"ok": True})


@pcr_app.route("/public", methods=["GET"])
def pcr_public() -> Any:
    pcr_views_run.append("public")
    return json_response({"ok": True})


MUST_CHANGE = {"sub": "a1", "role": "admin", "username": "admin", "pcr": "true"}


@pytest.fixture
def pcr_views() -> list[str]:
    pcr_views_run.clear()
    return pcr_views_run


def test_a_caller_who_must_change_the_password_is_refused_everywhere_else_before_the_view(
    call_api: Callable[..., Any], pcr_views: list[str]
) -> None:
    # Given the first admin, signed in with the generated password (pcr claim)
    for method, path in (("GET", "/accounts"), ("GET", "/staff/users")):
        # When they call any route not marked open before the password change
        response = call_api(pcr_app, method, path, principal=MUST_CHANGE)
        # Then it is a 403 problem saying what to do, and the view never ran
        assert response.status == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json["code"] == "password_change_required"
    assert pcr_views == []


def test_a_route_marked_open_before_the_password_change_answers(
    call_api: Callable[..., Any], pcr_views: list[str]
) -> None:
    response = call_api(pcr_app, "POST", "/me/password", body={}, principal=MUST_CHANGE)
    assert (response.status, response.json) == (200, {"who": "a1"})
    assert pcr_views == ["password"]


@pytest.mark.parametrize("pcr", ["false", "", "no"])
def test_without_the_claim_set_every_route_answers_as_usual(
    call_api: Callable[..., Any], pcr_views: list[str], pcr: str
) -> None:
    principal = {**MUST_CHANGE, "pcr": pcr}
    assert call_api(pcr_app, "GET", "/accounts", principal=principal).status == 200
    assert call_api(pcr_app, "GET", "/staff/users", principal=principal).status == 200
    assert pcr_views == ["accounts", "users"]


def test_a_route_without_a_signed_in_caller_is_not_refused_for_a_password_change(
    call_api: Callable[..., Any], pcr_views: list[str]
) -> None:
    assert call_api(pcr_app, "GET", "/public").status == 200
    assert pcr_views == ["public"]


def test_the_role_check_still_comes_first(call_api: Callable[..., Any], pcr_views: list[str]) -> None:
    customer = {"sub": "u1", "role": "customer", "pcr": "true"}
    response = call_api(pcr_app, "GET", "/staff/users", principal=customer)
    assert (response.status, response.json["code"]) == (403, "forbidden")
    assert pcr_views == []


@pytest.mark.parametrize(("claim", "expected"), [("true", True), ("True", True), ("false", False)])
def test_the_pcr_claim_reaches_the_principal(claim: str, expected: bool) -> None:
    principal = principal_from_authorizer({"sub": "a1", "role": "admin", "pcr": claim})
    assert principal.password_change_required is expected
    assert principal_from_authorizer({"sub": "a1", "role": "admin"}).password_change_required is False


@pytest.mark.parametrize(("context", "expected"), [({"cby": "a0"}, "a0"), ({"cby": ""}, ""), ({}, "")])
def test_a_staff_accounts_creator_reaches_the_principal(context: dict[str, str], expected: str) -> None:
    principal = principal_from_authorizer({"sub": "s9", "role": "staff", **context})
    assert principal.created_by == expected


# ---------------------------------------------------------------- path parameters


@app.route("/echo/{thing_id}", methods=["GET"])
def echo_thing(thing_id: str) -> Any:
    return json_response({"length": len(thing_id)})


def test_a_path_parameter_longer_than_any_id_is_not_found_before_the_view_runs(
    call_api: Callable[..., Any],
) -> None:
    assert MAX_PATH_PARAMETER == 256
    fits = call_api(app, "GET", "/echo/{thing_id}", path_params={"thing_id": "x" * 256}, principal=CUSTOMER)
    assert (fits.status, fits.json) == (200, {"length": 256})
    for length in (257, 300, 5_000):
        response = call_api(
            app, "GET", "/echo/{thing_id}", path_params={"thing_id": "x" * length}, principal=CUSTOMER
        )
        assert (response.status, response.json["code"]) == (404, "not_found"), length
        assert response.headers["content-type"] == "application/problem+json"
        assert "x" * 257 not in response.text  # the parameter is not echoed back


def every_route_with_a_path_parameter() -> list[tuple[str, str, str]]:
    from tools.openapi import service_apps

    return sorted(
        (service, path, method)
        for service, bank_app in service_apps().items()
        for path, methods in bank_app.routes.items()
        if "{" in path
        for method in methods
    )


@pytest.mark.parametrize(("service", "path", "method"), every_route_with_a_path_parameter())
def test_every_route_answers_a_300_character_path_parameter_with_404(
    call_api: Callable[..., Any], service: str, path: str, method: str
) -> None:
    # Given any route of any service, and a caller who may use it (staff for staff routes)
    from tools.openapi import service_apps

    bank_app = service_apps()[service]
    names = re.findall(r"\{(\w+)\}", path)
    who = ADMIN if path.startswith("/staff") else CUSTOMER
    # When every path parameter is 300 characters long, Then 404 not_found: nothing is looked up
    response = call_api(
        bank_app, method, path, path_params={name: "7" * 300 for name in names}, body={}, principal=who
    )
    assert (response.status, response.json["code"]) == (404, "not_found")


# ---------------------------------------------------------------- a documented 202
class Proposal(BaseModel):
    proposal_id: str


def test_a_route_may_document_its_accepted_answer_without_chalice_seeing_the_keyword() -> None:
    scratch = BankApp("unit-accepted")

    @scratch.route("/staff/things/{thing_id}/close", methods=["POST"], roles=["staff"], accepted=Proposal)
    def close(thing_id: str) -> Any:
        return json_response({"proposal_id": "p"}, 202)

    doc = scratch.api_docs[("/staff/things/{thing_id}/close", "POST")]
    assert isinstance(doc, RouteDoc)
    assert doc.accepted is Proposal
    assert RouteDoc(path="/x", method="GET", view="x").accepted is None
