"""Sign-up and sign-in: register, login, refresh, logout, and the keys that verify access tokens."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.errors import RateLimited
from core.http import BankBlueprint, correlation_id_of, json_response, model_response
from identity.domain import errors as e
from identity.models import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserView
from identity.service import sessions

bp = BankBlueprint(__name__)


# --- public ---------------------------------------------------------------------------------------------


@bp.route(
    "/auth/register",
    methods=["POST"],
    request=RegisterRequest,
    response=UserView,
    status=201,
    errors=[e.WeakPassword, e.UsernameTaken, e.EmailTaken, RateLimited],
)
def register() -> Response:
    request = bp.body(RegisterRequest)
    user = sessions.register(request, correlation_id=correlation_id_of(bp.request), client=bp.client_ip())
    return model_response(user, 201)


@bp.route(
    "/auth/login",
    methods=["POST"],
    request=LoginRequest,
    response=TokenPair,
    errors=[e.InvalidCredentials, e.AccountLocked, e.AccountDisabled, e.SignInSlowed, RateLimited],
)
def login() -> Response:
    request = bp.body(LoginRequest)
    pair = sessions.login(request.username, request.password, client=bp.client_ip())
    return model_response(pair)


@bp.route(
    "/auth/refresh",
    methods=["POST"],
    request=RefreshRequest,
    response=TokenPair,
    errors=[e.InvalidRefreshToken, e.RefreshTokenReused, e.AccountDisabled],
)
def refresh() -> Response:
    request = bp.body(RefreshRequest)
    return model_response(sessions.refresh(request.refresh_token))


@bp.route("/.well-known/jwks.json", methods=["GET"])
def jwks() -> Response:
    """The public keys that verify access tokens (JWKS, RFC 7517)."""
    # Public keys may be cached briefly; rotation keeps old keys listed longer than this.
    return json_response(sessions.jwks(), headers={"Cache-Control": "public, max-age=300"})


# --- signed in ------------------------------------------------------------------------------------------


@bp.route(
    "/auth/logout",
    methods=["POST"],
    request=RefreshRequest,
    status=204,
    errors=[e.InvalidRefreshToken],
    open_before_password_change=True,
)
def logout() -> Response:
    principal = bp.principal()
    request = bp.body(RefreshRequest)
    sessions.logout(request.refresh_token, principal)
    return Response(body="", status_code=204)
