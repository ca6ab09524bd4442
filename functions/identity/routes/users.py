"""The caller's own profile (`/me`) and password."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.http import BankBlueprint, model_response
from identity.domain import errors as e
from identity.models import PasswordChange, ProfileUpdate, UserView
from identity.service import users

bp = BankBlueprint(__name__)


@bp.route(
    "/me", methods=["GET"], response=UserView, errors=[e.UserNotFound], open_before_password_change=True
)
def me() -> Response:
    return model_response(users.profile(bp.principal()))


@bp.route(
    "/me", methods=["PATCH"], request=ProfileUpdate, response=UserView, errors=[e.EmailTaken, e.UserNotFound]
)
def update_me() -> Response:
    principal = bp.principal()
    update = bp.body(ProfileUpdate)
    return model_response(users.update_profile(principal, update))


@bp.route(
    "/me/password",
    methods=["POST"],
    request=PasswordChange,
    status=204,
    errors=[e.InvalidCredentials, e.WeakPassword, e.AccountLocked, e.SignInSlowed],
    open_before_password_change=True,
)
def change_password() -> Response:
    """Needs the current password; ends every session, this one too (sign in again)."""
    principal = bp.principal()
    request = bp.body(PasswordChange)
    users.change_password(principal, request.current_password, request.new_password, client=bp.client_ip())
    return Response(body="", status_code=204)
