"""Customer account routes: open, list, detail, block and unblock an own account."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.app import app
from accounts.models import BlockRequest, OpenAccount, UnblockRequest
from accounts.services import accounts as service
from core.http import json_response
from core.pagination import parse_limit


@app.route("/accounts", methods=["POST"])
def open_account() -> Response:
    return json_response(service.open_account(app.principal(), app.body(OpenAccount)), 201)


@app.route("/accounts", methods=["GET"])
def list_accounts() -> Response:
    return json_response(
        service.list_accounts(
            app.principal(), app.query("owner_id"), parse_limit(app.query("limit")), app.query("cursor")
        )
    )


@app.route("/accounts/{number}", methods=["GET"])
def get_account(number: str) -> Response:
    return json_response(service.get_account(app.principal(), number))


@app.route("/accounts/{number}/block", methods=["POST"])
def block_account(number: str) -> Response:
    principal = app.principal()
    return json_response(service.change_state(principal, number, "block", app.body(BlockRequest).reason))


@app.route("/accounts/{number}/unblock", methods=["POST"])
def unblock_account(number: str) -> Response:
    principal = app.principal()
    return json_response(service.change_state(principal, number, "unblock", app.body(UnblockRequest).reason))
