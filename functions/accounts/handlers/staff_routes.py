"""Staff routes: account search and state, PIN unlock, audit trail, dashboard, interest runs.
Every one declares `roles=["staff"]`, which `BankApp.route` enforces before the view runs."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.app import app
from accounts.domain import errors as e
from accounts.models import (
    AccountSearchPage,
    AccountView,
    AuditTrail,
    Dashboard,
    InterestRun,
    InterestRunSummary,
    PinUnlocked,
    StaffAction,
)
from accounts.services import accounts as account_service
from accounts.services import staff as service
from core.apidoc import PAGE
from core.http import json_response
from core.pagination import parse_limit

STATE_ERRORS = [e.AccountNotFound, e.AccountChanged, e.AccountNotReady]


@app.route(
    "/staff/accounts",
    methods=["GET"],
    response=AccountSearchPage,
    roles=["staff"],
    query={"q": {"type": "string", "maxLength": 100}, "limit": PAGE["limit"]},
)
def search_accounts() -> Response:
    return json_response(
        account_service.search(app.principal(), app.query("q") or "", parse_limit(app.query("limit")))
    )


@app.route(
    "/staff/accounts/{number}/block",
    methods=["POST"],
    request=StaffAction,
    response=AccountView,
    roles=["staff"],
    errors=[*STATE_ERRORS, e.AccountAlreadyBlocked, e.AccountClosed],
)
def staff_block(number: str) -> Response:
    principal = app.principal()
    return json_response(
        account_service.change_state(principal, number, "block", app.body(StaffAction).reason)
    )


@app.route(
    "/staff/accounts/{number}/unblock",
    methods=["POST"],
    request=StaffAction,
    response=AccountView,
    roles=["staff"],
    errors=[*STATE_ERRORS, e.AccountNotBlocked, e.AccountClosed],
)
def staff_unblock(number: str) -> Response:
    principal = app.principal()
    return json_response(
        account_service.change_state(principal, number, "unblock", app.body(StaffAction).reason)
    )


@app.route(
    "/staff/accounts/{number}/close",
    methods=["POST"],
    request=StaffAction,
    response=AccountView,
    roles=["staff"],
    errors=[*STATE_ERRORS, e.AccountClosed, e.AccountNotEmpty],
)
def staff_close(number: str) -> Response:
    principal = app.principal()
    return json_response(
        account_service.change_state(principal, number, "close", app.body(StaffAction).reason)
    )


@app.route(
    "/staff/accounts/{number}/pin-unlock",
    methods=["POST"],
    request=StaffAction,
    response=PinUnlocked,
    roles=["staff"],
    errors=[e.AccountNotFound],
)
def staff_pin_unlock(number: str) -> Response:
    principal = app.principal()
    return json_response(account_service.unlock_pin(principal, number, app.body(StaffAction).reason))


@app.route(
    "/staff/audit",
    methods=["GET"],
    response=AuditTrail,
    roles=["staff"],
    query={
        "target": {
            "type": "string",
            "description": "account:<number>, loan:<id>, ticket:<id>, interest:<month>",
        }
    },
)
def audit_trail() -> Response:
    return json_response(service.audit_trail(app.principal(), app.query("target") or ""))


@app.route("/staff/dashboard", methods=["GET"], response=Dashboard, roles=["staff"])
def dashboard() -> Response:
    return json_response(service.dashboard(app.principal()))


@app.route(
    "/staff/interest-runs",
    methods=["POST"],
    request=InterestRun,
    response=InterestRunSummary,
    status=201,
    roles=["staff"],
    errors=[e.MonthInvalid],
)
def interest_run() -> Response:
    principal = app.principal()
    return json_response(service.trigger_interest(principal, app.body(InterestRun).month), 201)
