"""The identity API through real API Gateway proxy events (moto behind it): sign-up and sign-in with
their limits per client address and per username, sessions, profile, staff, and the first admin's forced
password change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from core.config import settings
from identity.app import app
from identity.entrypoints import authorizer
from identity.service import common as common_service
from identity.service import sessions as session_service
from identity.service import staff as staff_service
from identity.service import users as user_service
from identity.store import revocations
from identity.store.models import LoginAttemptModel
from tests.unit.conftest import FakeContext
from tests.unit.identity.identity_helpers import NEW_PASSWORD, PASSWORD

Api = Callable[..., Any]
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/me"
FIRST_ADMIN_PASSWORD = "first-admin-Secret-42"


def login(call_api: Api, username: str, password: str = PASSWORD, client: str = "127.0.0.1") -> Any:
    return call_api(
        app, "POST", "/auth/login", body={"username": username, "password": password}, source_ip=client
    )


def refresh(call_api: Api, token: str) -> Any:
    return call_api(app, "POST", "/auth/refresh", body={"refresh_token": token})


def principal_of(access_token: str) -> dict[str, str]:
    """What the gateway passes on for this token: the authorizer's context (values as strings)."""
    revocations.forget()
    context = authorizer.handler(
        {"type": "TOKEN", "authorizationToken": f"Bearer {access_token}", "methodArn": METHOD_ARN},
        FakeContext(),
    )["context"]
    return {
        name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in context.items()
    }


def first_admin_signed_in(call_api: Api) -> Any:
    """The bootstrapped first admin's first sign-in (with the generated password)."""
    from identity.entrypoints import bootstrap

    bootstrap.handler({}, FakeContext())
    response = login(call_api, "rootadmin", FIRST_ADMIN_PASSWORD)
    assert response.status == 200, response.json
    return response


def admin(call_api: Api) -> dict[str, str]:
    """The bootstrapped first admin, who replaced the generated password and signed in again."""
    first = principal_of(first_admin_signed_in(call_api).json["access_token"])
    change = {"current_password": FIRST_ADMIN_PASSWORD, "new_password": NEW_PASSWORD}
    assert call_api(app, "POST", "/me/password", body=change, principal=first).status == 204
    response = login(call_api, "rootadmin", NEW_PASSWORD)
    assert response.status == 200, response.json
    return principal_of(response.json["access_token"])


