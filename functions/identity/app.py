"""The identity service's HTTP routes (Chalice app = the Lambda handler behind the gateway).

Each view: parse, authorize, call one use case in `identity.service`, respond. Route paths equal the
template's `Events` paths; public ones are marked `Auth: {Authorizer: NONE}` there.
"""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core import problems
from core.auth import Role
from core.errors import InvalidRequest
from core.http import BankApp, add_health_routes, correlation_id_of, json_response, problem_response
from core.pagination import parse_limit
from identity import service
from identity.domain.errors import AccountLocked
from identity.domain.users import UserStatus
from identity.models import (
    CreateStaffRequest,
    LoginRequest,
    PasswordChange,
    ProfileUpdate,
    RefreshRequest,
    RegisterRequest,
    UserList,
    UserView,
)

app = BankApp("identity")
add_health_routes(app, "identity", "/health", "/identity/health")

MAX_SEARCH_LIMIT = 50


def _locked(error: AccountLocked) -> Response:
    """423 with Retry-After (RFC 9110), which a problem document alone cannot carry."""
    response = problem_response(problems.from_error(error))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _user(view: UserView, status: int = 200) -> Response:
    return json_response(view.model_dump(mode="json"), status)


# --- public ---------------------------------------------------------------------------------------------


@app.route("/auth/register", methods=["POST"])
def register() -> Response:
    request = app.body(RegisterRequest)
    user = service.register(request, correlation_id=correlation_id_of(app.request))
    return _user(UserView.of(user), 201)


@app.route("/auth/login", methods=["POST"])
def login() -> Response:
    request = app.body(LoginRequest)
    try:
        pair = service.login(request.username, request.password)
    except AccountLocked as error:
        return _locked(error)
    return json_response(pair.model_dump(mode="json"))


@app.route("/auth/refresh", methods=["POST"])
def refresh() -> Response:
    request = app.body(RefreshRequest)
    return json_response(service.refresh(request.refresh_token).model_dump(mode="json"))


@app.route("/.well-known/jwks.json", methods=["GET"])
def jwks() -> Response:
    # Public keys may be cached briefly; rotation keeps old keys listed longer than this.
    return json_response(service.jwks(), headers={"Cache-Control": "public, max-age=300"})


# --- signed in ------------------------------------------------------------------------------------------


@app.route("/auth/logout", methods=["POST"])
def logout() -> Response:
    principal = app.principal()
    request = app.body(RefreshRequest)
    service.logout(request.refresh_token, principal)
    return Response(body="", status_code=204)


@app.route("/me", methods=["GET"])
def me() -> Response:
    return _user(UserView.of(service.profile(app.principal())))


@app.route("/me", methods=["PATCH"])
def update_me() -> Response:
    principal = app.principal()
    update = app.body(ProfileUpdate)
    return _user(UserView.of(service.update_profile(principal, update)))


@app.route("/me/password", methods=["POST"])
def change_password() -> Response:
    principal = app.principal()
    request = app.body(PasswordChange)
    try:
        service.change_password(principal, request.current_password, request.new_password)
    except AccountLocked as error:
        return _locked(error)
    return Response(body="", status_code=204)


# --- staff ----------------------------------------------------------------------------------------------


@app.route("/staff/users", methods=["POST"])
def create_staff() -> Response:
    principal = app.principal().require(Role.ADMIN)
    request = app.body(CreateStaffRequest)
    user = service.create_staff(principal, request, correlation_id=correlation_id_of(app.request))
    return _user(UserView.of(user), 201)


@app.route("/staff/users", methods=["GET"])
def list_staff() -> Response:
    principal = app.principal().require(Role.ADMIN)
    found, cursor = service.list_staff(
        principal, limit=parse_limit(app.query("limit")), cursor=app.query("cursor")
    )
    page = UserList(items=[UserView.of(user) for user in found], next_cursor=cursor)
    return json_response(page.model_dump(mode="json"))


@app.route("/staff/users/{user_id}/disable", methods=["POST"])
def disable_user(user_id: str) -> Response:
    principal = app.principal().require(Role.ADMIN)
    return _user(UserView.of(service.set_status(principal, user_id, UserStatus.DISABLED)))


@app.route("/staff/users/{user_id}/enable", methods=["POST"])
def enable_user(user_id: str) -> Response:
    principal = app.principal().require(Role.ADMIN)
    return _user(UserView.of(service.set_status(principal, user_id, UserStatus.ACTIVE)))


@app.route("/staff/customers", methods=["GET"])
def search_customers() -> Response:
    app.principal().require(Role.STAFF)
    text = (app.query("q") or "").strip()
    limit = min(parse_limit(app.query("limit")), MAX_SEARCH_LIMIT)
    if not text:
        raise InvalidRequest("Give the start of a username, email or name as ?q=")
    found = service.search_customers(text, limit=limit)
    return json_response(UserList(items=[UserView.of(user) for user in found]).model_dump(mode="json"))


@app.route("/staff/customers/{user_id}", methods=["GET"])
def get_customer(user_id: str) -> Response:
    app.principal().require(Role.STAFF)
    return _user(UserView.of(service.customer(user_id)))
