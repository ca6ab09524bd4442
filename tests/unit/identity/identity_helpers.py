"""Shared helpers of the identity unit tests (a unique module name: test dirs are not packages)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PASSWORD = "violet-Harmattan-river-42"
NEW_PASSWORD = "amber-Sahel-lantern-77"


def make_key(kid: str) -> dict[str, str]:
    """One entry of the signing-keys secret, in the format of docs/architecture.md."""
    private = Ed25519PrivateKey.generate()
    return {
        "kid": kid,
        "private_pem": private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "public_pem": private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "created_at": "2025-01-01T00:00:00.000Z",
    }
