"""Request and response models of the identity API (the contract at the edge)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from identity.domain.users import User

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,30}[A-Za-z0-9]$"
    ),
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$"
    ),
]
PersonName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\W\d_]+(?:[ '.\-][^\W\d_]+)*\.?$"
    ),
]
# Checked against the policy in the domain (weak_password); here only a bound on work and size.
Password = Annotated[str, Field(min_length=1, max_length=256)]

_PHONE_SEPARATORS = re.compile(r"[\s().-]")


def _normalise_phone(value: str) -> str:
    """Nigerian numbers to E.164 (+234...); other countries must already be E.164."""
    digits = _PHONE_SEPARATORS.sub("", value)
    if re.fullmatch(r"0[789][01]\d{8}", digits):
        return "+234" + digits[1:]
    if re.fullmatch(r"234[789][01]\d{8}", digits):
        return "+" + digits
    if re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return digits
    raise ValueError("phone must be a Nigerian number (0803...) or in E.164 form (+234803...)")


Phone = Annotated[str, Field(max_length=32), AfterValidator(_normalise_phone)]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    email: Email
    first_name: PersonName
    last_name: PersonName
    phone: Phone


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # No pattern: a malformed username must get the same answer as a wrong one.
    username: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
    ]
    password: Password


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, Field(min_length=16, max_length=256)]


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ProfileUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one of email, first_name, last_name, phone")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class CreateStaffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    email: Email
    first_name: PersonName
    last_name: PersonName
    phone: Phone | None = None
    role: Literal["staff", "admin"] = "staff"


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int
    password_change_required: bool = Field(
        default=False, description="Only /me and /me/password answer until the password is changed"
    )


class UserView(BaseModel):
    # Read from the domain User's attributes; `must_change_password` there is `password_change_required`
    # here (either name is accepted).
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    user_id: str
    username: str
    role: str
    status: str
    email: str | None
    first_name: str
    last_name: str
    phone: str | None
    created_at: str
    updated_at: str
    password_change_required: bool = Field(default=False, validation_alias="must_change_password")

    @classmethod
    def of(cls, user: User) -> UserView:
        """The user's public fields (never the password hash), read from the domain object."""
        return cls.model_validate(user)


class UserList(BaseModel):
    items: list[UserView]
    next_cursor: str | None = None

    @classmethod
    def of(cls, users: Iterable[User], next_cursor: str | None = None) -> UserList:
        return cls(items=[UserView.of(user) for user in users], next_cursor=next_cursor)


class FirstAdmin(BaseModel):
    """The bootstrap's answer (its Lambda response): the first admin, and whether this run created it."""

    created: bool
    user_id: str
    username: str
