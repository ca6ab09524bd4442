"""The caller's own profile: read it, update it, change the password."""

from __future__ import annotations

from core.auth import Principal
from core.clock import iso, now
from identity.domain import passwords
from identity.domain.errors import WeakPassword
from identity.models import ProfileUpdate, UserView
from identity.service.common import HASHER, verify_password
from identity.store import users


def profile(principal: Principal) -> UserView:
    return UserView.of(users.require(principal.user_id))


def update_profile(principal: Principal, update: ProfileUpdate) -> UserView:
    user = users.require(principal.user_id)
    changes = update.model_dump(include=update.model_fields_set)
    return UserView.of(users.update_profile(user, changes, now=iso(now())))


def change_password(principal: Principal, current: str, new: str, *, client: str) -> None:
    """Needs the current password (counted by the lockout like a sign-in); ends every session, this
    one too (its access token stops at the authorizer within seconds: sign in again)."""
    user = users.require(principal.user_id)
    verify_password(user.username, current, client)
    passwords.check_policy(new, username=user.username)
    if HASHER.verify(new, user.password_hash):
        reason = "must differ from the current password"
        raise WeakPassword(f"The password {reason}", reasons=[reason])
    users.set_password(user.user_id, HASHER.hash(new), now=iso(now()), end_sessions=True)
