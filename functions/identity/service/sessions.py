"""Sign-up and sign-in: registration, sessions (login, refresh, logout) and the tokens' public keys."""

from __future__ import annotations

from typing import Any

from core.auth import Principal, Role
from core.clock import iso, now
from core.errors import RateLimited
from core.events import EventType
from core.observability import MetricUnit, logger, metrics
from identity.domain import passwords
from identity.domain import sessions as session_rules
from identity.domain.errors import AccountDisabled
from identity.domain.tokens import ACCESS_TOKEN_SECONDS, issue_access_token
from identity.domain.users import User
from identity.models import RegisterRequest, TokenPair, UserView
from identity.service.common import HASHER, announce, epoch, new_user, verify_password
from identity.settings import conf
from identity.store import attempts, keys, sessions, users


def register(request: RegisterRequest, *, correlation_id: str, client: str) -> UserView:
    _count_request("register", client, conf().register_rate_per_minute)
    passwords.check_policy(request.password, username=request.username)
    user = new_user(
        username=request.username,
        password=request.password,
        role=Role.CUSTOMER,
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        phone=request.phone,
    )
    users.create(user)
    announce(EventType.CUSTOMER_REGISTERED, user, correlation_id)
    return UserView.of(user)


def login(username: str, password: str, *, client: str) -> TokenPair:
    _count_request("login", client, conf().sign_in_rate_per_minute)
    user = verify_password(username, password, client)
    if not user.enabled:
        raise AccountDisabled()
    if HASHER.needs_upgrade(user.password_hash):
        # The hash was made with weaker parameters; the clear password is at hand only now.
        users.set_password(user.user_id, HASHER.hash(password), now=iso(now()), end_sessions=False)
    family_id, refresh_token = sessions.start_family(
        user.user_id, user.token_generation, now=epoch(), now_iso=iso(now())
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
        now=epoch(),
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
    return keys.key_ring(conf().signing_keys_secret, with_private=False).jwks()


def _pair(user: User, family_id: str, refresh_token: str) -> TokenPair:
    cfg = conf()
    ring = keys.key_ring(cfg.signing_keys_secret, with_private=True)
    access_token, _ = issue_access_token(
        ring,
        sub=user.user_id,
        role=user.role,
        username=user.username,
        issuer=cfg.jwt_issuer,
        audience=cfg.jwt_audience,
        now=epoch(),
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
        attempts.count_request(action, client, limit, epoch())
    except attempts.RateLimited as limited:
        raise RateLimited(limited.retry_after) from None
