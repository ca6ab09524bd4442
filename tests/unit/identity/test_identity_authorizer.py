"""The gateway's TOKEN authorizer, reading the signing keys from (moto) Secrets Manager."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from identity.handlers import authorizer
from tests.unit.identity.identity_helpers import make_key

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
        **overrides,
    }
    key = load_pem_private_key(entry["private_pem"].encode(), None)
    return jwt.encode(payload, key, algorithm="EdDSA", headers={"kid": entry["kid"], "typ": "at+jwt"})  # type: ignore[arg-type]


def authorize(token: str, scheme: str = "Bearer") -> dict[str, Any]:
    event = {"type": "TOKEN", "authorizationToken": f"{scheme} {token}", "methodArn": METHOD_ARN}
    return authorizer.handler(event, None)


def test_valid_token_allows_the_whole_api_with_the_principal_in_context(identity: Any) -> None:
    entry = identity.signing_keys["keys"][0]
    result = authorize(token_for(entry))
    assert result["principalId"] == "usr_42"
    statement = result["policyDocument"]["Statement"]
    assert statement == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*",
        }
    ]
    assert result["context"] == {"sub": "usr_42", "role": "staff", "username": "sam"}


def test_scheme_is_case_insensitive(identity: Any) -> None:
    assert authorize(token_for(identity.signing_keys["keys"][0]), scheme="bearer")["principalId"] == "usr_42"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "case",
    ["expired", "tampered", "alg_none", "hs256_public_key", "wrong_aud", "wrong_iss", "other_key", "garbage"],
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
    else:
        token = "not-a-jwt"
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(token)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "Bearer a b", "token-without-scheme"])
def test_missing_or_malformed_authorization_header_is_unauthorized(identity: Any, header: str | None) -> None:
    event = {"type": "TOKEN", "authorizationToken": header, "methodArn": METHOD_ARN}
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event, None)


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


def test_policy_for_a_non_method_arn_is_refused() -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.api_wide_resource("nonsense")
