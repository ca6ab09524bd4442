"""Password policy and hashing parameters."""

from __future__ import annotations

import pytest

from identity.domain import passwords
from identity.domain.errors import WeakPassword
from identity.domain.passwords import DUMMY_HASH, ITERATIONS, PasswordHasher, parameters_of

GOOD = "violet-Harmattan-river-42"


@pytest.mark.parametrize(
    "password",
    [
        "short-Pw-1",  # 10 characters
        "password1234",  # common word + digits
        "Password2024!",  # common word, case and symbols do not help
        "qwertyuiopas",  # keyboard walk on the list
        "123456789012",
        "aaaaaaaaaaaa",  # one character repeated
        "abababababab",  # two characters repeated
        "x" * 257,  # longer than the maximum
    ],
)
def test_policy_refuses_short_common_and_trivial_passwords(password: str) -> None:
    # Given a weak password / When it is checked / Then it is refused with the weak_password code
    with pytest.raises(WeakPassword) as raised:
        passwords.check_policy(password)
    assert raised.value.code == "weak_password"
    assert raised.value.extra["reasons"]


def test_policy_accepts_a_long_uncommon_password() -> None:
    passwords.check_policy(GOOD, username="ada")
    assert passwords.policy_violations("x" * 12 + "Y7!") == []


def test_policy_refuses_a_password_containing_the_username() -> None:
    problems = passwords.policy_violations("my-adaobi-Lagos-7", username="adaobi")
    assert problems == ["must not contain the username"]


def test_policy_lists_every_broken_rule() -> None:
    problems = passwords.policy_violations("password")
    assert "must be at least 12 characters" in problems
    assert "is too common or too easy to guess" in problems


def test_common_list_has_hundreds_of_entries_stored_lower_case() -> None:
    common = passwords.common_passwords()
    assert len(common) >= 400
    assert "password" in common and "qwertyuiop" in common
    assert all(entry == entry.lower() for entry in common)


def test_hash_records_pbkdf2_sha256_with_600k_iterations_and_16_byte_salt() -> None:
    encoded = PasswordHasher().hash(GOOD)
    assert encoded.startswith("pbkdf2_sha256$600000$")
    assert parameters_of(encoded) == ("pbkdf2_sha256", 600_000, 16)
    assert ITERATIONS >= 600_000


def test_each_hash_has_its_own_salt() -> None:
    hasher = PasswordHasher()
    first, second = hasher.hash(GOOD), hasher.hash(GOOD)
    assert first != second
    assert first.split("$")[2] != second.split("$")[2]


def test_verify_accepts_the_password_and_refuses_any_other() -> None:
    hasher = PasswordHasher()
    encoded = hasher.hash(GOOD)
    assert hasher.verify(GOOD, encoded)
    assert not hasher.verify(GOOD.upper(), encoded)
    assert not hasher.verify(GOOD + " ", encoded)


@pytest.mark.parametrize(
    "encoded",
    ["", "plain-text", "md5$1$abc$def", "pbkdf2_sha256$abc$AAAA$AAAA", "pbkdf2_sha256$1000$%%%$AAAA"],
)
def test_malformed_or_foreign_hashes_never_verify(encoded: str) -> None:
    assert not PasswordHasher().verify(GOOD, encoded)
    assert PasswordHasher().needs_upgrade(encoded)


def test_the_dummy_hash_for_unknown_users_never_verifies() -> None:
    assert not PasswordHasher().verify(GOOD, DUMMY_HASH)
    assert not PasswordHasher().verify("", DUMMY_HASH)


def test_a_hash_with_fewer_iterations_still_verifies_but_needs_an_upgrade() -> None:
    # Given a hash made with yesterday's parameters
    old = PasswordHasher(iterations=1_000).hash(GOOD)
    current = PasswordHasher()
    # Then today's hasher still verifies it, and asks for it to be re-made
    assert current.verify(GOOD, old)
    assert current.needs_upgrade(old)
    assert not current.needs_upgrade(current.hash(GOOD))
