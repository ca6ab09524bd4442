"""What the identity use cases share: the password hasher, the clock in epoch seconds, the password
check behind sign-in and password change, new users, and their events."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from core.auth import Role
from core.clock import iso, now
from core.dynamo import TriesExhausted
from core.events import EventType
from core.ids import new_id
from core.observability import MetricUnit, logger, metrics
from identity.domain import lockout, passwords
from identity.domain.errors import AccountLocked, InvalidCredentials, SignInSlowed
from identity.domain.passwords import PasswordHasher
from identity.domain.users import User, UserStatus
from identity.settings import conf
from identity.store import attempts, users
from identity.store import events as event_store

HASHER = PasswordHasher()


def epoch() -> int:
    return int(now().timestamp())


def verify_password(username: str, password: str, client: str) -> User:
    """The user if the password is right. A try is taken from the (username, client) counter before
    the password is judged; a username failing from many clients is slowed, never locked, and a client
    this user signed in from before skips even that (an attacker cannot take its turns away)."""
    key = username.strip().lower()
    moment = epoch()
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


def new_user(
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


def announce(event_type: EventType, user: User, correlation_id: str) -> None:
    """Publish after the user is stored. A failed publish is logged and counted, not turned into an
    error: the user exists, and a retry by the client would only meet `username_taken`."""
    topic = conf().events_topic_arn
    if not topic:
        logger.warning("EVENTS_TOPIC_ARN not set; event not published", extra={"type": event_type.value})
        return
    data = {"user_id": user.user_id, "username": user.username, "role": user.role.value}
    try:
        event_store.publish(topic, event_type, data, correlation_id=correlation_id)
    except (ClientError, BotoCoreError):
        logger.exception("Event publish failed", extra={"type": event_type.value, "user_id": user.user_id})
        metrics.add_metric(name="EventPublishFailure", unit=MetricUnit.Count, value=1)
