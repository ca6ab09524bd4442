"""The site loads, a visitor registers, opens an account and sees the welcome bonus."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.browser import Ui
from tests.integration.conftest import PASSWORD


def test_register_open_account_and_see_the_bonus(open_ui: Callable[..., Ui]) -> None:
    # Given a visitor on the site
    ui = open_ui("newcomer")
    page = ui.page
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    ui.shot("01-login")
    # When they register
    username = f"web{secrets.token_hex(4)}"
    ui.go("/register")
    page.get_by_label("First name").fill("Chiamaka")
    page.get_by_label("Last name").fill("Eze")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Phone").fill("08031234567")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    ui.shot("02-register")
    page.get_by_role("button", name="Create my profile").click()
    # Then they are signed in and asked to open an account
    expect(page.get_by_role("heading", name="Open an account")).to_be_visible()
    page.get_by_label("Choose a 4-digit PIN").fill("0123")
    page.get_by_label("Repeat the PIN").fill("0123")
    page.get_by_role("button", name="Open account").click()
    number = page.get_by_test_id("new-account-number")
    expect(number).to_have_text(re.compile(r"^\d{10}$"))
    account_number = number.inner_text().strip()
    ui.shot("03-account-opened")
    # And the dashboard shows the 1,000.00 NGN welcome bonus, available and in the ledger
    page.get_by_role("link", name="Go to my dashboard").click()
    card = page.locator(f"[data-account='{account_number}']")
    expect(card.get_by_test_id("available-balance")).to_have_text("₦1,000.00")
    expect(card.get_by_test_id("ledger-balance")).to_contain_text("₦1,000.00")
    ui.shot("04-dashboard")
