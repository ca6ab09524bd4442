"""Staff management (admins) and customer search (staff)."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.apidoc import PAGE
from core.errors import InvalidRequest
from core.http import BankBlueprint, correlation_id_of, model_response
from core.pagination import parse_limit
from identity.domain import errors as e
from identity.domain.users import UserStatus
from identity.models import CreateStaffRequest, UserList, UserView
from identity.service import staff

bp = BankBlueprint(__name__)

MAX_SEARCH_LIMIT = 50


@bp.route(
    "/staff/users",
    methods=["POST"],
    request=CreateStaffRequest,
    response=UserView,
    status=201,
    roles=["admin"],
    errors=[e.WeakPassword, e.UsernameTaken, e.EmailTaken],
)
def create_staff() -> Response:
    principal = bp.principal()
    request = bp.body(CreateStaffRequest)
    user = staff.create_staff(principal, request, correlation_id=correlation_id_of(bp.request))
    return model_response(user, 201)


@bp.route("/staff/users", methods=["GET"], response=UserList, roles=["admin"], query=PAGE)
def list_staff() -> Response:
    principal = bp.principal()
    page = staff.list_staff(principal, limit=parse_limit(bp.query("limit")), cursor=bp.query("cursor"))
    return model_response(page)


@bp.route(
    "/staff/users/{user_id}/disable",
    methods=["POST"],
    response=UserView,
    roles=["admin"],
    errors=[e.UserNotFound, e.CannotDisableSelf],
)
def disable_user(user_id: str) -> Response:
    principal = bp.principal()
    return model_response(staff.set_status(principal, user_id, UserStatus.DISABLED))


@bp.route(
    "/staff/users/{user_id}/enable",
    methods=["POST"],
    response=UserView,
    roles=["admin"],
    errors=[e.UserNotFound],
)
def enable_user(user_id: str) -> Response:
    principal = bp.principal()
    return model_response(staff.set_status(principal, user_id, UserStatus.ACTIVE))


@bp.route(
    "/staff/customers",
    methods=["GET"],
    response=UserList,
    roles=["staff"],
    query={"q": {"type": "string", "minLength": 1, "maxLength": 254}, "limit": PAGE["limit"]},
)
def search_customers() -> Response:
    text = (bp.query("q") or "").strip()
    limit = min(parse_limit(bp.query("limit")), MAX_SEARCH_LIMIT)
    if not text:
        raise InvalidRequest("Give the start of a username, email or name as ?q=")
    return model_response(staff.search_customers(text, limit=limit))


@bp.route(
    "/staff/customers/{user_id}", methods=["GET"], response=UserView, roles=["staff"], errors=[e.UserNotFound]
)
def get_customer(user_id: str) -> Response:
    return model_response(staff.customer(user_id))
