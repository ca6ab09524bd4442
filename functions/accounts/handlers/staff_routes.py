"""Staff routes: account search and state, PIN unlock, audit trail, dashboard, interest runs.
Every one checks the staff role here as well as at the gateway."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.app import app
from accounts.models import InterestRun, StaffAction
from accounts.services import accounts as account_service
from accounts.services import staff as service
from core.auth import Principal, Role
from core.http import json_response
from core.pagination import parse_limit


def _staff() -> Principal:
    return app.principal().require(Role.STAFF)


@app.route("/staff/accounts", methods=["GET"])
def search_accounts() -> Response:
    return json_response(
        account_service.search(_staff(), app.query("q") or "", parse_limit(app.query("limit")))
    )


@app.route("/staff/accounts/{number}/block", methods=["POST"])
def staff_block(number: str) -> Response:
    principal = _staff()
    return json_response(
        account_service.change_state(principal, number, "block", app.body(StaffAction).reason)
    )


@app.route("/staff/accounts/{number}/unblock", methods=["POST"])
def staff_unblock(number: str) -> Response:
    principal = _staff()
    return json_response(
        account_service.change_state(principal, number, "unblock", app.body(StaffAction).reason)
    )


@app.route("/staff/accounts/{number}/close", methods=["POST"])
def staff_close(number: str) -> Response:
    principal = _staff()
    return json_response(
        account_service.change_state(principal, number, "close", app.body(StaffAction).reason)
    )


@app.route("/staff/accounts/{number}/pin-unlock", methods=["POST"])
def staff_pin_unlock(number: str) -> Response:
    principal = _staff()
    return json_response(account_service.unlock_pin(principal, number, app.body(StaffAction).reason))


@app.route("/staff/audit", methods=["GET"])
def audit_trail() -> Response:
    return json_response(service.audit_trail(_staff(), app.query("target") or ""))


@app.route("/staff/dashboard", methods=["GET"])
def dashboard() -> Response:
    return json_response(service.dashboard(_staff()))


@app.route("/staff/interest-runs", methods=["POST"])
def interest_run() -> Response:
    principal = _staff()
    return json_response(service.trigger_interest(principal, app.body(InterestRun).month), 201)