class Clock:
    """The identity service's clock, moved by hand (limits count per second and per minute)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 10, 0, 5, tzinfo=UTC)  # 5 s into a minute

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fixed = Clock()
    for module in (common_service, session_service, staff_service, user_service):
        monkeypatch.setattr(module, "now", lambda: fixed.now)
    yield fixed


def set_limit(monkeypatch: pytest.MonkeyPatch, name: str, value: int) -> None:
    monkeypatch.setenv(name, str(value))
    settings.cache_clear()


def pair_tries(username: str, client: str) -> int:
    return int(LoginAttemptModel.get(f"pair#{username}#{client}", consistent_read=True).tries)


# --- registration --------------------------------------------------------------------------------------


def test_register_creates_a_customer_and_announces_it(identity: Any, registered: Any) -> None:
    body = registered("ada.obi", email="Ada@Example.NG", phone="0803 123 4567")
    assert body["role"] == "customer" and body["status"] == "active"
    assert body["email"] == "ada@example.ng" and body["phone"] == "+2348031234567"
    assert body["user_id"].startswith("usr_") and PASSWORD not in str(body)
    assert not {"password", "password_hash"} & set(body) and body["password_change_required"] is False
    events = identity.events()
    assert [event["type"] for event in events] == ["customer.registered"]
    assert events[0]["data"] == {"user_id": body["user_id"], "username": "ada.obi", "role": "customer"}
    assert events[0]["source"] == "identity" and events[0]["version"] == 1 and events[0]["event_id"]


def test_usernames_and_emails_are_unique(identity: Any, registered: Any, call_api: Api) -> None:
    registered("bisi")
    body = {
        "username": "BISI",
        "password": PASSWORD,
        "email": "other@example.ng",
        "first_name": "B",
        "last_name": "C",
        "phone": "08031234567",
    }
    taken = call_api(app, "POST", "/auth/register", body=body)
    assert (taken.status, taken.json["code"]) == (409, "username_taken")
    body.update(username="bisi2", email="BISI@example.ng")
    taken = call_api(app, "POST", "/auth/register", body=body)
    assert (taken.status, taken.json["code"]) == (409, "email_taken")


def test_a_weak_password_is_refused_with_its_reasons(identity: Any, call_api: Api) -> None:
    body = {
        "username": "chidi",
        "password": "Password2024",
        "email": "chidi@example.ng",
        "first_name": "Chidi",
        "last_name": "Okeke",
        "phone": "08031234567",
    }
    response = call_api(app, "POST", "/auth/register", body=body)
    assert (response.status, response.json["code"]) == (400, "weak_password")
    assert response.json["reasons"] == ["is too common or too easy to guess"]
    assert "Password2024" not in response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "a"),
        ("username", "bad name"),
        ("email", "not-an-email"),
        ("phone", "12"),
        ("first_name", "R2D2"),
    ],
)
def test_invalid_fields_are_400(identity: Any, call_api: Api, field: str, value: str) -> None:
    body = {
        "username": "dayo",
        "password": PASSWORD,
        "email": "dayo@example.ng",
        "first_name": "Dayo",
        "last_name": "Ade",
        "phone": "08031234567",
        field: value,
    }
    response = call_api(app, "POST", "/auth/register", body=body)
    assert (response.status, response.json["code"]) == (400, "validation_failed")


def test_there_is_no_public_staff_signup(identity: Any, call_api: Api) -> None:
    body = {
        "username": "eve",
        "password": PASSWORD,
        "email": "eve@example.ng",
        "first_name": "Eve",
        "last_name": "Bad",
        "phone": "08031234567",
        "role": "admin",
    }
    assert call_api(app, "POST", "/auth/register", body=body).status == 400


# --- login, lockout --------------------------------------------------------------------------------------


def test_login_returns_a_token_pair_and_me_works(identity: Any, registered: Any, call_api: Api) -> None:
    user = registered("femi")
    response = login(call_api, "Femi")
    assert response.status == 200
    pair = response.json
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900 and pair["refresh_token"]
    assert pair["password_change_required"] is False
    principal = principal_of(pair["access_token"])
    assert principal == {
        "sub": user["user_id"],
        "role": "customer",
        "username": "femi",
        "pcr": "false",
        "cby": "",
    }
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert claims["sid"].startswith("fam_") and claims["gen"] == 0 and "pcr" not in claims
    assert "cby" not in claims
    me = call_api(app, "GET", "/me", principal=principal)
    assert me.status == 200 and me.json["username"] == "femi"
    assert me.json["password_change_required"] is False


def test_wrong_password_and_unknown_user_get_the_same_answer(
    identity: Any, registered: Any, call_api: Api
) -> None:
    registered("gbenga")
    wrong = login(call_api, "gbenga", "not-the-right-password-1")
    unknown = login(call_api, "nobody-here", PASSWORD)
    assert wrong.status == unknown.status == 401
    assert wrong.json == unknown.json
    assert wrong.json["code"] == "invalid_credentials"


def test_sixth_wrong_password_is_locked_even_with_the_right_one(
    identity: Any, registered: Any, call_api: Api
) -> None:
    registered("hauwa")
    for _ in range(5):
        assert login(call_api, "hauwa", "wrong-password-xyz-1").status == 401
    sixth = login(call_api, "hauwa", "wrong-password-xyz-1")
    assert (sixth.status, sixth.json["code"]) == (423, "account_locked")
    assert 0 < int(sixth.headers["retry-after"]) <= 900
    assert sixth.json["retry_after_seconds"] == int(sixth.headers["retry-after"])
    assert sixth.headers["content-type"] == "application/problem+json"
    assert login(call_api, "hauwa").status == 423


def test_a_success_clears_the_failure_count(identity: Any, registered: Any, call_api: Api) -> None:
    registered("ifeoma")
    for _ in range(4):
        login(call_api, "ifeoma", "wrong-password-xyz-1")
    assert login(call_api, "ifeoma").status == 200
    for _ in range(4):
        assert login(call_api, "ifeoma", "wrong-password-xyz-1").status == 401
    assert login(call_api, "ifeoma").status == 200


def test_a_pair_locked_from_one_client_does_not_lock_the_user_out_elsewhere(
    identity: Any, registered: Any, call_api: Api
) -> None:
    # Given five wrong passwords for hauwa from one address
    registered("hauwa")
    for _ in range(5):
        assert login(call_api, "hauwa", "wrong-password-xyz-1", client="203.0.113.9").status == 401
    # Then that address is locked for hauwa, even with the right password
    locked = login(call_api, "hauwa", client="203.0.113.9")
    assert (locked.status, locked.json["code"]) == (423, "account_locked")
    # But hauwa signs in from her own address, and a wrong password there is only a wrong password
    assert login(call_api, "hauwa", "wrong-password-xyz-1", client="198.51.100.7").status == 401
    assert login(call_api, "hauwa", client="198.51.100.7").status == 200
    # And the locked address can still sign in other users
    registered("ifeanyi")
    assert login(call_api, "ifeanyi", client="203.0.113.9").status == 200


def test_tries_held_by_sign_ins_still_running_make_the_next_one_wait_but_do_not_lock(
    identity: Any, registered: Any, call_api: Api, clock: Clock
) -> None:
    from identity.store import attempts

    # Given five sign-ins of olu from one address still being judged (their tries taken, no verdict)
    registered("olu")
    for _ in range(5):
        attempts.pair("olu", "203.0.113.9").take(int(clock.now.timestamp()))
    # When a sixth comes from there, Then it is told to come back in a moment, not that olu is locked
    busy = login(call_api, "olu", client="203.0.113.9")
    assert (busy.status, busy.json["code"], busy.headers["retry-after"]) == (429, "sign_in_slowed", "1")
    # And when those sign-ins turn out right (each gives its try back), the address signs in again
    for _ in range(5):
        attempts.pair("olu", "203.0.113.9").give_back()
    assert login(call_api, "olu", client="203.0.113.9").status == 200


def test_ten_failures_spread_over_clients_slow_the_username_down_but_never_lock_it(
    identity: Any, registered: Any, call_api: Api, clock: Clock
) -> None:
    # Given ten wrong passwords for kunle, two from each of five addresses (no pair is locked)
    registered("kunle")
    for n in range(10):
        response = login(call_api, "kunle", "wrong-password-xyz-1", client=f"203.0.113.{n // 2}")
        assert (response.status, response.json["code"]) == (401, "invalid_credentials")
    # When anyone tries again within two seconds, even from a clean address with the right password
    slowed = login(call_api, "kunle", client="198.51.100.7")
    # Then 429 sign_in_slowed with Retry-After, and the attempt was not judged: its try went back
    assert (slowed.status, slowed.json["code"]) == (429, "sign_in_slowed")
    assert 1 <= int(slowed.headers["retry-after"]) <= 2
    assert slowed.json["retry_after_seconds"] == int(slowed.headers["retry-after"])
    assert pair_tries("kunle", "198.51.100.7") == 0
    # When the real user waits the two seconds, Then the right password from a clean address works
    clock.advance(2)
    assert login(call_api, "kunle", client="198.51.100.7").status == 200
    # And a guesser keeps getting at most one judged attempt per two seconds, from any address
    assert (
        login(call_api, "kunle", "wrong-password-xyz-2", client="203.0.113.99").json["code"]
        == "sign_in_slowed"
    )
    clock.advance(2)
    assert login(call_api, "kunle", "wrong-password-xyz-2", client="203.0.113.99").status == 401
    assert login(call_api, "kunle", "wrong-password-xyz-2", client="203.0.113.98").status == 429
    # Another username is not slowed
    registered("lara")
    assert login(call_api, "lara").status == 200


def known_row(username: str, client: str) -> dict[str, Any] | None:
    try:
        item = LoginAttemptModel.get(f"known#{username}#{client}", consistent_read=True)
    except LoginAttemptModel.DoesNotExist:
        return None
    return dict(item.attribute_values)


def test_a_right_password_makes_the_client_known_to_the_username_for_thirty_days(
    identity: Any, registered: Any, call_api: Api, clock: Clock
) -> None:
    registered("kemi")
    # Given wrong passwords from an address, When the right one comes from there
    for _ in range(2):
        login(call_api, "kemi", "wrong-password-xyz-1", client="198.51.100.7")
    assert known_row("kemi", "198.51.100.7") is None  # a wrong password makes nobody known
    assert login(call_api, "kemi", client="198.51.100.7").status == 200
    # Then the pair is cleared (its window closed), and the address is known to kemi (only) for 30 days
    pair = LoginAttemptModel.get("pair#kemi#198.51.100.7", consistent_read=True).attribute_values
    assert int(pair["tries_window_end"]) == 0
    row = known_row("kemi", "198.51.100.7")
    assert row is not None
    assert int(row["expires_ttl"]) == int(clock.now.timestamp()) + 30 * 24 * 3600
    assert known_row("kemi", "203.0.113.9") is None


def test_a_known_client_is_never_slowed_while_a_new_one_is(
    identity: Any, registered: Any, call_api: Api, clock: Clock
) -> None:
    from identity.store import attempts

    # Given kunle signed in from his phone's address before
    registered("kunle")
    assert login(call_api, "kunle", client="198.51.100.7").status == 200
    # And ten wrong passwords for him spread over five other addresses (a guesser slowing him down)
    for n in range(10):
        response = login(call_api, "kunle", "wrong-password-xyz-1", client=f"203.0.113.{n // 2}")
        assert response.status == 401
    # When a new address tries, even with the right password, Then it is slowed (not judged)
    slowed = login(call_api, "kunle", client="192.0.2.44")
    assert (slowed.status, slowed.json["code"]) == (429, "sign_in_slowed")
    # But from his known address he signs in at once, again and again within the same two seconds:
    # the guesser's turns never take his away
    for _ in range(3):
        assert login(call_api, "kunle", client="198.51.100.7").status == 200
    assert login(call_api, "kunle", client="192.0.2.45").status == 429
    # And a wrong password from the known address is judged like any other (and counted on its pair)
    wrong = login(call_api, "kunle", "wrong-password-xyz-2", client="198.51.100.7")
    assert (wrong.status, wrong.json["code"]) == (401, "invalid_credentials")
    assert pair_tries("kunle", "198.51.100.7") == 1
    # Once 30 days have passed since that sign-in, the address is new again
    moment = int(clock.now.timestamp())
    assert attempts.known("kunle", "198.51.100.7", moment + 30 * 24 * 3600 - 1)
    assert not attempts.known("kunle", "198.51.100.7", moment + 30 * 24 * 3600)
    # And an address known to another username is nobody's key to kunle
    registered("lara")
    assert login(call_api, "lara", client="192.0.2.44").status == 200
    assert login(call_api, "kunle", client="192.0.2.44").status == 429


def test_sign_in_is_rate_limited_per_client_address(
    identity: Any, registered: Any, call_api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered("mide")
    set_limit(monkeypatch, "SIGN_IN_RATE_PER_MINUTE", 3)
    # Given three sign-ins from one address within a minute
    for _ in range(3):
        assert login(call_api, "mide", client="203.0.113.9").status == 200
    # When a fourth comes, Then 429 rate_limited, with Retry-After until the minute ends (unjudged)
    limited = login(call_api, "mide", client="203.0.113.9")
    assert (limited.status, limited.json["code"]) == (429, "rate_limited")
    assert int(limited.headers["retry-after"]) == 55  # the clock stands 5 s into its minute
    assert limited.json["retry_after_seconds"] == 55
    unknown = login(call_api, "nobody-at-all", client="203.0.113.9")
    assert (unknown.status, unknown.json["code"]) == (429, "rate_limited")
    # Another address is not limited, and the next minute this one may sign in again
    assert login(call_api, "mide", client="198.51.100.7").status == 200
    clock.advance(55)
    assert login(call_api, "mide", client="203.0.113.9").status == 200


def test_registration_is_rate_limited_per_client_address(
    identity: Any, call_api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_limit(monkeypatch, "REGISTER_RATE_PER_MINUTE", 2)

    def register(username: str, client: str) -> Any:
        body = {
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@example.ng",
            "first_name": "Ada",
            "last_name": "Obi",
            "phone": "08031234567",
        }
        return call_api(app, "POST", "/auth/register", body=body, source_ip=client)

    assert register("bot-1", "203.0.113.9").status == 201
    assert register("bot-2", "203.0.113.9").status == 201
    limited = register("bot-3", "203.0.113.9")
    assert (limited.status, limited.json["code"]) == (429, "rate_limited")
    assert 0 < int(limited.headers["retry-after"]) <= 60
    assert login(call_api, "bot-3").json["code"] == "invalid_credentials"  # nobody was created
    assert register("bot-3", "198.51.100.7").status == 201
    clock.advance(60)
    assert register("bot-4", "203.0.113.9").status == 201


def test_a_weak_legacy_hash_is_upgraded_at_login(identity: Any, registered: Any, call_api: Api) -> None:
    from identity.domain.passwords import PasswordHasher, parameters_of
    from identity.store import users

    user = registered("jide")
    users.set_password(
        user["user_id"], PasswordHasher(iterations=1_000).hash(PASSWORD), now="t", end_sessions=False
    )
    assert login(call_api, "jide").status == 200
    stored = users.get(user["user_id"])
    assert stored is not None and parameters_of(stored.password_hash) == ("pbkdf2_sha256", 600_000, 16)
    assert login(call_api, "jide").status == 200


# --- refresh rotation and reuse --------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_token_stops_working(
    identity: Any, registered: Any, call_api: Api
) -> None:
    registered("kemi")
    first = login(call_api, "kemi").json
    second = refresh(call_api, first["refresh_token"])
    assert second.status == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    assert principal_of(second.json["access_token"])["username"] == "kemi"
    old = refresh(call_api, first["refresh_token"])
    assert (old.status, old.json["code"]) == (401, "refresh_token_reused")


def test_reuse_revokes_the_whole_family(identity: Any, registered: Any, call_api: Api) -> None:
    registered("lola")
    stolen = login(call_api, "lola").json["refresh_token"]
    legit = refresh(call_api, stolen).json["refresh_token"]  # the user rotates
    assert refresh(call_api, stolen).status == 401  # the thief replays the old token
    after = refresh(call_api, legit)  # and now the user's current token is dead too
    assert (after.status, after.json["code"]) == (401, "invalid_refresh_token")


def test_other_sessions_survive_a_reuse_in_one_family(identity: Any, registered: Any, call_api: Api) -> None:
    registered("musa")
    phone = login(call_api, "musa").json["refresh_token"]
    laptop = login(call_api, "musa").json["refresh_token"]
    refresh(call_api, phone)
    refresh(call_api, phone)  # reuse in the phone's family
    assert refresh(call_api, laptop).status == 200


def test_unknown_refresh_token_is_401(identity: Any, call_api: Api) -> None:
    response = refresh(call_api, "x" * 43)
    assert (response.status, response.json["code"]) == (401, "invalid_refresh_token")


def test_logout_revokes_the_session(identity: Any, registered: Any, call_api: Api) -> None:
    registered("ngozi")
    pair = login(call_api, "ngozi").json
    principal = principal_of(pair["access_token"])
    out = call_api(
        app, "POST", "/auth/logout", body={"refresh_token": pair["refresh_token"]}, principal=principal
    )
    assert out.status == 204
    assert refresh(call_api, pair["refresh_token"]).status == 401


def test_logout_with_someone_elses_token_changes_nothing(
    identity: Any, registered: Any, call_api: Api
) -> None:
    registered("obi")
    registered("peju")
    victim = login(call_api, "obi").json
    attacker = principal_of(login(call_api, "peju").json["access_token"])
    out = call_api(
        app, "POST", "/auth/logout", body={"refresh_token": victim["refresh_token"]}, principal=attacker
    )
    assert out.status == 204
    assert refresh(call_api, victim["refresh_token"]).status == 200


def test_signed_in_routes_need_a_principal(identity: Any, call_api: Api) -> None:
    assert call_api(app, "GET", "/me").status == 401
    assert call_api(app, "POST", "/auth/logout", body={"refresh_token": "x" * 43}).status == 401


# --- profile and password --------------------------------------------------------------------------------


def test_patch_me_updates_the_profile_and_moves_the_email(
    identity: Any, registered: Any, call_api: Api
) -> None:
    user = registered("queen")
    registered("rita")
    principal = {"sub": user["user_id"], "role": "customer", "username": "queen"}
    updated = call_api(
        app, "PATCH", "/me", body={"email": "q@new.ng", "last_name": "Eze"}, principal=principal
    )
    assert updated.status == 200
    assert (updated.json["email"], updated.json["last_name"], updated.json["first_name"]) == (
        "q@new.ng",
        "Eze",
        "Ada",
    )
    # The old address is free again, the new one is taken
    clash = call_api(app, "PATCH", "/me", body={"email": "rita@example.ng"}, principal=principal)
    assert (clash.status, clash.json["code"]) == (409, "email_taken")
    freed = registered("sade", email="queen@example.ng")
    assert freed["email"] == "queen@example.ng"


def test_patch_me_refuses_empty_and_unknown_fields(identity: Any, registered: Any, call_api: Api) -> None:
    user = registered("tunde")
    principal = {"sub": user["user_id"], "role": "customer", "username": "tunde"}
    assert call_api(app, "PATCH", "/me", body={}, principal=principal).status == 400
    assert call_api(app, "PATCH", "/me", body={"role": "admin"}, principal=principal).status == 400
    assert call_api(app, "PATCH", "/me", body={"username": "x"}, principal=principal).status == 400


def test_password_change_revokes_refresh_tokens(identity: Any, registered: Any, call_api: Api) -> None:
    registered("uche")
    pair = login(call_api, "uche").json
    principal = principal_of(pair["access_token"])
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert call_api(app, "POST", "/me/password", body=change, principal=principal).status == 204
    assert refresh(call_api, pair["refresh_token"]).json["code"] == "invalid_refresh_token"
    assert login(call_api, "uche").status == 401
    assert login(call_api, "uche", NEW_PASSWORD).status == 200


def test_password_change_needs_the_current_password_and_a_good_new_one(
    identity: Any, registered: Any, call_api: Api
) -> None:
    user = registered("vera")
    principal = {"sub": user["user_id"], "role": "customer", "username": "vera"}
    wrong = {"current_password": "not-my-password-9", "new_password": NEW_PASSWORD}
    assert (
        call_api(app, "POST", "/me/password", body=wrong, principal=principal).json["code"]
        == "invalid_credentials"
    )
    weak = {"current_password": PASSWORD, "new_password": "qwerty123456"}
    assert (
        call_api(app, "POST", "/me/password", body=weak, principal=principal).json["code"] == "weak_password"
    )
    same = {"current_password": PASSWORD, "new_password": PASSWORD}
    assert (
        call_api(app, "POST", "/me/password", body=same, principal=principal).json["code"] == "weak_password"
    )


# --- JWKS -----------------------------------------------------------------------------------------------


def test_jwks_is_public_and_verifies_issued_tokens(identity: Any, registered: Any, call_api: Api) -> None:
    registered("wale")
    token = login(call_api, "wale").json["access_token"]
    response = call_api(app, "GET", "/.well-known/jwks.json")
    assert response.status == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    key = jwt.PyJWKSet.from_dict(response.json)["k1"]
    claims = jwt.decode(
        token, key, algorithms=["EdDSA"], audience="arhan-bank-api", issuer="https://identity.arhan.financial"
    )
    assert claims["username"] == "wale"


# --- staff -----------------------------------------------------------------------------------------------


def test_bootstrap_creates_the_first_admin_once(identity: Any) -> None:
    from identity.entrypoints import bootstrap

    first = bootstrap.handler({}, FakeContext())
    again = bootstrap.handler({}, FakeContext())
    assert first["created"] is True and again["created"] is False
    assert first["user_id"] == again["user_id"]
    assert [event["type"] for event in identity.events()] == ["staff.created"]


def test_customers_get_403_on_staff_routes(identity: Any, registered: Any, call_api: Api) -> None:
    user = registered("xena")
    principal = {"sub": user["user_id"], "role": "customer", "username": "xena"}
    for method, path in [("GET", "/staff/users"), ("GET", "/staff/customers"), ("POST", "/staff/users")]:
        response = call_api(app, method, path, body={}, query={"q": "x"}, principal=principal)
        assert (response.status, response.json["code"]) == (403, "forbidden"), path


def test_admin_creates_staff_who_reach_staff_routes_but_not_admin_ones(
    identity: Any, registered: Any, call_api: Api
) -> None:
    boss = admin(call_api)
    body = {
        "username": "staffer",
        "password": PASSWORD,
        "email": "staffer@arhan.ng",
        "first_name": "Yemi",
        "last_name": "Staff",
        "role": "staff",
    }
    created = call_api(app, "POST", "/staff/users", body=body, principal=boss)
    assert created.status == 201 and created.json["role"] == "staff"
    assert "staff.created" in [event["type"] for event in identity.events()]
    staff = principal_of(login(call_api, "staffer").json["access_token"])
    assert staff["role"] == "staff"
    registered("zainab")
    assert call_api(app, "GET", "/staff/customers", query={"q": "zai"}, principal=staff).status == 200
    assert call_api(app, "POST", "/staff/users", body=body, principal=staff).status == 403
    listing = call_api(app, "GET", "/staff/users", principal=boss)
    assert [user["username"] for user in listing.json["items"]] == ["rootadmin", "staffer"]


def test_staff_list_pages_with_a_cursor(identity: Any, call_api: Api) -> None:
    boss = admin(call_api)
    for name in ("staff-a", "staff-b", "staff-c"):
        body = {
            "username": name,
            "password": PASSWORD,
            "email": f"{name}@arhan.ng",
            "first_name": "S",
            "last_name": "T",
        }
        assert call_api(app, "POST", "/staff/users", body=body, principal=boss).status == 201
    first = call_api(app, "GET", "/staff/users", query={"limit": "2"}, principal=boss).json
    second = call_api(
        app, "GET", "/staff/users", query={"limit": "2", "cursor": first["next_cursor"]}, principal=boss
    ).json
    names = [user["username"] for user in first["items"] + second["items"]]
    assert names == ["rootadmin", "staff-a", "staff-b", "staff-c"]
    bad = call_api(app, "GET", "/staff/users", query={"cursor": "garbage!"}, principal=boss)
    assert (bad.status, bad.json["code"]) == (400, "invalid_cursor")


def test_disabled_users_cannot_log_in_or_refresh(identity: Any, registered: Any, call_api: Api) -> None:
    boss = admin(call_api)
    user = registered("yinka")
    pair = login(call_api, "yinka").json
    disabled = call_api(
        app,
        "POST",
        "/staff/users/{user_id}/disable",
        path_params={"user_id": user["user_id"]},
        principal=boss,
    )
    assert disabled.status == 200 and disabled.json["status"] == "disabled"
    assert refresh(call_api, pair["refresh_token"]).status == 401
    response = login(call_api, "yinka")
    assert (response.status, response.json["code"]) == (403, "account_disabled")
    enabled = call_api(
        app, "POST", "/staff/users/{user_id}/enable", path_params={"user_id": user["user_id"]}, principal=boss
    )
    assert enabled.json["status"] == "active" and login(call_api, "yinka").status == 200


def test_admins_cannot_disable_themselves_or_unknown_users(identity: Any, call_api: Api) -> None:
    boss = admin(call_api)
    own = call_api(
        app, "POST", "/staff/users/{user_id}/disable", path_params={"user_id": boss["sub"]}, principal=boss
    )
    assert (own.status, own.json["code"]) == (422, "cannot_disable_self")
    ghost = call_api(
        app, "POST", "/staff/users/{user_id}/disable", path_params={"user_id": "usr_x"}, principal=boss
    )
    assert (ghost.status, ghost.json["code"]) == (404, "user_not_found")


def test_a_disabled_admins_token_no_longer_manages_staff(identity: Any, call_api: Api) -> None:
    boss = admin(call_api)
    body = {
        "username": "second",
        "password": PASSWORD,
        "email": "s@arhan.ng",
        "first_name": "S",
        "last_name": "A",
        "role": "admin",
    }
    second = call_api(app, "POST", "/staff/users", body=body, principal=boss).json
    other = {"sub": second["user_id"], "role": "admin", "username": "second"}
    call_api(
        app, "POST", "/staff/users/{user_id}/disable", path_params={"user_id": boss["sub"]}, principal=other
    )
    response = call_api(app, "GET", "/staff/users", principal=boss)
    assert (response.status, response.json["code"]) == (403, "account_disabled")


def test_the_first_admin_must_replace_the_generated_password_before_anything_else(
    identity: Any, call_api: Api
) -> None:
    # Given the first admin signs in with the generated password
    first = first_admin_signed_in(call_api).json
    # Then the answer and the token say a password change comes first
    assert first["password_change_required"] is True
    assert jwt.decode(first["access_token"], options={"verify_signature": False})["pcr"] is True
    principal = principal_of(first["access_token"])
    assert principal["pcr"] == "true" and principal["role"] == "admin"
    # And only /me, /me/password and /auth/logout answer until then
    me = call_api(app, "GET", "/me", principal=principal)
    assert (me.status, me.json["password_change_required"]) == (200, True)
    staff = {
        "username": "staffer",
        "password": PASSWORD,
        "email": "staffer@arhan.ng",
        "first_name": "Yemi",
        "last_name": "Staff",
    }
    for method, path, body in (
        ("GET", "/staff/users", None),
        ("POST", "/staff/users", staff),
        ("GET", "/staff/customers", None),
        ("PATCH", "/me", {"last_name": "Root"}),
    ):
        response = call_api(app, method, path, body=body, query={"q": "x"}, principal=principal)
        assert (response.status, response.json["code"]) == (403, "password_change_required"), (method, path)
    # A refresh keeps the requirement (it is the user's, not the token's)
    refreshed = refresh(call_api, first["refresh_token"]).json
    assert refreshed["password_change_required"] is True
    assert principal_of(refreshed["access_token"])["pcr"] == "true"
    # When the admin changes the password
    change = {"current_password": FIRST_ADMIN_PASSWORD, "new_password": NEW_PASSWORD}
    assert call_api(app, "POST", "/me/password", body=change, principal=principal).status == 204
    # Then the old token stops at the authorizer, and a new sign-in works normally
    revocations.forget()
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        principal_of(first["access_token"])
    again = login(call_api, "rootadmin", NEW_PASSWORD).json
    assert again["password_change_required"] is False
    assert "pcr" not in jwt.decode(again["access_token"], options={"verify_signature": False})
    boss = principal_of(again["access_token"])
    assert boss["pcr"] == "false"
    assert call_api(app, "POST", "/staff/users", body=staff, principal=boss).status == 201
    assert call_api(app, "GET", "/me", principal=boss).json["password_change_required"] is False
    assert login(call_api, "rootadmin", FIRST_ADMIN_PASSWORD).status == 401


def test_logout_answers_before_the_password_change(identity: Any, call_api: Api) -> None:
    first = first_admin_signed_in(call_api).json
    principal = principal_of(first["access_token"])
    out = call_api(
        app, "POST", "/auth/logout", body={"refresh_token": first["refresh_token"]}, principal=principal
    )
    assert out.status == 204
    assert refresh(call_api, first["refresh_token"]).status == 401
    revocations.forget()
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        principal_of(first["access_token"])


def test_staff_carry_the_admin_who_created_them_into_their_tokens(
    identity: Any, registered: Any, call_api: Api
) -> None:
    from identity.store.models import UserModel

    def claims_of(token: str) -> dict[str, Any]:
        return dict(jwt.decode(token, options={"verify_signature": False}))

    # Given the first admin (created by nobody), who creates a second admin and a staff member
    boss = admin(call_api)
    body = {"password": PASSWORD, "first_name": "Y", "last_name": "S"}
    second = call_api(
        app,
        "POST",
        "/staff/users",
        body={**body, "username": "second", "email": "a2@arhan.ng", "role": "admin"},
        principal=boss,
    ).json
    staffer = call_api(
        app,
        "POST",
        "/staff/users",
        body={**body, "username": "staffer", "email": "s@arhan.ng"},
        principal=boss,
    ).json
    # Then each staff account stores its creator, and its tokens carry it as `cby`
    for user in (second, staffer):
        assert UserModel.get(f"user#{user['user_id']}").created_by == boss["sub"]
    pair = login(call_api, "staffer").json
    assert claims_of(pair["access_token"])["cby"] == boss["sub"]
    assert principal_of(pair["access_token"])["cby"] == boss["sub"]
    refreshed = refresh(call_api, pair["refresh_token"]).json  # and keep it across refreshes
    assert claims_of(refreshed["access_token"])["cby"] == boss["sub"]
    # And a staff member the second admin creates carries the second admin
    other = principal_of(login(call_api, "second").json["access_token"])
    assert other["cby"] == boss["sub"]
    call_api(
        app,
        "POST",
        "/staff/users",
        body={**body, "username": "third", "email": "t@arhan.ng"},
        principal=other,
    )
    assert principal_of(login(call_api, "third").json["access_token"])["cby"] == second["user_id"]
    # While the first admin and customers have no creator: no claim, and "" in the context
    registered("zara")
    for username, password in (("rootadmin", NEW_PASSWORD), ("zara", PASSWORD)):
        token = login(call_api, username, password).json["access_token"]
        assert "cby" not in claims_of(token)
        assert principal_of(token)["cby"] == ""


def test_customers_and_staff_created_by_an_admin_need_no_password_change(
    identity: Any, registered: Any, call_api: Api
) -> None:
    boss = admin(call_api)
    body = {
        "username": "staffer",
        "password": PASSWORD,
        "email": "s@arhan.ng",
        "first_name": "Y",
        "last_name": "S",
    }
    assert call_api(app, "POST", "/staff/users", body=body, principal=boss).status == 201
    registered("zara")
    for username in ("staffer", "zara"):
        pair = login(call_api, username).json
        assert pair["password_change_required"] is False
        assert principal_of(pair["access_token"])["pcr"] == "false"


def test_staff_search_customers_by_prefix(identity: Any, registered: Any, call_api: Api) -> None:
    staff = {"sub": "usr_staff", "role": "staff", "username": "s"}
    amaka = registered("amaka", first_name="Amaka", last_name="Nwosu", email="amaka@mail.ng")
    registered("bola", first_name="Bola", last_name="Nwachukwu", email="b.n@mail.ng")
    registered("chike", first_name="Chike", last_name="Eze", email="nw.chike@mail.ng")

    def search(text: str) -> list[str]:
        response = call_api(app, "GET", "/staff/customers", query={"q": text}, principal=staff)
        assert response.status == 200
        return [user["username"] for user in response.json["items"]]

    assert search("am") == ["amaka"]  # username
    assert search("NW") == ["amaka", "bola", "chike"]  # last names and an email, case-insensitive
    assert search("b.n@") == ["bola"]  # email
    assert search("chi") == ["chike"]  # first name
    assert search("rootadmin") == []  # staff never appear among customers
    assert call_api(app, "GET", "/staff/customers", principal=staff).status == 400
    one = call_api(
        app, "GET", "/staff/customers/{user_id}", path_params={"user_id": amaka["user_id"]}, principal=staff
    )
    assert one.status == 200 and one.json["last_name"] == "Nwosu"
