"""Identity through the deployed gateway: tokens, the authorizer, roles, rotation and lockout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

from tests.integration.conftest import PASSWORD, Bank, User, login
from tools.api import Api
from tools.deploy import SECRET_PREFIX
from tools.secrets_bootstrap import read_secret

pytestmark = pytest.mark.localcloud

ISSUER, AUDIENCE = "https://identity.arhan.financial", "arhan-bank-api"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signing_key(bank: Bank) -> tuple[str, Any]:
    value = read_secret(bank.client("secretsmanager"), f"{SECRET_PREFIX}/identity/signing-keys")
    entry = next(key for key in value["keys"] if key["kid"] == value["active_kid"])
    return entry["kid"], load_pem_private_key(entry["private_pem"].encode(), None)


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_register_login_me(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    me = api.get("/me", token=user.access_token)
    assert me.status_code == 200
    assert me.json()["username"] == user.username and me.json()["role"] == "customer"


def test_jwks_verifies_access_tokens_with_a_stock_library(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    jwks = api.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    header = jwt.get_unverified_header(user.access_token)
    key = jwt.PyJWKSet.from_dict(jwks.json())[header["kid"]]
    claims = jwt.decode(user.access_token, key, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["sub"] == user.user_id and claims["exp"] - claims["iat"] == 900
    assert {"kid", "iss", "aud", "sub", "role", "exp", "iat", "jti"} <= set(claims) | set(header)


def test_refresh_rotates_and_the_old_token_fails(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    rotated = api.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert rotated.status_code == 200
    pair = rotated.json()
    assert pair["refresh_token"] != user.refresh_token
    assert api.get("/me", token=pair["access_token"]).status_code == 200
    old = api.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert old.status_code == 401


def test_reuse_revokes_the_family(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    current = api.post("/auth/refresh", json={"refresh_token": user.refresh_token}).json()["refresh_token"]
    replay = api.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert (replay.status_code, replay.json()["code"]) == (401, "refresh_token_reused")
    after = api.post("/auth/refresh", json={"refresh_token": current})
    assert (after.status_code, after.json()["code"]) == (401, "invalid_refresh_token")


def test_logout_revokes(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    out = api.post("/auth/logout", token=user.access_token, json={"refresh_token": user.refresh_token})
    assert out.status_code == 204
    assert api.post("/auth/refresh", json={"refresh_token": user.refresh_token}).status_code == 401


def test_no_token_is_401(api: Api) -> None:
    assert api.get("/me").status_code == 401


@pytest.mark.parametrize(
    "case", ["expired", "tampered", "alg_none", "hs256_public_key", "wrong_aud", "wrong_iss"]
)
def test_bad_tokens_are_401(bank: Bank, api: Api, new_customer: Callable[[], User], case: str) -> None:
    user = new_customer()
    kid, private = signing_key(bank)
    claims = claims_of(user.access_token)
    head = {"alg": "EdDSA", "kid": kid, "typ": "at+jwt"}
    if case == "expired":
        past = int(time.time()) - 3600
        token = jwt.encode(
            {**claims, "iat": past, "exp": past + 900}, private, algorithm="EdDSA", headers=head
        )
    elif case == "tampered":
        header, _, signature = user.access_token.split(".")
        token = f"{header}.{b64(json.dumps({**claims, 'role': 'admin'}).encode())}.{signature}"
    elif case == "alg_none":
        token = f"{b64(json.dumps({**head, 'alg': 'none'}).encode())}.{b64(json.dumps(claims).encode())}."
    elif case == "hs256_public_key":
        jwk = api.get("/.well-known/jwks.json").json()["keys"][0]
        # The public key anyone can download, used as an HMAC secret (key confusion).
        public_pem = jwt.PyJWK.from_dict(jwk).key.public_bytes(
            Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
        )
        signing_input = (
            f"{b64(json.dumps({**head, 'alg': 'HS256'}).encode())}.{b64(json.dumps(claims).encode())}"
        )
        token = (
            f"{signing_input}.{b64(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())}"
        )
    elif case == "wrong_aud":
        token = jwt.encode(
            {**claims, "aud": "another-api", "jti": secrets.token_hex(4)},
            private,
            algorithm="EdDSA",
            headers=head,
        )
    else:
        token = jwt.encode(
            {**claims, "iss": "https://evil.example", "jti": secrets.token_hex(4)},
            private,
            algorithm="EdDSA",
            headers=head,
        )
    assert api.get("/me", token=token).status_code == 401


def test_a_well_signed_token_of_our_own_making_passes(
    bank: Bank, api: Api, new_customer: Callable[[], User]
) -> None:
    # The control for the test above: the same recipe with nothing wrong gets through.
    user = new_customer()
    kid, private = signing_key(bank)
    claims = {**claims_of(user.access_token), "jti": secrets.token_hex(8)}
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid, "typ": "at+jwt"})
    assert api.get("/me", token=token).status_code == 200


def test_customer_on_a_staff_route_is_403(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    response = api.get("/staff/customers?q=a", token=user.access_token)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    response = api.post("/staff/users", token=user.access_token, json={})
    assert response.status_code == 403


def test_admin_creates_staff_who_reach_staff_routes(
    api: Api, admin: User, new_customer: Callable[[], User]
) -> None:
    customer = new_customer()
    username = f"staff{secrets.token_hex(4)}"
    created = api.post(
        "/staff/users",
        token=admin.access_token,
        json={
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@arhan.ng",
            "first_name": "Sam",
            "last_name": "Staff",
            "role": "staff",
        },
    )
    assert created.status_code == 201, created.text
    staff = login(api, username, PASSWORD)
    found = api.get(f"/staff/customers?q={customer.username}", token=staff.access_token)
    assert found.status_code == 200
    assert [item["username"] for item in found.json()["items"]] == [customer.username]
    assert api.get("/staff/users", token=staff.access_token).status_code == 403  # admin only


def test_sixth_wrong_password_is_locked(api: Api, new_customer: Callable[[], User]) -> None:
    user = new_customer()
    for _ in range(5):
        wrong = api.post("/auth/login", json={"username": user.username, "password": "Wrong-Password-123"})
        assert wrong.status_code == 401
    sixth = api.post("/auth/login", json={"username": user.username, "password": "Wrong-Password-123"})
    assert (sixth.status_code, sixth.json()["code"]) == (423, "account_locked")
    assert int(sixth.headers["Retry-After"]) > 0
