"""The public API reference page (#/docs): rendered from the API's own GET /openapi.json, for visitors
and signed-in users alike, readable with the keyboard and on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.browser import Ui
from tests.e2e.conftest import PHONE
from tests.integration.conftest import User


def test_docs_list_operations_with_access_headers_and_problem_codes(open_ui: Callable[..., Ui]) -> None:
    # Given a visitor who is not signed in
    ui = open_ui("docs")
    page = ui.page
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # When they follow the footer's "API docs" link
    page.get_by_role("link", name="API docs").click()
    # Then the reference is built from the API's document, grouped, with every operation listed
    expect(page.get_by_role("heading", name="API docs")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Payments"))).to_be_visible()
    transfer = page.get_by_test_id("POST /transfers")
    expect(transfer).to_be_visible()
    assert page.locator("details.op").count() > 40
    # And POST /transfers (opened with the keyboard) shows its access, idempotency header, body and errors
    transfer.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(transfer).to_have_attribute("open", "")
    expect(transfer.locator("summary")).to_contain_text("Customer only")
    expect(transfer).to_contain_text("Idempotency-Key header required")
    expect(transfer.get_by_role("cell", name="from_account")).to_be_visible()
    expect(transfer).to_contain_text("TransferRequest")
    expect(transfer).to_contain_text("PaymentView")
    expect(transfer.locator("code.code-chip", has_text=re.compile("^insufficient_funds$"))).to_be_visible()
    expect(transfer.locator("code.code-chip", has_text=re.compile("^pin_locked$"))).to_be_visible()
    # And the trial balance is marked staff-only; login is public
    trial = page.get_by_test_id("GET /staff/ledger/trial-balance")
    expect(trial.locator(".access")).to_have_text("Staff only")
    expect(page.get_by_test_id("POST /auth/login").locator(".access")).to_have_text("Public")
    ui.shot("60-docs")
    # When they filter by a problem code, only the operations that can answer with it stay
    page.get_by_label("Filter operations").fill("insufficient_funds")
    expect(page.get_by_text(re.compile(r"^\d+ of \d+ operations match$"))).to_be_visible()
    expect(transfer).to_be_visible()
    expect(trial).to_be_hidden()
    page.get_by_label("Filter operations").fill("")
    expect(trial).to_be_visible()


def test_docs_for_a_signed_in_customer_and_on_a_phone(
    open_ui: Callable[..., Ui], new_customer: Callable[[], User]
) -> None:
    # Given a signed-in customer, now on a phone (the phone's menu hides "Log out", which sign_in awaits)
    user = new_customer()
    ui = open_ui("docs-phone")
    ui.sign_in(user.username)
    page = ui.page
    page.set_viewport_size(PHONE)
    # When they open the API docs, they are not sent back to their dashboard
    ui.go("/docs")
    expect(page.get_by_role("heading", name="API docs")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()  # the signed-in menu
    # Then every operation expands without the page scrolling sideways
    page.get_by_role("button", name="Expand all").click()
    transfer = page.get_by_test_id("POST /transfers")
    expect(transfer).to_have_attribute("open", "")
    expect(transfer).to_contain_text("insufficient_funds")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Collapse all").click()
    transfer.locator("summary").click()
    expect(transfer).to_have_attribute("open", "")
    ui.shot("61-docs-phone")
