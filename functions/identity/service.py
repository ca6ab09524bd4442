"""The identity service's use cases: each handler calls exactly one of these.

They tie the pure rules (domain) to storage (store); no HTTP or event shapes here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from core.auth import Principal, Role
from core.clock import iso, now
from core.config import settings
from core.dynamo import TriesExhausted
from core.errors import RateLimited
from core.events import EventType
from core.ids import new_id
from core.observability import MetricUnit, logger, metrics
from core.secrets import secret_json
from identity.domain import lockout, passwords
from identity.domain import sessions as session_rules
from identity.domain.errors import (
    AccountDisabled,
    AccountLocked,
    CannotDisableSelf,
    InvalidCredentials,
    SignInSlowed,
    UserNotFound,
    WeakPassword,
)
from identity.domain.passwords import PasswordHasher
from identity.domain.tokens import ACCESS_TOKEN_SECONDS, issue_access_token
from identity.domain.users import Directory, User, UserStatus, directory_of
from identity.models import CreateStaffRequest, ProfileUpdate, RegisterRequest, TokenPair
from identity.settings import IdentitySettings
from identity.store import attempts, keys, sessions, users
from identity.store import events as event_store

HASHER = PasswordHasher()


def _settings() -> IdentitySettings:
    return cast(IdentitySettings, settings(IdentitySettings))


def _epoch() -> int:
    return int(now().timestamp())


# --- sign-up and sign-in ------------------------------------------------------------------------------


def register(request: RegisterRequest, *, correlation_id: str, client: str) -> User:
    _count_request("register", client, _settings().register_rate_per_minute)
    passwords.check_policy(request.password, username=request.username)
    user = _new_user(
        username=request.username,
        password=request.password,
        role=Role.CUSTOMER,
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        phone=request.phone,
    )
    users.create(user)
    _announce(EventType.CUSTOMER_REGISTERED, user, correlation_id)
    return user


def login(username: str, password: str, *, client: str) -> TokenPair:
    _count_request("login", client, _settings().sign_in_rate_per_minute)
    user = _verify_password(username, password, client)
    if not user.enabled:
        raise AccountDisabled()
    if HASHER.needs_upgrade(user.password_hash):
        # The hash was made with weaker parameters; the clear password is at hand only now.
        users.set_password(user.user_id, HASHER.hash(password), now=iso(now()), end_sessions=False)
    family_id, refresh_token = sessions.start_family(
        user.user_id, user.token_generation, now=_epoch(), now_iso=iso(now())
    )
    return _pair(user, family_id, refresh_token)


def refresh(refresh_token: str) -> TokenPair:
    record = sessions.get_token(session_rules.hash_token(refresh_token))
    family = sessions.get_family(record.family_id) if record else None
    user = users.get(record.user_id) if record else None
    verdict = session_rules.judge(
        record,
        family,
        user_generation=user.token_generation if user else None,
        user_enabled=bool(user and user.enabled),
        now=_epoch(),
    )
    if verdict is session_rules.Verdict.REUSED and family is not None:
        sessions.revoke_family(family.family_id, reason="reuse")
        logger.warning("Refresh token reuse; family revoked", extra={"family_id": family.family_id})
        metrics.add_metric(name="RefreshTokenReuse", unit=MetricUnit.Count, value=1)
    session_rules.raise_for(verdict)
    assert record is not None and family is not None and user is not None  # ROTATE implies all three
    new_token = sessions.rotate(record, family, now_iso=iso(now()))
    return _pair(user, family.family_id, new_token)


def logout(refresh_token: str, principal: Principal) -> None:
    """Ends the session the token belongs to; a token of somebody else, or none, changes nothing."""
    record = sessions.get_token(session_rules.hash_token(refresh_token))
    if record is not None and record.user_id == principal.user_id:
        sessions.revoke_family(record.family_id, reason="logout")


def jwks() -> dict[str, Any]:
    return keys.key_ring(_settings().signing_keys_secret, with_private=False).jwks()


# --- own profile ---------------------------------------------------------------------------------------


def profile(principal: Principal) -> User:
    return users.require(principal.user_id)


def update_profile(principal: Principal, update: ProfileUpdate) -> User:
    user = users.require(principal.user_id)
    changes = update.model_dump(include=update.model_fields_set)
    return users.update_profile(user, changes, now=iso(now()))


def change_password(principal: Principal, current: str, new: str, *, client: str) -> None:
    """Needs the current password (counted by the lockout like a sign-in); ends every session, this
    one too (its access token stops at the authorizer within seconds: sign in again)."""
    user = users.require(principal.user_id)
    _verify_password(user.username, current, client)
    passwords.check_policy(new, username=user.username)
    if HASHER.verify(new, user.password_hash):
        reason = "must differ from the current password"
        raise WeakPassword(f"The password {reason}", reasons=[reason])
    users.set_password(user.user_id, HASHER.hash(new), now=iso(now()), end_sessions=True)


# --- staff management ----------------------------------------------------------------------------------


def create_staff(actor: Principal, request: CreateStaffRequest, *, correlation_id: str) -> User:
    _require_active_admin(actor)
    passwords.check_policy(request.password, username=request.username)
    user = _new_user(
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
    _announce(EventType.STAFF_CREATED, user, correlation_id)
    return user


def list_staff(actor: Principal, *, limit: int, cursor: str | None) -> tuple[list[User], str | None]:
    _require_active_admin(actor)
    return users.list_directory(Directory.STAFF, limit=limit, cursor=cursor)


def set_status(actor: Principal, user_id: str, status: UserStatus) -> User:
    """Disable (or enable) a user; either way their refresh tokens stop working."""
    _require_active_admin(actor)
    if user_id == actor.user_id:
        raise CannotDisableSelf()
    users.require(user_id)
    return users.set_status(user_id, status, now=iso(now()))


def search_customers(text: str, *, limit: int) -> list[User]:
    return users.search(Directory.CUSTOMER, text, limit=limit)


def customer(user_id: str) -> User:
    user = users.get(user_id)
    if user is None or directory_of(user.role) is not Directory.CUSTOMER:
        raise UserNotFound()
    return user


def bootstrap_first_admin() -> dict[str, Any]:
    """Create the first admin from `{prefix}/identity/first-admin` unless that username exists."""
    secret = secret_json(_settings().first_admin_secret)
    username = str(secret["username"]).strip().lower()
    existing = users.find_by_username(username)
    if existing is not None:
        return {"created": False, "user_id": existing.user_id, "username": username}
    passwords.check_policy(str(secret["password"]), username=username)
    user = _new_user(
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
    _announce(EventType.STAFF_CREATED, user, "bootstrap")
    return {"created": True, "user_id": user.user_id, "username": username}


# --- helpers --------------------------------------------------------------------------------------------


def _verify_password(username: str, password: str, client: str) -> User:
    """The user if the password is right. A try is taken from the (username, client) counter before
    the password is judged; a username failing from many clients is slowed, never locked, and a client
    this user signed in from before skips even that (an attacker cannot take its turns away)."""
    key = username.strip().lower()
    moment = _epoch()
    pair = attempts.pair(key, client)
    try:
        pair.take(moment)
    except TriesExhausted as exhausted:
        if exhausted.tries.locked(moment, lockout.PAIR_TRIES.limit):
            raise AccountLocked(exhausted.tries.retry_after(moment)) from None
        raise SignInSlowed(1) from None  # only this client's own sign-ins still running
    try:
        attempts.take_slot(key, moment)
    except attempts.Slowed as slowed:
        if not attempts.known(key, client, moment):
            pair.give_back()  # not judged: the try goes back
            raise SignInSlowed(slowed.retry_after) from None
    user = users.find_by_username(key)
    # A missing user still costs one full hash, so response time does not reveal which usernames exist.
    matches = HASHER.verify(password, user.password_hash if user else passwords.DUMMY_HASH)
    if user is None or not matches:
        pair.record_wrong()
        failures = attempts.username_failures(key).take(moment)
        metrics.add_metric(name="LoginFailure", unit=MetricUnit.Count, value=1)
        # The sign-in audit: who was tried, from where, and how often lately.
        logger.warning(
            "Sign-in failed",
            extra={"username": key, "client": client, "failures_for_username": failures.get("tries")},
        )
        raise InvalidCredentials()
    pair.reset()
    attempts.trust(key, client, moment)
    return user


def _require_active_admin(actor: Principal) -> None:
    """Admin actions re-check the admin in the table: a disabled admin's token is still valid a while.
    (The admin role itself is enforced by the routes' `roles=["admin"]` before this runs.)"""
    current = users.get(actor.user_id)
    if current is None or not current.enabled or current.role is not Role.ADMIN:
        raise AccountDisabled("Your admin account is no longer active")


def _new_user(
    *,
    username: str,
    password: str,
    role: Role,
    email: str | None,
    first_name: str,
    last_name: str,
    phone: str | None,
) -> User:
    created = iso(now())
    return User(
        user_id=new_id("usr"),
        username=username,
        role=role,
        status=UserStatus.ACTIVE,
        password_hash=HASHER.hash(password),
        token_generation=0,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        created_at=created,
        updated_at=created,
    )


def _pair(user: User, family_id: str, refresh_token: str) -> TokenPair:
    cfg = _settings()
    ring = keys.key_ring(cfg.signing_keys_secret, with_private=True)
    access_token, _ = issue_access_token(
        ring,
        sub=user.user_id,
        role=user.role,
        username=user.username,
        issuer=cfg.jwt_issuer,
        audience=cfg.jwt_audience,
        now=_epoch(),
        session_id=family_id,
        generation=user.token_generation,
        created_by=user.created_by,
        password_change_required=user.must_change_password,
    )
    return TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=ACCESS_TOKEN_SECONDS,
        password_change_required=user.must_change_password,
    )


def _count_request(action: str, client: str, limit: int) -> None:
    try:
        attempts.count_request(action, client, limit, _epoch())
    except attempts.RateLimited as limited:
        raise RateLimited(limited.retry_after) from None


def _announce(event_type: EventType, user: User, correlation_id: str) -> None:
    """Publish after the user is stored. A failed publish is logged and counted, not turned into an
    error: the user exists, and a retry by the client would only meet `username_taken`."""
    topic = _settings().events_topic_arn
    if not topic:
        logger.warning("EVENTS_TOPIC_ARN not set; event not published", extra={"type": event_type.value})
        return
    data = {"user_id": user.user_id, "username": user.username, "role": user.role.value}
    try:
        event_store.publish(topic, event_type, data, correlation_id=correlation_id)
    except (ClientError, BotoCoreError):
        logger.exception("Event publish failed", extra={"type": event_type.value, "user_id": user.user_id})
        metrics.add_metric(name="EventPublishFailure", unit=MetricUnit.Count, value=1)
