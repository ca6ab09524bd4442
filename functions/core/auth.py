"""Who is calling: the claims the gateway's authorizer verified, and the role check that `BankApp.route`
enforces for a route's declared `roles`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    username: str = ""
    # The first admin signs in with a generated password and must replace it before anything else.
    password_change_required: bool = False
    # For staff: the admin who created the account (four eyes never pairs the two).
    created_by: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def require(self, *roles: Role) -> Principal:
        """Admins pass every staff check; otherwise the role must be listed."""
        allowed = set(roles)
        if Role.STAFF in allowed:
            allowed.add(Role.ADMIN)
        if self.role not in allowed:
            raise Forbidden(f"This needs the {' or '.join(sorted(r.value for r in roles))} role")
        return self

    def can_see(self, owner_id: str) -> bool:
        """Staff see everything; a customer sees only their own (callers answer 404 otherwise)."""
        return self.is_staff or owner_id == self.user_id


def principal_from_authorizer(context: dict[str, Any] | None) -> Principal:
    """Read the authorizer's context (sub, role, username) from requestContext.authorizer."""
    if not context or not context.get("sub") or not context.get("role"):
        raise Unauthenticated()
    try:
        role = Role(str(context["role"]))
    except ValueError as exc:
        raise Unauthenticated("Unknown role in token") from exc
    return Principal(
        user_id=str(context["sub"]),
        role=role,
        username=str(context.get("username", "")),
        password_change_required=str(context.get("pcr", "")).lower() == "true",
        created_by=str(context.get("cby") or ""),
    )
