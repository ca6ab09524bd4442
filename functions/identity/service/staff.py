"""Staff management (admins), customer search (staff) and the first admin (the bootstrap entry point)."""

from __future__ import annotations

from dataclasses import replace

from core.auth import Principal, Role
from core.clock import iso, now
from core.events import EventType
from core.secrets import secret_json
from identity.domain import passwords
from identity.domain.errors import AccountDisabled, CannotDisableSelf, UserNotFound
from identity.domain.users import Directory, UserStatus, directory_of
from identity.models import CreateStaffRequest, FirstAdmin, UserList, UserView
from identity.service.common import announce, new_user
from identity.settings import conf
from identity.store import users


def create_staff(actor: Principal, request: CreateStaffRequest, *, correlation_id: str) -> UserView:
    _require_active_admin(actor)
    passwords.check_policy(request.password, username=request.username)
    user = new_user(
        username=request.username,
        password=request.password,
        role=Role(request.role),
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        phone=request.phone,
    )
    user = replace(user, created_by=actor.user_id)
    users.create(user)
    announce(EventType.STAFF_CREATED, user, correlation_id)
    return UserView.of(user)


def list_staff(actor: Principal, *, limit: int, cursor: str | None) -> UserList:
    _require_active_admin(actor)
    found, next_cursor = users.list_directory(Directory.STAFF, limit=limit, cursor=cursor)
    return UserList.of(found, next_cursor)


def set_status(actor: Principal, user_id: str, status: UserStatus) -> UserView:
    """Disable (or enable) a user; either way their refresh tokens stop working."""
    _require_active_admin(actor)
    if user_id == actor.user_id:
        raise CannotDisableSelf()
    users.require(user_id)
    return UserView.of(users.set_status(user_id, status, now=iso(now())))


def search_customers(text: str, *, limit: int) -> UserList:
    return UserList.of(users.search(Directory.CUSTOMER, text, limit=limit))


def customer(user_id: str) -> UserView:
    user = users.get(user_id)
    if user is None or directory_of(user.role) is not Directory.CUSTOMER:
        raise UserNotFound()
    return UserView.of(user)


def bootstrap_first_admin() -> FirstAdmin:
    """Create the first admin from `{prefix}/identity/first-admin` unless that username exists."""
    secret = secret_json(conf().first_admin_secret)
    username = str(secret["username"]).strip().lower()
    existing = users.find_by_username(username)
    if existing is not None:
        return FirstAdmin(created=False, user_id=existing.user_id, username=username)
    passwords.check_policy(str(secret["password"]), username=username)
    user = new_user(
        username=username,
        password=str(secret["password"]),
        role=Role.ADMIN,
        email=None,
        first_name="Bank",
        last_name="Administrator",
        phone=None,
    )
    # The generated password was printed and sits in Secrets Manager: it must be replaced at first use.
    users.create(replace(user, must_change_password=True))
    announce(EventType.STAFF_CREATED, user, "bootstrap")
    return FirstAdmin(created=True, user_id=user.user_id, username=username)


def _require_active_admin(actor: Principal) -> None:
    """Admin actions re-check the admin in the table: a disabled admin's token is still valid a while.
    (The admin role itself is enforced by the routes' `roles=["admin"]` before this runs.)"""
    current = users.get(actor.user_id)
    if current is None or not current.enabled or current.role is not Role.ADMIN:
        raise AccountDisabled("Your admin account is no longer active")
