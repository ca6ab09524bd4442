"""The gateway's TOKEN authorizer: it reads only the public keys' secret from (moto) Secrets Manager, and
refuses a token whose session ended (user disabled, password changed, logged out) within seconds."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from core.secrets import secret_json
from identity.app import app
from identity.entrypoints import authorizer
from identity.store import keys, revocations
from tests.unit.conftest import FakeContext
from tests.unit.identity.identity_helpers import NEW_PASSWORD, PASSWORD, make_key

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/accounts/0123456789"
ISS, AUD = "https://identity.arhan.financial", "arhan-bank-api"


def token_for(entry: dict[str, str], **overrides: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISS,
        "aud": AUD,
        "sub": "usr_42",
        "role": "staff",
        "username": "sam",
        "iat": now,
        "exp": now + 900,
        "jti": "j1",
        "sid": "fam_42",
        "gen": 0,
        **overrides,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    key = load_pem_private_key(entry["private_pem"].encode(), None)
    return jwt.encode(payload, key, algorithm="EdDSA", headers={"kid": entry["kid"], "typ": "at+jwt"})  # type: ignore[arg-type]


def authorize(token: str, scheme: str = "Bearer") -> dict[str, Any]:
    event = {"type": "TOKEN", "authorizationToken": f"{scheme} {token}", "methodArn": METHOD_ARN}
    result: dict[str, Any] = authorizer.handler(event, FakeContext())  # log_metrics types it Any
    return result


def put_item(table_variable: str, item: dict[str, Any]) -> None:
    boto3.resource("dynamodb").Table(os.environ[table_variable]).put_item(Item=item)


@pytest.fixture
def identity(identity: Any) -> Any:
    """The identity cloud with a live session of usr_42 (what sign-in writes): the user row and the
    refresh family `fam_42`, the rows the authorizer reads."""
    put_item("IDENTITY_USERS_TABLE", {"pk": "user#usr_42", "status": "active", "token_generation": 0})
    put_item("IDENTITY_REFRESH_TOKENS_TABLE", {"pk": "family#fam_42", "user_id": "usr_42", "revoked": False})
    return identity


def refused(token: str) -> bool:
    revocations.forget()  # the authorizer's 1 s cache: each case asks the tables afresh
    try:
        authorize(token)
    except Exception as error:
        assert str(error) == "Unauthorized"
        return True
    return False


def test_valid_token_allows_the_whole_api_with_the_principal_in_context(identity: Any) -> None:
    entry = identity.signing_keys["keys"][0]
    result = authorize(token_for(entry))
    assert result["principalId"] == "usr_42"
    statement = result["policyDocument"]["Statement"]
    assert statement == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": ["arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*"],
        }
    ]
    # `cby` (who created a staff account) is always there, empty when there is none
    assert result["context"] == {
        "sub": "usr_42",
        "role": "staff",
        "username": "sam",
        "pcr": False,
        "cby": "",
    }


def test_a_staff_accounts_creator_reaches_the_context_and_the_principal(identity: Any) -> None:
    from core.auth import principal_from_authorizer

    entry = identity.signing_keys["keys"][0]
    context = authorize(token_for(entry, cby="usr_admin"))["context"]
    assert context["cby"] == "usr_admin"
    principal = principal_from_authorizer({**context, "pcr": str(context["pcr"]).lower()})
    assert (principal.user_id, principal.created_by) == ("usr_42", "usr_admin")
    assert principal_from_authorizer(authorize(token_for(entry))["context"]).created_by == ""


def test_scheme_is_case_insensitive(identity: Any) -> None:
    assert authorize(token_for(identity.signing_keys["keys"][0]), scheme="bearer")["principalId"] == "usr_42"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "tampered",
        "alg_none",
        "hs256_public_key",
        "wrong_aud",
        "wrong_iss",
        "other_key",
        "garbage",
        "no_session",
        "no_generation",
    ],
)
def test_bad_tokens_are_unauthorized(identity: Any, case: str) -> None:
    import hashlib
    import hmac

    entry = identity.signing_keys["keys"][0]
    past = int(time.time()) - 3600
    if case == "expired":
        token = token_for(entry, iat=past, exp=past + 900)
    elif case == "tampered":
        head, _, sig = token_for(entry).split(".")
        token = f"{head}.{_b64({'sub': 'usr_1', 'role': 'admin'})}.{sig}"
    elif case == "alg_none":
        token = f"{_b64({'alg': 'none', 'kid': 'k1', 'typ': 'at+jwt'})}.{token_for(entry).split('.')[1]}."
    elif case == "hs256_public_key":
        signing_input = (
            f"{_b64({'alg': 'HS256', 'kid': 'k1', 'typ': 'at+jwt'})}.{token_for(entry).split('.')[1]}"
        )
        digest = hmac.new(entry["public_pem"].encode(), signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"
    elif case == "wrong_aud":
        token = token_for(entry, aud="somebody-else")
    elif case == "wrong_iss":
        token = token_for(entry, iss="https://evil.example")
    elif case == "other_key":
        token = token_for(make_key("k1"))
    elif case == "no_session":
        token = token_for(entry, sid=None)  # a token from before sessions were checked
    elif case == "no_generation":
        token = token_for(entry, gen=None)
    else:
        token = "not-a-jwt"
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(token)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer a b", "token-without-scheme"])
def test_missing_or_malformed_authorization_header_is_unauthorized(identity: Any, header: str | None) -> None:
    event = {"type": "TOKEN", "authorizationToken": header, "methodArn": METHOD_ARN}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event, FakeContext())


def test_a_key_added_by_rotation_is_picked_up_without_waiting_for_the_cache(identity: Any) -> None:
    # Given a warm authorizer that has cached the key ring with k1 only
    old = identity.signing_keys["keys"][0]
    authorize(token_for(old))
    # When the secret is rotated to k2 (k1 kept) and a k2 token arrives
    new = make_key("k2")
    identity.set_signing_keys({"active_kid": "k2", "keys": [new, old]})
    # Then the unknown kid forces one fresh read and both tokens pass
    assert authorize(token_for(new))["principalId"] == "usr_42"
    assert authorize(token_for(old))["principalId"] == "usr_42"


def test_forged_key_ids_do_not_force_reads_more_than_once_a_minute(identity: Any) -> None:
    entry = identity.signing_keys["keys"][0]
    stranger = make_key("k-unknown")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(token_for(stranger))
    # A key appearing right after a forced read waits for the normal cache expiry
    newer = make_key("k3")
    identity.set_signing_keys({"active_kid": "k3", "keys": [newer, entry]})
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(token_for(newer))


def allows(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM's reading of the policy, as the gateway (and the local cloud's plugin) applies it: `*` is any
    run of characters, slashes too; an explicit Deny wins."""

    def matches(patterns: str | list[str], value: str) -> bool:
        candidates = [patterns] if isinstance(patterns, str) else patterns
        regex = ["".join(".*" if char == "*" else re.escape(char) for char in p) for p in candidates]
        return any(re.fullmatch(pattern, value) for pattern in regex)

    applying = [
        s
        for s in policy["policyDocument"]["Statement"]
        if matches(s["Action"], "execute-api:Invoke") and matches(s["Resource"], method_arn)
    ]
    return any(s["Effect"] == "Allow" for s in applying) and not any(s["Effect"] == "Deny" for s in applying)


