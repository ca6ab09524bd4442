"""Access tokens: claims (the session `sid`, the user's token generation `gen`, `pcr` when a password
change is required first), and verification that follows RFC 8725."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.auth import Role
from identity.domain.errors import InvalidAccessToken, SigningKeysInvalid, UnknownSigningKey
from identity.domain.tokens import KeyRing, issue_access_token, verify_access_token

ISS, AUD = "https://identity.test", "bank-test"


def pem_pair(kid: str) -> tuple[dict[str, str], Ed25519PrivateKey]:
    private = Ed25519PrivateKey.generate()
    entry = {
        "kid": kid,
        "private_pem": private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "public_pem": private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "created_at": "2025-01-01T00:00:00.000Z",
    }
    return entry, private


ENTRY, PRIVATE = pem_pair("k1")
RING = KeyRing.from_secret({"active_kid": "k1", "keys": [ENTRY]}, with_private=True)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISS,
        "aud": AUD,
        "sub": "usr_1",
        "role": "customer",
        "username": "ada",
        "iat": now,
        "exp": now + 900,
        "jti": "j1",
        "sid": "fam_1",
        "gen": 0,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], *, key: Ed25519PrivateKey = PRIVATE, **header: Any) -> str:
    return jwt.encode(payload, key, algorithm="EdDSA", headers={"kid": "k1", "typ": "at+jwt", **header})


def verify(token: str) -> Any:
    return verify_access_token(token, RING.public_keys, issuer=ISS, audience=AUD)


def test_issued_token_carries_every_claim_and_lives_fifteen_minutes() -> None:
    now = int(time.time())
    token, issued = issue_access_token(
        RING,
        sub="usr_1",
        role=Role.STAFF,
        username="sam",
        issuer=ISS,
        audience=AUD,
        now=now,
        session_id="fam_7",
        generation=3,
    )
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}
    payload = jwt.decode(token, PRIVATE.public_key(), algorithms=["EdDSA"], audience=AUD, issuer=ISS)
    assert set(payload) == {"iss", "aud", "sub", "role", "username", "exp", "iat", "jti", "sid", "gen"}
    assert payload["role"] == "staff" and payload["sub"] == "usr_1"
    assert (payload["sid"], payload["gen"]) == ("fam_7", 3)
    assert (issued.sid, issued.gen, issued.pcr) == ("fam_7", 3, False)
    assert payload["exp"] - payload["iat"] == 900
    assert verify(token) == issued


def test_each_token_has_its_own_jti() -> None:
    now = int(time.time())
    first = issue_access_token(
        RING,
        sub="u",
        role=Role.CUSTOMER,
        username="u",
        issuer=ISS,
        audience=AUD,
        now=now,
        session_id="fam_1",
        generation=0,
    )
    second = issue_access_token(
        RING,
        sub="u",
        role=Role.CUSTOMER,
        username="u",
        issuer=ISS,
        audience=AUD,
        now=now,
        session_id="fam_1",
        generation=0,
    )
    assert first[1].jti != second[1].jti


def test_expired_token_is_refused() -> None:
    past = int(time.time()) - 3600
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(iat=past, exp=past + 900)))


def test_tampered_payload_is_refused() -> None:
    header, _payload, signature = signed(claims()).split(".")
    forged = b64(json.dumps(claims(role="admin")).encode())
    with pytest.raises(InvalidAccessToken):
        verify(f"{header}.{forged}.{signature}")


def test_alg_none_is_refused() -> None:
    header = b64(json.dumps({"alg": "none", "kid": "k1", "typ": "at+jwt"}).encode())
    body = b64(json.dumps(claims(role="admin")).encode())
    with pytest.raises(InvalidAccessToken):
        verify(f"{header}.{body}.")


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    # The classic key-confusion attack: the public key (from the JWKS) used as an HMAC secret.
    header = b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "at+jwt"}).encode())
    body = b64(json.dumps(claims(role="admin")).encode())
    secret = ENTRY["public_pem"].encode()
    signature = b64(hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest())
    with pytest.raises(InvalidAccessToken):
        verify(f"{header}.{body}.{signature}")


def test_wrong_audience_and_wrong_issuer_are_refused() -> None:
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(aud="another-api")))
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(iss="https://evil.example")))


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "jti", "role", "aud", "iss", "sid", "gen"])
def test_a_missing_claim_is_refused(missing: str) -> None:
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(**{missing: None})))


@pytest.mark.parametrize(
    "session",
    [
        {"sid": ""},
        {"sid": 7},
        {"sid": ["fam_1"]},
        {"gen": "0"},
        {"gen": True},
        {"gen": 1.5},
    ],
)
def test_a_malformed_session_or_generation_is_refused(session: dict[str, Any]) -> None:
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(**session)))


def test_a_password_change_requirement_is_carried_only_when_true() -> None:
    now = int(time.time())
    common: dict[str, Any] = {
        "sub": "usr_1",
        "role": Role.ADMIN,
        "username": "root",
        "issuer": ISS,
        "audience": AUD,
        "now": now,
        "session_id": "fam_1",
        "generation": 0,
    }
    forced, claims_forced = issue_access_token(RING, **common, password_change_required=True)
    plain, _ = issue_access_token(RING, **common)
    assert jwt.decode(forced, options={"verify_signature": False})["pcr"] is True
    assert "pcr" not in jwt.decode(plain, options={"verify_signature": False})
    assert verify(forced).pcr is True and claims_forced.pcr is True
    assert verify(plain).pcr is False


def test_a_staff_accounts_creator_is_carried_only_when_there_is_one() -> None:
    now = int(time.time())
    common: dict[str, Any] = {
        "sub": "usr_9",
        "role": Role.STAFF,
        "username": "made",
        "issuer": ISS,
        "audience": AUD,
        "now": now,
        "session_id": "fam_9",
        "generation": 0,
    }
    made, claims_made = issue_access_token(RING, **common, created_by="usr_admin")
    first_admin, _ = issue_access_token(RING, **common)
    blank, _ = issue_access_token(RING, **common, created_by="")
    assert jwt.decode(made, options={"verify_signature": False})["cby"] == "usr_admin"
    for token in (first_admin, blank):
        assert "cby" not in jwt.decode(token, options={"verify_signature": False})
        assert verify(token).cby is None
    assert verify(made).cby == claims_made.cby == "usr_admin"
    assert verify(made) == claims_made
    # A `cby` that is not text is not a creator (the signature makes this the issuer's bug, not a
    # forgery, but a wrong type must never reach four eyes)
    assert verify(signed(claims(cby=42))).cby is None


def test_unknown_role_and_wrong_typ_are_refused() -> None:
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(role="superuser")))
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(), typ="JWT"))


def test_a_key_we_do_not_hold_is_refused() -> None:
    _, stranger = pem_pair("k1")
    with pytest.raises(InvalidAccessToken):
        verify(signed(claims(), key=stranger))  # right kid, wrong key
    with pytest.raises(UnknownSigningKey):
        verify(signed(claims(), kid="k9"))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJFZERTQSJ9..", "x" * 5000])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidAccessToken):
        verify(garbage)


def test_rotation_keeps_old_keys_verifying_and_in_the_jwks() -> None:
    # Given a rotated secret: k2 now signs, k1 is still listed
    new_entry, _ = pem_pair("k2")
    rotated = KeyRing.from_secret({"active_kid": "k2", "keys": [ENTRY, new_entry]}, with_private=True)
    old_token = signed(claims())
    now = int(time.time())
    new_token, _ = issue_access_token(
        rotated,
        sub="u",
        role=Role.CUSTOMER,
        username="u",
        issuer=ISS,
        audience=AUD,
        now=now,
        session_id="fam_1",
        generation=0,
    )
    # Then both verify and the JWKS lists both, the active one first
    for token in (old_token, new_token):
        verify_access_token(token, rotated.public_keys, issuer=ISS, audience=AUD)
    assert [key["kid"] for key in rotated.jwks()["keys"]] == ["k2", "k1"]
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"


def test_the_jwks_verifies_tokens_with_a_stock_jwt_library() -> None:
    token, _ = issue_access_token(
        RING,
        sub="usr_1",
        role=Role.ADMIN,
        username="root",
        issuer=ISS,
        audience=AUD,
        now=int(time.time()),
        session_id="fam_1",
        generation=0,
    )
    jwks = json.loads(json.dumps(RING.jwks()))
    assert jwks["keys"][0] == {
        **jwks["keys"][0],
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert "d" not in jwks["keys"][0]  # never the private part
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    payload = jwt.decode(token, key, algorithms=["EdDSA"], audience=AUD, issuer=ISS)
    assert payload["role"] == "admin"


@pytest.mark.parametrize(
    "secret",
    [
        {},
        {"active_kid": "k1", "keys": []},
        {"active_kid": "k2", "keys": [ENTRY]},
        {"active_kid": "k1", "keys": [{**ENTRY, "public_pem": "not a pem"}]},
    ],
)
def test_a_broken_keys_secret_is_reported_as_such(secret: dict[str, Any]) -> None:
    with pytest.raises(SigningKeysInvalid):
        KeyRing.from_secret(secret, with_private=True)


def test_the_verifier_does_not_need_private_keys() -> None:
    public_only = {"active_kid": "k1", "keys": [{**ENTRY, "private_pem": ""}]}
    ring = KeyRing.from_secret(public_only, with_private=False)
    assert ring.private_key is None and set(ring.public_keys) == {"k1"}
