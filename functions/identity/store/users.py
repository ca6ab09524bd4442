"""The users table: users and their username/email uniqueness claims."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from core import aws
from core.auth import Role
from core.dynamo import condition_failed, failed_items
from core.pagination import decode_cursor, encode_cursor
from identity.domain.errors import EmailTaken, UsernameTaken, UserNotFound
from identity.domain.users import Directory, User, UserStatus, directory_of
from identity.store.models import ClaimModel, UserModel

PROFILE_FIELDS = ("email", "first_name", "last_name", "phone")


def _user_key(user_id: str) -> str:
    return f"user#{user_id}"


def _username_key(username: str) -> str:
    return f"username#{username.lower()}"


def _email_key(email: str) -> str:
    return f"email#{email.lower()}"


def _to_user(item: UserModel) -> User:
    return User(
        user_id=item.user_id,
        username=item.username,
        role=Role(item.role),
        status=UserStatus(item.status),
        password_hash=item.password_hash or "",  # absent on index items (not projected)
        token_generation=int(item.token_generation or 0),
        must_change_password=bool(item.must_change_password),
        created_by=item.created_by,
        first_name=item.first_name,
        last_name=item.last_name,
        email=item.email,
        phone=item.phone,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _to_item(user: User) -> UserModel:
    return UserModel(
        _user_key(user.user_id),
        user_id=user.user_id,
        username=user.username,
        role=user.role.value,
        status=user.status.value,
        password_hash=user.password_hash,
        token_generation=user.token_generation,
        must_change_password=user.must_change_password,
        created_by=user.created_by,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        phone=user.phone,
        created_at=user.created_at,
        updated_at=user.updated_at,
        directory=directory_of(user.role).value,
        email_key=user.email.lower() if user.email else None,
        first_name_key=user.first_name.lower(),
        last_name_key=user.last_name.lower(),
    )


def get(user_id: str) -> User | None:
    try:
        return _to_user(UserModel.get(_user_key(user_id), consistent_read=True))
    except DoesNotExist:
        return None


def require(user_id: str) -> User:
    user = get(user_id)
    if user is None:
        raise UserNotFound()
    return user


def find_by_username(username: str) -> User | None:
    try:
        claim = ClaimModel.get(_username_key(username), consistent_read=True)
    except DoesNotExist:
        return None
    return get(claim.user_id)


def create(user: User) -> None:
    """User + username claim + email claim in one transaction; a taken one fails them all."""
    claims = [ClaimModel(_username_key(user.username), user_id=user.user_id)]
    if user.email:
        claims.append(ClaimModel(_email_key(user.email), user_id=user.user_id))
    try:
        with aws.transaction() as transaction:
            for claim in claims:
                transaction.save(claim, condition=ClaimModel.pk.does_not_exist())
            transaction.save(_to_item(user), condition=UserModel.pk.does_not_exist())
    except TransactWriteError as error:
        failed = failed_items(error)  # all puts: the claims in order, then the user
        if 0 in failed:
            raise UsernameTaken() from error
        if 1 in failed and user.email:
            raise EmailTaken() from error
        raise


def update_profile(user: User, changes: dict[str, Any], *, now: str) -> User:
    """Apply profile changes; a new email moves its uniqueness claim in the same transaction."""
    updated = User(**{**user.__dict__, **changes, "updated_at": now})
    item = _to_item(updated)
    actions = [
        getattr(UserModel, name).set(getattr(item, name))
        for name in (*PROFILE_FIELDS, "updated_at", "email_key", "first_name_key", "last_name_key")
    ]
    email_changed = updated.email is not None and (user.email or "").lower() != updated.email.lower()
    try:
        with aws.transaction() as transaction:
            if email_changed and updated.email:
                transaction.save(
                    ClaimModel(_email_key(updated.email), user_id=user.user_id),
                    condition=ClaimModel.pk.does_not_exist(),
                )
                if user.email:
                    transaction.delete(
                        ClaimModel(_email_key(user.email)), condition=ClaimModel.user_id == user.user_id
                    )
            transaction.update(
                UserModel(_user_key(user.user_id)), actions=actions, condition=UserModel.pk.exists()
            )
    except TransactWriteError as error:
        # Items go as: delete of the old claim (if any), put of the new claim, update of the user.
        new_claim = 1 if user.email else 0
        if email_changed and new_claim in failed_items(error):
            raise EmailTaken() from error
        raise
    return updated


def set_password(user_id: str, password_hash: str, *, now: str, end_sessions: bool) -> None:
    """Store a new hash; `end_sessions` (a change by the user) also bumps the token generation, ending
    every session and its access tokens, and clears a pending forced change."""
    actions: list[Any] = [UserModel.password_hash.set(password_hash), UserModel.updated_at.set(now)]
    if end_sessions:
        actions += [UserModel.token_generation.add(1), UserModel.must_change_password.set(False)]
    _update(user_id, actions)


def set_status(user_id: str, status: UserStatus, *, now: str) -> User:
    """Enable or disable; both end the user's sessions (a re-enabled user signs in afresh)."""
    _update(
        user_id,
        [
            UserModel.status.set(status.value),
            UserModel.updated_at.set(now),
            UserModel.token_generation.add(1),
        ],
    )
    return require(user_id)


def _update(user_id: str, actions: list[Any]) -> None:
    try:
        UserModel(_user_key(user_id)).update(actions=actions, condition=UserModel.pk.exists())
    except UpdateError as error:
        if condition_failed(error):
            raise UserNotFound() from error
        raise


def list_directory(directory: Directory, *, limit: int, cursor: str | None) -> tuple[list[User], str | None]:
    """Users of one directory ordered by username, a page at a time."""
    start = decode_cursor(cursor, expect={"directory": {"S": directory.value}})
    result = UserModel.by_username.query(directory.value, limit=limit, last_evaluated_key=start)
    users = [_to_user(item) for item in result]
    return users, encode_cursor(result.last_evaluated_key)


def search(directory: Directory, text: str, *, limit: int) -> list[User]:
    """Users whose username, email, first or last name starts with `text` (case-insensitive):
    one Query per index with begins_with, merged and ordered by username."""
    prefix = text.strip().lower()
    found: dict[str, User] = {}
    queries: list[tuple[Any, Any]] = [
        (UserModel.by_username, UserModel.username),
        (UserModel.by_email, UserModel.email_key),
        (UserModel.by_first_name, UserModel.first_name_key),
        (UserModel.by_last_name, UserModel.last_name_key),
    ]
    for index, range_attribute in queries:
        for item in index.query(directory.value, range_attribute.startswith(prefix), limit=limit):
            found.setdefault(item.user_id, _to_user(item))
    return sorted(found.values(), key=lambda user: user.username)[:limit]
