"""Create the bank's secrets in Secrets Manager when they are absent (never overwrite, never in git).

Formats are the contract in docs/architecture.md. The first admin's password is printed once, when it
is created; afterwards it can only be read from Secrets Manager.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.clock import iso, now


def _random_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def signing_keys() -> dict[str, Any]:
    private = Ed25519PrivateKey.generate()
    kid = f"k{now():%Y%m%d%H%M%S}"
    return {
        "active_kid": kid,
        "keys": [
            {
                "kid": kid,
                "private_pem": private.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
                "public_pem": private.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode(),
                "created_at": iso(now()),
            }
        ],
    }


def first_admin() -> dict[str, Any]:
    return {"username": "admin", "password": secrets.token_urlsafe(18)}


SECRETS: dict[str, Callable[[], dict[str, Any]]] = {
    "identity/signing-keys": signing_keys,
    "identity/first-admin": first_admin,
    "accounts/card-keys": lambda: {
        "pan_key": _random_key(),
        "cvv_key": _random_key(),
        "pan_index_key": _random_key(),
    },
    "accounts/pin-key": lambda: {"key": _random_key()},
    "payments/pin-key": lambda: {"key": _random_key()},
}


def public_keys(signing: dict[str, Any]) -> dict[str, Any]:
    """The signing keys without their private halves: the authorizer's secret (least privilege). A key
    rotation writes both secrets."""
    return {
        "active_kid": signing["active_kid"],
        "keys": [{k: v for k, v in key.items() if k != "private_pem"} for key in signing["keys"]],
    }


def ensure_secrets(client: Any, prefix: str) -> list[str]:
    """Create each missing secret; returns the names created now."""
    existing: set[str] = set()
    for page in client.get_paginator("list_secrets").paginate():
        existing.update(secret["Name"] for secret in page["SecretList"])
    created = []
    for suffix, make in SECRETS.items():
        name = f"{prefix}/{suffix}"
        if name in existing:
            continue
        value = make()
        client.create_secret(Name=name, SecretString=json.dumps(value))
        created.append(name)
        if suffix == "identity/first-admin":
            print(f"  first admin created: username={value['username']} password={value['password']}")
            print("  (shown once; you must choose a new password when you first sign in)")
    public = f"{prefix}/identity/signing-keys-public"
    if public not in existing:
        signing = read_secret(client, f"{prefix}/identity/signing-keys")
        client.create_secret(Name=public, SecretString=json.dumps(public_keys(signing)))
        created.append(public)
    return created


def read_secret(client: Any, name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    return value
