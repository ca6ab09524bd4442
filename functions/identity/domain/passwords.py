"""Password policy and hashing.

Policy (NIST SP 800-63B style): at least 12 characters, at most 256, not a common password (also after
removing leading/trailing digits and symbols, so "Password2024!" counts as "password"), not the username.
Hashing: PBKDF2-HMAC-SHA256, 600,000 iterations (OWASP 2023), 16-byte per-user salt. The stored string
carries its parameters, `pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`, so a hash made with weaker
parameters is recognised and re-made at the next successful login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from identity.domain.errors import WeakPassword

MIN_LENGTH = 12
MAX_LENGTH = 256
ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000
SALT_BYTES = 16
HASH_BYTES = 32
_STRIP = string.digits + string.punctuation + " "
_LIST_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = _LIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def policy_violations(password: str, *, username: str = "") -> list[str]:
    """Every rule the password breaks (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    candidates = {lowered, lowered.strip(_STRIP), lowered.rstrip(_STRIP), lowered.lstrip(_STRIP)}
    if candidates & common_passwords() or len(set(lowered)) <= 2:
        problems.append("is too common or too easy to guess")
    if len(username) >= 3 and username.lower() in lowered:
        problems.append("must not contain the username")
    return problems


def check_policy(password: str, *, username: str = "") -> None:
    problems = policy_violations(password, username=username)
    if problems:
        raise WeakPassword("The password " + "; ".join(problems), reasons=problems)


@dataclass(frozen=True)
class PasswordHasher:
    iterations: int = ITERATIONS

    def hash(self, password: str) -> str:
        salt = os.urandom(SALT_BYTES)
        digest = _pbkdf2(password, salt, self.iterations)
        return f"{ALGORITHM}${self.iterations}${_b64(salt)}${_b64(digest)}"

    def verify(self, password: str, encoded: str) -> bool:
        """Constant-time comparison; a malformed or foreign hash simply does not match."""
        parsed = _parse(encoded)
        if parsed is None:
            return False
        iterations, salt, expected = parsed
        return hmac.compare_digest(_pbkdf2(password, salt, iterations, len(expected)), expected)

    def needs_upgrade(self, encoded: str) -> bool:
        parsed = _parse(encoded)
        return parsed is None or parsed[0] < self.iterations or len(parsed[1]) < SALT_BYTES


def parameters_of(encoded: str) -> tuple[str, int, int] | None:
    """(algorithm, iterations, salt length in bytes) of a stored hash, for audits and tests."""
    parsed = _parse(encoded)
    return None if parsed is None else (ALGORITHM, parsed[0], len(parsed[1]))


def _pbkdf2(password: str, salt: bytes, iterations: int, length: int = HASH_BYTES) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, dklen=length)


def _parse(encoded: str) -> tuple[int, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
        return None
    try:
        salt, digest = _unb64(parts[2]), _unb64(parts[3])
    except ValueError:
        return None
    iterations = int(parts[1])
    if iterations < 1 or not salt or not digest:
        return None
    return iterations, salt, digest


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# Verified against when the username does not exist, so that a miss costs the same time as a hit.
DUMMY_HASH = f"{ALGORITHM}${ITERATIONS}${_b64(b'\x00' * SALT_BYTES)}${_b64(b'\x00' * HASH_BYTES)}"
