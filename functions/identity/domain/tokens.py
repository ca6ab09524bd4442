"""Access tokens: EdDSA (Ed25519) JWTs, verified the RFC 8725 way.

Issued with a `kid` header and `typ: at+jwt` (RFC 9068), claims iss, aud, sub, role, username, iat,
exp (15 minutes), jti, sid (the sign-in's session: its refresh family), gen (the user's token
generation) and pcr (a password change is required first). The authorizer checks sid and gen against
the tables, so logging out, a password change or disabling the user ends the token within seconds. Verification pins the algorithm to EdDSA (so `none` and HS256-with-the-public-
key tokens fail), requires every claim, checks issuer, audience, expiry and the key id, and accepts only
a known role.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from core.auth import Role
from identity.domain.errors import InvalidAccessToken, SigningKeysInvalid, UnknownSigningKey

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"  # noqa: S105 - a JWT "typ", not a secret
ACCESS_TOKEN_SECONDS = 15 * 60
LEEWAY_SECONDS = 30  # clock skew between the signer and the authorizer
REQUIRED_CLAIMS = ["iss", "aud", "sub", "role", "exp", "iat", "jti", "sid", "gen"]


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    role: Role
    username: str
    jti: str
    iat: int
    exp: int
    sid: str
    gen: int
    pcr: bool = False
    cby: str | None = None  # a staff account's creator (four eyes never pairs the two)


@dataclass(frozen=True)
class KeyRing:
    """Every key in the signing-keys secret; the active one signs, all of them verify (rotation)."""

    active_kid: str
    public_keys: Mapping[str, Ed25519PublicKey]
    private_key: Ed25519PrivateKey | None = None

    @classmethod
    def from_secret(cls, value: Mapping[str, Any], *, with_private: bool) -> KeyRing:
        """Parse `{"active_kid", "keys": [{"kid", "private_pem", "public_pem", "created_at"}]}`."""
        try:
            active_kid = str(value["active_kid"])
            public: dict[str, Ed25519PublicKey] = {}
            private: Ed25519PrivateKey | None = None
            for entry in value["keys"]:
                key = serialization.load_pem_public_key(str(entry["public_pem"]).encode())
                if not isinstance(key, Ed25519PublicKey):
                    raise SigningKeysInvalid(f"key {entry['kid']} is not an Ed25519 key")
                public[str(entry["kid"])] = key
                if with_private and entry["kid"] == active_kid:
                    loaded = serialization.load_pem_private_key(str(entry["private_pem"]).encode(), None)
                    if not isinstance(loaded, Ed25519PrivateKey):
                        raise SigningKeysInvalid(f"key {active_kid} is not an Ed25519 key")
                    private = loaded
        except (KeyError, TypeError, ValueError, UnsupportedAlgorithm) as exc:
            raise SigningKeysInvalid() from exc
        if active_kid not in public or (with_private and private is None):
            raise SigningKeysInvalid(f"the active key {active_kid} is not in the secret")
        return cls(active_kid=active_kid, public_keys=public, private_key=private)

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set (RFC 7517) of every public key, active one first."""
        order = sorted(self.public_keys, key=lambda kid: kid != self.active_kid)
        return {"keys": [public_jwk(kid, self.public_keys[kid]) for kid in order]}


def public_jwk(kid: str, key: Ed25519PublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(key, as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}


def issue_access_token(
    keys: KeyRing,
    *,
    sub: str,
    role: Role,
    username: str,
    issuer: str,
    audience: str,
    now: int,
    session_id: str,
    generation: int,
    password_change_required: bool = False,
    created_by: str | None = None,
    ttl: int = ACCESS_TOKEN_SECONDS,
) -> tuple[str, AccessClaims]:
    if keys.private_key is None:
        raise SigningKeysInvalid("no private key loaded for signing")
    claims = AccessClaims(
        sub=sub,
        role=role,
        username=username,
        jti=secrets.token_urlsafe(16),
        iat=now,
        exp=now + ttl,
        sid=session_id,
        gen=generation,
        pcr=password_change_required,
        cby=created_by,
    )
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": claims.sub,
        "role": claims.role.value,
        "username": claims.username,
        "iat": claims.iat,
        "exp": claims.exp,
        "jti": claims.jti,
        "sid": claims.sid,
        "gen": claims.gen,
    }
    if claims.pcr:
        payload["pcr"] = True
    if claims.cby:
        payload["cby"] = claims.cby
    token = jwt.encode(
        payload, keys.private_key, algorithm=ALGORITHM, headers={"kid": keys.active_kid, "typ": TOKEN_TYPE}
    )
    return token, claims


def verify_access_token(
    token: str, public_keys: Mapping[str, Ed25519PublicKey], *, issuer: str, audience: str
) -> AccessClaims:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidAccessToken("algorithm not allowed")
    if header.get("typ") != TOKEN_TYPE:
        raise InvalidAccessToken("not an access token")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidAccessToken("no key id")
    key = public_keys.get(kid)
    if key is None:
        raise UnknownSigningKey("unknown key id")
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "strict_aud": True},
        )
    except jwt.PyJWTError as exc:
        raise InvalidAccessToken(type(exc).__name__) from exc
    try:
        role = Role(payload["role"])
    except ValueError as exc:
        raise InvalidAccessToken("unknown role") from exc
    sub, jti, sid, gen = payload["sub"], payload["jti"], payload["sid"], payload["gen"]
    if not isinstance(sub, str) or not sub or not isinstance(jti, str):
        raise InvalidAccessToken("bad subject")
    if not isinstance(sid, str) or not sid or not isinstance(gen, int) or isinstance(gen, bool):
        raise InvalidAccessToken("bad session")
    return AccessClaims(
        sub=sub,
        role=role,
        username=str(payload.get("username", "")),
        jti=jti,
        iat=int(payload["iat"]),
        exp=int(payload["exp"]),
        sid=sid,
        gen=gen,
        pcr=payload.get("pcr") is True,
        cby=payload["cby"] if isinstance(payload.get("cby"), str) else None,
    )
