"""The first admin's first sign-in: the generated password must be replaced before anything else.

Only the bank's bootstrap makes a user in that state (the first admin, from the deploy's generated
secret); no API call can, and this suite adds none. So this test uses the real first admin of the
bank the suite deployed, *before* the shared `admin` fixture (which performs the same change through
the API) ever signs it in: tests/e2e/conftest.py starts this test first. At the end it changes the
password back to the generated one (again with the real POST /me/password), leaving the first admin as
the `admin` fixture expects it: its secret's password, no longer flagged.

It needs a bank of its own. On a shared one (ARHAN_E2E_STACK: a developer's bank; ARHAN_TEST_STACK: the
bank `make test` shares between processes) it is skipped: changing that admin's password, even for a
moment, would fail another process's `admin` fixture, and a developer's admin is never touched.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Ui
from tests.integration.conftest import Bank, client
from tools.deploy import SECRET_PREFIX
from tools.secrets_bootstrap import read_secret
from tools.testbank import SHARED_STACK_ENV


@dataclass
class FirstAdmin:
    username: str
    generated: str  # the password from the deploy's secret
    current: str  # what it is now (changed by the test)


@pytest.fixture
def first_admin(bank: Bank) -> Iterator[FirstAdmin]:
    """The bank's first admin while it must still replace its generated password; afterwards the
    generated password is put back (flag cleared) so the shared `admin` fixture can sign it in."""
    if os.environ.get("ARHAN_E2E_STACK") or os.environ.get(SHARED_STACK_ENV):
        pytest.skip("needs the suite's own bank: the first admin of a shared bank is left alone")
    credentials = read_secret(bank.client("secretsmanager"), f"{SECRET_PREFIX}/identity/first-admin")
    admin = FirstAdmin(credentials["username"], credentials["password"], credentials["password"])
    first = client(bank.api).post(
        "/auth/login", json={"username": admin.username, "password": admin.generated}
    )
    assert first.status_code == 200 and first.json().get("password_change_required") is True, (
        "the first admin was already signed in by something else in this run: this file must run "
        f"before any test that uses the `admin` fixture ({first.status_code} {first.text[:200]})"
    )
    yield admin
    if admin.current != admin.generated:
        signed_in = client(bank.api).post(
            "/auth/login", json={"username": admin.username, "password": admin.current}
        )
        assert signed_in.status_code == 200, signed_in.text
        restored = bank.api.post(
            "/me/password",
            token=signed_in.json()["access_token"],
            json={"current_password": admin.current, "new_password": admin.generated},
        )
        assert restored.status_code == 204, restored.text


def test_first_admin_must_choose_a_new_password_first(
    first_admin: FirstAdmin, bank: Bank, open_ui: Callable[..., Ui]
) -> None:
    # (first_admin is set up first, so it puts the password back after the browser is closed)
    api = bank.api
    # Given the first admin signing in with the generated password
    ui = open_ui("first-admin")
    page = ui.page
    ui.go("/login")
    page.get_by_label("Username").fill(first_admin.username)
    page.get_by_label("Password").fill(first_admin.generated)
    page.get_by_role("button", name="Sign in").click()
    # Then the only page is "Choose a new password": no staff navigation, no staff pages
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page.get_by_text("Choose a new password before you continue.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    expect(nav.get_by_role("link")).to_have_count(0)
    ui.shot("70-first-admin-choose-password")
    ui.go("/staff/approvals")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert page.url.endswith("#/change-password")
    # ... because the API answers nothing else for this session (GET /me excepted)
    token = json.loads(page.evaluate("sessionStorage.getItem('arhan.session')"))["access"]
    refused = api.get("/staff/dashboard", token=token)
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required", refused.text
    me = api.get("/me", token=token)
    assert me.status_code == 200 and me.json()["password_change_required"] is True, me.text

    # When they choose a new password (a mismatch is caught first)
    new_password = f"Bank-Keeper-Passphrase-{secrets.token_hex(4)}"
    page.get_by_label("Current password").fill(first_admin.generated)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat the new password").fill(new_password + "x")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The new passwords do not match.")).to_be_visible()
    page.get_by_label("Repeat the new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    # Then they are signed out and asked to sign in with it
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your password is changed. Sign in with your new password.")).to_be_visible()
    first_admin.current = new_password
    assert page.evaluate("sessionStorage.getItem('arhan.session')") is None
    ui.shot("71-first-admin-sign-in-again")
    # And the bank ended that session (within seconds) and took the generated password away
    deadline = time.monotonic() + 15
    while api.get("/me", token=token).status_code != 401:
        assert time.monotonic() < deadline, "the old session still works"
        time.sleep(0.5)
    old = client(api).post(
        "/auth/login", json={"username": first_admin.username, "password": first_admin.generated}
    )
    assert old.status_code == 401, old.text
    fresh = client(api).post("/auth/login", json={"username": first_admin.username, "password": new_password})
    assert fresh.status_code == 200 and fresh.json()["password_change_required"] is False, fresh.text

    # When they sign in with the new password, the staff site is theirs
    page.get_by_label("Username").fill(first_admin.username)
    page.get_by_label("Password").fill(new_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Bank dashboard")).to_be_visible()
    expect(nav.get_by_role("link", name="Approvals")).to_be_visible()
    expect(nav.get_by_role("link", name="Staff", exact=True)).to_be_visible()
    ui.shot("72-first-admin-dashboard")
