"""The other pages: statements (CSV), profile, session refresh and log out, a phone-sized screen, the
staff tools (search, account actions, a reversal proposal, ledger, DLQ, staff management)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.browser import Ui
from tests.e2e.conftest import PHONE
from tests.integration.conftest import User
from tools.api import Api


def test_statement_on_screen_and_as_csv(
    open_ui: Callable[..., Ui], customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    # Given a customer with an account (bonus credited)
    user, number = customer_with_account()
    ui = open_ui("statement")
    ui.sign_in(user.username)
    page = ui.page
    # When they ask for this month's statement
    ui.go("/statements")
    page.get_by_role("button", name="Show statement").click()
    # Then the ledger's entries are shown (the ledger learns of the bonus asynchronously)
    statement = page.get_by_test_id("statement")
    expect(statement).to_contain_text(f"Statement for {number}")
    for _ in range(20):
        if "Welcome bonus" in statement.inner_text():
            break
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Show statement").click()
    expect(statement).to_contain_text("Welcome bonus")
    expect(statement).to_contain_text("₦1,000.00")
    ui.shot("30-statement")
    # And the CSV download is a file named after the account and period
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert re.fullmatch(
        rf"statement-{number}-\d{{4}}-\d\d-\d\d-\d{{4}}-\d\d-\d\d\.csv", download.suggested_filename
    )
    text = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "100000" in text or "1000.00" in text, text


def test_profile_password_refresh_and_logout(
    open_ui: Callable[..., Ui], customer_with_account: Callable[[], tuple[User, str]], api: Api
) -> None:
    user, _ = customer_with_account()
    ui = open_ui("profile")
    ui.sign_in(user.username)
    page = ui.page
    ui.go("/profile")
    page.get_by_label("Phone").fill("08099990000")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    expect(page.get_by_text("+2348099990000")).to_be_visible()
    ui.shot("31-profile")
    # A weak new password is refused with the API's explanation
    page.get_by_label("Current password").fill(user.password)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    ui.expect_console(r"status of 4\d\d")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("too common|weak", re.I))
    new_password = f"Another-Long-Passphrase-{secrets.token_hex(3)}"
    page.get_by_label("Current password").fill(user.password)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat the new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text(re.compile("^Your password is changed"))).to_be_visible()

    # Session refresh: an access token about to expire is exchanged with the refresh token (rotating)
    before = json.loads(page.evaluate("sessionStorage.getItem('arhan.session')"))
    page.evaluate(
        "() => { const s = JSON.parse(sessionStorage.getItem('arhan.session')); s.expiresAt = 0;"
        " sessionStorage.setItem('arhan.session', JSON.stringify(s)); }"
    )
    page.reload()
    ui.go("/dashboard")
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()
    after = json.loads(page.evaluate("sessionStorage.getItem('arhan.session')"))
    assert after["refresh"] != before["refresh"]
    assert api.post("/auth/refresh", json={"refresh_token": before["refresh"]}).status_code == 401

    # Log out: the refresh token stops working and the site shows the sign-in page
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('arhan.session')") is None
    assert api.post("/auth/refresh", json={"refresh_token": after["refresh"]}).status_code == 401


def test_phone_sized_screen_and_keyboard(
    open_ui: Callable[..., Ui], customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    user, number = customer_with_account()
    ui = open_ui("phone", viewport=PHONE)
    page = ui.page
    # Sign in with the keyboard only
    ui.go("/login")
    page.get_by_label("Username").focus()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(user.password)
    page.keyboard.press("Enter")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(page.get_by_role("link", name="Transfer")).to_be_hidden()
    card = page.locator(f"[data-account='{number}']")
    expect(card.get_by_test_id("available-balance")).to_have_text("₦1,000.00")
    expect(page.locator("figure.chart canvas")).to_be_visible()
    # The document never scrolls sideways at phone width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ui.shot("32-phone-dashboard")
    toggle.click()
    expect(page.get_by_role("link", name="Transfer")).to_be_visible()
    ui.shot("33-phone-menu")
    page.get_by_role("link", name="Transfer").click()
    expect(page.get_by_role("heading", name="Send money")).to_be_visible()
    # The document never scrolls sideways at phone width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A too-small amount is explained next to the field
    page.get_by_label("To account number").fill("0000000001")
    page.get_by_label("Amount (₦)").fill("10")
    page.get_by_role("button", name="Review transfer").click()
    expect(page.get_by_text(re.compile("smallest transfer is ₦50.00"))).to_be_visible()
    ui.shot("34-phone-transfer-error")


def test_staff_tools(
    open_ui: Callable[..., Ui],
    admin: User,
    api: Api,
    customer_with_account: Callable[[], tuple[User, str]],
) -> None:
    # Given two customers and a transfer between them
    alice, alice_account = customer_with_account()
    _, bob_account = customer_with_account()
    sent = api.post(
        "/transfers",
        token=alice.access_token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
        json={
            "from_account": alice_account,
            "to_account": bob_account,
            "amount": 25_000,
            "pin": "1234",
            "description": "Rent share",
        },
    )
    assert sent.status_code == 201, sent.text
    staff = open_ui("staff-tools")
    staff.sign_in(admin.username, admin.password)
    page = staff.page

    # Search finds the customer and the account
    staff.go("/staff/search")
    page.get_by_label("Find an account").fill(alice_account)
    page.get_by_role("button", name="Search accounts").click()
    page.get_by_role("link", name=alice_account).click()
    expect(page.get_by_role("heading", name=f"Account {alice_account}")).to_be_visible()
    expect(page.get_by_text("Rent share")).to_be_visible()
    staff.shot("40-staff-account")

    # Propose reversing the transfer: it waits for a second staff member (four eyes; see
    # test_site_four_eyes.py for the approval), and the transfer offers no second proposal meanwhile
    page.locator("details.reverse summary").first.click()
    page.get_by_label(re.compile("^Reverse ₦250.00")).fill("Sent in error")
    page.get_by_role("button", name="Propose reversal").click()
    expect(page.get_by_test_id("proposed")).to_contain_text(
        "Reversal proposed — waiting for a second staff member"
    )
    proposal_id = page.get_by_test_id("proposal-id").inner_text().strip()
    expect(page.get_by_test_id("pending-proposal")).to_contain_text(proposal_id)
    expect(page.locator("details.reverse")).to_have_count(0)
    proposed = api.get(f"/staff/proposals/{proposal_id}", token=admin.access_token).json()
    assert proposed["kind"] == "reversal" and proposed["status"] == "proposed", proposed
    assert (
        api.get(f"/transfers/{sent.json()['payment_id']}", token=alice.access_token).json()["reversed_by"]
        is None
    )

    # Block and unblock with a reason; both go into the audit trail
    page.locator("summary", has_text="Block account").click()
    page.get_by_label("Reason").first.fill("Suspicious activity")
    page.get_by_role("button", name="Block account").click()
    expect(page.get_by_text("Account blocked.")).to_be_visible()
    expect(page.get_by_text("Suspicious activity").first).to_be_visible()
    page.locator("summary", has_text="Unblock account").click()
    page.get_by_label("Reason").first.fill("Customer verified")
    page.get_by_role("button", name="Unblock account").click()
    expect(page.get_by_text("Account unblocked.")).to_be_visible()
    expect(page.get_by_role("cell", name="account.block")).to_be_visible()
    staff.shot("41-staff-account-audit")

    # Ledger: trial balance, reconciliation, chain verification
    staff.go("/staff/ledger")
    expect(page.get_by_text(re.compile("^Balanced"))).to_be_visible()
    page.locator("section", has=page.get_by_role("heading", name="Reconciliation")).get_by_role(
        "button", name="Run"
    ).click()
    page.locator("section", has=page.get_by_role("heading", name="Chain verification")).get_by_role(
        "button", name="Run"
    ).click()
    expect(page.get_by_text("Every hash chain is intact.")).to_be_visible()
    expect(page.get_by_text(re.compile("^Reconciled|differ\\.$"))).to_be_visible()
    staff.shot("42-staff-ledger")

    # DLQ
    staff.go("/staff/dlq")
    expect(page.get_by_test_id("dlq-count")).to_have_text(re.compile(r"^\d+$"))
    page.get_by_role("button", name=re.compile("Redrive")).click()
    expect(page.get_by_text(re.compile(r"Moved \d+ message"))).to_be_visible()
    staff.shot("43-staff-dlq")

    # Staff management (admin): create a staff member who can then sign in to the staff views
    staff.go("/admin/staff")
    username = f"staff{secrets.token_hex(3)}"
    password = f"Staff-Passphrase-{secrets.token_hex(4)}"
    page.get_by_label("First name").fill("Ngozi")
    page.get_by_label("Last name").fill("Adeyemi")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@arhan.example")
    page.get_by_label("Initial password").fill(password)
    page.get_by_role("button", name="Create staff member").click()
    expect(page.get_by_role("cell", name=username, exact=True)).to_be_visible()
    staff.shot("44-admin-staff")
    colleague = open_ui("new-staff")
    colleague.sign_in(username, password)
    expect(colleague.page.get_by_role("heading", name="Bank dashboard")).to_be_visible()
    expect(colleague.page.get_by_role("link", name="Staff", exact=True)).to_have_count(0)