def test_the_policy_allows_every_route_of_the_stage_and_nothing_else(identity: Any) -> None:
    policy = authorize(token_for(identity.signing_keys["keys"][0]))
    stage = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod"
    for route in ["GET/", "GET/me", "POST/staff/users/usr_1/disable", "DELETE/accounts/0123456789", "PUT/x"]:
        assert allows(policy, f"{stage}/{route}"), route
    for other in [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/me",  # another stage
        "arn:aws:execute-api:us-east-1:123456789012:zzz999/prod/GET/me",  # another API
        "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/me",  # another region
        "arn:aws:execute-api:us-east-1:210987654321:abc123/prod/GET/me",  # another account
    ]:
        assert not allows(policy, other), other


def test_policy_for_a_non_method_arn_is_refused() -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.api_wide_resource("nonsense")


# --- the public keys only -------------------------------------------------------------------------------


def test_the_authorizer_reads_only_the_public_keys_secret(
    identity: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the private signing keys are out of reach (as the authorizer's grants make them)
    prefix = os.environ["SECRET_PREFIX"]
    entry = identity.signing_keys["keys"][0]
    boto3.client("secretsmanager").delete_secret(
        SecretId=f"{prefix}/identity/signing-keys", ForceDeleteWithoutRecovery=True
    )
    read: list[str] = []

    def spying(name: str, **kwargs: Any) -> dict[str, Any]:
        read.append(name)
        return secret_json(name, **kwargs)

    monkeypatch.setattr(keys, "secret_json", spying)
    # When a token arrives, Then it is verified with the public halves alone
    assert authorize(token_for(entry))["principalId"] == "usr_42"
    assert set(read) == {f"{prefix}/identity/signing-keys-public"}
    public = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=f"{prefix}/identity/signing-keys-public")[
            "SecretString"
        ]
    )
    assert public["active_kid"] == "k1" and [set(key) for key in public["keys"]] == [
        {"kid", "public_pem", "created_at"}
    ]


# --- revocation: a token stops working within seconds once its session ends -----------------------------


def test_a_live_session_is_allowed_and_other_sessions_or_generations_are_not(identity: Any) -> None:
    entry = identity.signing_keys["keys"][0]
    assert not refused(token_for(entry))
    assert refused(token_for(entry, gen=1))  # a generation the user does not have (yet)
    assert refused(token_for(entry, sid="fam_missing"))  # no such session
    put_item("IDENTITY_REFRESH_TOKENS_TABLE", {"pk": "family#fam_7", "user_id": "usr_7", "revoked": False})
    assert refused(token_for(entry, sid="fam_7"))  # somebody else's session
    assert refused(token_for(entry, sub="usr_unknown"))


