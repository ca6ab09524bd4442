"""PynamoDB models of the identity tables.

users: one item per user (`user#<id>`) plus uniqueness claims (`username#<name>`, `email#<address>`)
written in the same transaction, so usernames and emails are unique without a racy read. Sparse GSIs
keyed by directory (customer | staff) and a lower-case field serve staff search by prefix (Query with
begins_with, never Scan); they project only profile fields, never the password hash.
refresh tokens: `token#<sha256>` items and `family#<id>` items, with a TTL.
login attempts: try counters per (username, client) and per username, request counts per client; TTL.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from core.aws import Model
from core.config import table_name

VIEW_ATTRIBUTES = [
    "user_id",
    "username",
    "role",
    "status",
    "email",
    "first_name",
    "last_name",
    "phone",
    "created_at",
    "updated_at",
]


def _index_meta(name: str, *keys: str) -> Any:
    # DynamoDB refuses an index's own key attributes among its projected non-key attributes.
    class Meta:
        index_name = name
        projection = IncludeProjection([name for name in VIEW_ATTRIBUTES if name not in keys])

    return Meta


class ByUsername(GlobalSecondaryIndex["UserModel"]):
    Meta = _index_meta("directory-username", "username")
    directory = UnicodeAttribute(hash_key=True)
    username = UnicodeAttribute(range_key=True)


class ByEmail(GlobalSecondaryIndex["UserModel"]):
    Meta = _index_meta("directory-email")
    directory = UnicodeAttribute(hash_key=True)
    email_key = UnicodeAttribute(range_key=True)


class ByFirstName(GlobalSecondaryIndex["UserModel"]):
    Meta = _index_meta("directory-first-name")
    directory = UnicodeAttribute(hash_key=True)
    first_name_key = UnicodeAttribute(range_key=True)


class ByLastName(GlobalSecondaryIndex["UserModel"]):
    Meta = _index_meta("directory-last-name")
    directory = UnicodeAttribute(hash_key=True)
    last_name_key = UnicodeAttribute(range_key=True)


class UserModel(Model):
    class Meta:
        table_name = table_name("IDENTITY_USERS_TABLE")

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    token_generation = NumberAttribute(default=0)
    must_change_password = BooleanAttribute(default=False)
    created_by = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Index keys (lower-case copies for case-insensitive prefix search).
    directory = UnicodeAttribute()
    email_key = UnicodeAttribute(null=True)
    first_name_key = UnicodeAttribute()
    last_name_key = UnicodeAttribute()

    by_username = ByUsername()
    by_email = ByEmail()
    by_first_name = ByFirstName()
    by_last_name = ByLastName()


class ClaimModel(Model):
    """A uniqueness claim in the users table: `username#<name>` or `email#<address>` → user_id."""

    class Meta:
        table_name = table_name("IDENTITY_USERS_TABLE")

    pk = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()


class RefreshTokenModel(Model):
    class Meta:
        table_name = table_name("IDENTITY_REFRESH_TOKENS_TABLE")

    pk = UnicodeAttribute(hash_key=True)  # token#<sha256 hex>
    family_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    state = UnicodeAttribute()
    expires_at = NumberAttribute()
    issued_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    expires_ttl = NumberAttribute()


class FamilyModel(Model):
    class Meta:
        table_name = table_name("IDENTITY_REFRESH_TOKENS_TABLE")

    pk = UnicodeAttribute(hash_key=True)  # family#<id>
    user_id = UnicodeAttribute()
    generation = NumberAttribute()
    revoked = BooleanAttribute(default=False)
    revoked_reason = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()
    created_at = UnicodeAttribute()
    expires_ttl = NumberAttribute()


class LoginAttemptModel(Model):
    """Rows of identity.store.attempts: `pair#<username>#<client>` and `user#<username>` try counters,
    `rate#<action>#<client>#<minute>` request counts."""

    class Meta:
        table_name = table_name("IDENTITY_LOGIN_ATTEMPTS_TABLE")

    pk = UnicodeAttribute(hash_key=True)
    tries = NumberAttribute(default=0)
    tries_window_end = NumberAttribute(default=0)
    next_slot_at = NumberAttribute(null=True)
    requests = NumberAttribute(null=True)
    expires_ttl = NumberAttribute(null=True)
