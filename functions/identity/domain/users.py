"""The user as the identity service's rules see it (no storage details)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.auth import STAFF_ROLES, Role


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Directory(StrEnum):
    """Which list a user appears in: staff search and customer search never mix."""

    CUSTOMER = "customer"
    STAFF = "staff"


def directory_of(role: Role) -> Directory:
    return Directory.STAFF if role in STAFF_ROLES else Directory.CUSTOMER


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    role: Role
    status: UserStatus
    password_hash: str
    token_generation: int
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    created_at: str = ""
    updated_at: str = ""
    must_change_password: bool = False
    # The admin who created a staff account: never the second pair of eyes on that admin's proposals.
    created_by: str | None = None

    @property
    def enabled(self) -> bool:
        return self.status is UserStatus.ACTIVE