def test_the_revocation_check_reads_only_the_attributes_the_authorizers_grant_allows(identity: Any) -> None:
    from core import aws
    from tests.unit.test_template_grants import AUTHORIZER_ATTRIBUTES

    # Given every BatchGetItem request the authorizer sends, as sent
    sent: list[dict[str, Any]] = []
    aws.client("dynamodb").meta.events.register(
        "before-parameter-build.dynamodb.BatchGetItem", lambda params, **_: sent.append(params)
    )
    revocations.forget()
    # When a token is checked
    assert authorize(token_for(identity.signing_keys["keys"][0]))["principalId"] == "usr_42"
    # Then each table's read names its attributes (the grant's condition refuses any other read), and
    # they and the keys are among the five the template allows: never a password hash
    (request,) = sent
    assert len(request["RequestItems"]) == 2
    for table, read in request["RequestItems"].items():
        names = read.get("ExpressionAttributeNames", {})
        projected = {
            names.get(part.strip(), part.strip()) for part in read["ProjectionExpression"].split(",")
        }
        keys = {name for key in read["Keys"] for name in key}
        assert projected | keys <= set(AUTHORIZER_ATTRIBUTES), table
        assert "Select" not in read or read["Select"] == "SPECIFIC_ATTRIBUTES"


def test_an_ended_session_is_refused_once_the_authorizers_one_second_cache_lapses(
    identity: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"now": 1_000.0}
    monkeypatch.setattr(revocations, "time", SimpleNamespace(monotonic=lambda: clock["now"]))
    token = token_for(identity.signing_keys["keys"][0])
    assert authorize(token)["principalId"] == "usr_42"
    # When the session is logged out, Then for up to a second the warm authorizer still allows it
    put_item("IDENTITY_REFRESH_TOKENS_TABLE", {"pk": "family#fam_42", "user_id": "usr_42", "revoked": True})
    clock["now"] += 0.5
    assert authorize(token)["principalId"] == "usr_42"
    # And after it, the tables are read again and the token is refused
    clock["now"] += 0.6
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(token)


Api = Callable[..., Any]


def sign_in(call_api: Api, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = call_api(app, "POST", "/auth/login", body={"username": username, "password": password})
    assert response.status == 200, response.json
    pair: dict[str, Any] = response.json
    return pair


def context_of(token: str) -> dict[str, str]:
    """The principal the gateway hands the app for this token (it passes context values as strings)."""
    revocations.forget()
    context = authorize(token)["context"]
    return {
        name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in context.items()
    }


def test_disabling_a_user_ends_their_tokens(identity: Any, registered: Any, call_api: Api) -> None:
    from identity.entrypoints import bootstrap

    user = registered("yinka")
    token = sign_in(call_api, "yinka")["access_token"]
    assert not refused(token)
    # Given an admin (who first replaces the generated password)
    bootstrap.handler({}, FakeContext())
    first = sign_in(call_api, "rootadmin", "first-admin-Secret-42")
    change = {"current_password": "first-admin-Secret-42", "new_password": NEW_PASSWORD}
    assert (
        call_api(app, "POST", "/me/password", body=change, principal=context_of(first["access_token"])).status
        == 204
    )
    admin = context_of(sign_in(call_api, "rootadmin", NEW_PASSWORD)["access_token"])
    # When the admin disables the user, Then the user's token is refused
    disabled = call_api(
        app,
        "POST",
        "/staff/users/{user_id}/disable",
        path_params={"user_id": user["user_id"]},
        principal=admin,
    )
    assert disabled.status == 200
    assert refused(token)
    # And enabling them again does not revive the old session: the user signs in afresh
    call_api(
        app,
        "POST",
        "/staff/users/{user_id}/enable",
        path_params={"user_id": user["user_id"]},
        principal=admin,
    )
    assert refused(token)
    assert not refused(sign_in(call_api, "yinka")["access_token"])


def test_a_password_change_ends_every_session_and_a_new_sign_in_works(
    identity: Any, registered: Any, call_api: Api
) -> None:
    registered("uche")
    phone = sign_in(call_api, "uche")["access_token"]
    laptop = sign_in(call_api, "uche")["access_token"]
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert call_api(app, "POST", "/me/password", body=change, principal=context_of(phone)).status == 204
    assert refused(phone) and refused(laptop)
    assert not refused(sign_in(call_api, "uche", NEW_PASSWORD)["access_token"])


def test_logging_out_ends_that_session_only(identity: Any, registered: Any, call_api: Api) -> None:
    registered("ngozi")
    phone = sign_in(call_api, "ngozi")
    laptop = sign_in(call_api, "ngozi")
    out = call_api(
        app,
        "POST",
        "/auth/logout",
        body={"refresh_token": phone["refresh_token"]},
        principal=context_of(phone["access_token"]),
    )
    assert out.status == 204
    assert refused(phone["access_token"])
    assert not refused(laptop["access_token"])
