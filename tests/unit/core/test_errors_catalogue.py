"""One title and one kind per error code, in one catalogue (core.errors): a second declaration that differs
fails at import, each code is written once in the source, and the services share the classes."""

from __future__ import annotations

import ast
import importlib
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import errors
from core.errors import DomainError, ErrorCodeConflict, ErrorKind, catalogue, error_class
from core.problems import STATUS_BY_KIND

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
SERVICES = ("identity", "accounts", "payments", "ledger")


def _import_all_errors() -> None:
    for service in SERVICES:
        importlib.import_module(f"{service}.domain.errors")


@pytest.fixture
def scratch_module(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path for a module written by the test (removed again, with the module)."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("conflicting_errors", None)


def test_a_code_declared_again_with_another_title_fails_at_import(scratch_module: Path) -> None:
    # Given a module that declares a code the catalogue knows, with a title of its own
    (scratch_module / "conflicting_errors.py").write_text(
        "from core.errors import ErrorKind, error_class\n"
        "AccountNotFound = error_class('account_not_found', ErrorKind.NOT_FOUND, 'No account with this number')\n"
    )
    # When it is imported, then the import fails and names both titles
    with pytest.raises(ErrorCodeConflict, match=r"'No such account'.*'No account with this number'"):
        importlib.import_module("conflicting_errors")
    # And the catalogue keeps the one title
    assert catalogue()["account_not_found"].title == "No such account"


def test_a_code_declared_again_with_another_kind_fails_too() -> None:
    with pytest.raises(ErrorCodeConflict, match="account_not_active"):
        error_class("account_not_active", ErrorKind.CONFLICT, errors.AccountNotActive.title)
    with pytest.raises(ErrorCodeConflict, match="insufficient_funds"):

        class Broke(DomainError):
            code = "insufficient_funds"
            kind = ErrorKind.CONFLICT
            title = errors.InsufficientFunds.title

    assert catalogue()["insufficient_funds"] is errors.InsufficientFunds


def test_the_same_declaration_is_the_catalogues_class() -> None:
    # An error relayed from another service (core.internal re-raises it by code, kind and title) is the
    # local class, so `except InsufficientFunds` catches it.
    assert error_class("insufficient_funds", ErrorKind.UNPROCESSABLE, errors.InsufficientFunds.title) is (
        errors.InsufficientFunds
    )
    # A code never seen before becomes a new class, registered
    fresh = error_class("catalogue_test_fresh_code", ErrorKind.CONFLICT, "Fresh")
    assert catalogue()["catalogue_test_fresh_code"] is fresh
    assert issubclass(fresh, DomainError)


def test_a_code_must_be_snake_case() -> None:
    with pytest.raises(ValueError, match="snake_case"):
        error_class("Not-A-Code", ErrorKind.INVALID, "Nope")


def test_every_service_uses_the_one_class_of_a_shared_code() -> None:
    _import_all_errors()
    seen: dict[str, type[DomainError]] = {}
    for service in SERVICES:
        module = importlib.import_module(f"{service}.domain.errors")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DomainError) and value is not DomainError:
                if "code" not in value.__dict__:
                    continue  # a base without a code (payments' Declined) or a subclass of one with a code
                assert seen.setdefault(value.code, value) is value, f"{service} has its own {value.code}"
                assert catalogue()[value.code] is value
    # The codes accounts and payments both raise or relay are core's one class: no service declares its own
    for shared in ("account_not_found", "account_not_active", "insufficient_funds", "card_invalid"):
        one = getattr(errors, "".join(p.capitalize() for p in shared.split("_")))
        assert catalogue()[shared] is one
        assert seen.get(shared, one) is one


def test_every_kind_has_a_status() -> None:
    _import_all_errors()
    assert {cls.kind for cls in catalogue().values()} <= set(STATUS_BY_KIND)


def _declared_codes(path: Path) -> Iterator[str]:
    """Codes a module declares: `error_class("code", ...)` calls and `code = "..."` in class bodies."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "error_class"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield str(node.args[0].value)
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [getattr(target, "id", None) for target in statement.targets] == ["code"]
                    and isinstance(statement.value, ast.Constant)
                ):
                    yield str(statement.value.value)


def test_each_code_is_written_once_in_the_functions() -> None:
    counts = Counter(code for path in FUNCTIONS.rglob("*.py") for code in _declared_codes(path))
    assert counts, "the scan found no declarations"
    assert "account_not_found" in counts
    twice = {code: count for code, count in counts.items() if count > 1}
    assert twice == {}, "declare a shared code once, in core.errors, and import it"
