"""The issue's journeys through the real site: customers and staff in separate browser sessions.

One story, in order, because each step stands on the one before: Ada registers and opens an account
(1,000.00 NGN bonus), sends money to Bayo (a double click pays once), sees the transaction and her
spending chart, gets a card, Bayo asks for a card payment at his checkout and Ada confirms it on the
bank's own page with her card and PIN, Bayo captures it; Ada applies for a loan and opens a ticket; staff approve the loan and answer the ticket; Ada sees both; Bayo cannot see Ada's things.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from playwright.sync_api import Locator, expect

from tests.e2e.browser import Ui
from tests.integration.conftest import PASSWORD, User
from tools.api import Api


def register(ui: Ui, first_name: str) -> str:
    page = ui.page
    username = f"{first_name.lower()}{secrets.token_hex(4)}"
    ui.go("/register")
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Phone").fill("08031234567")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create my profile").click()
    expect(page.get_by_role("heading", name="Open an account")).to_be_visible()
    return username


def open_account(ui: Ui, pin: str) -> str:
    page = ui.page
    ui.go("/open-account")
    page.get_by_label("Choose a 4-digit PIN").fill(pin)
    page.get_by_label("Repeat the PIN").fill(pin)
    page.get_by_role("button", name="Open account").click()
    number = page.get_by_test_id("new-account-number")
    expect(number).to_have_text(re.compile(r"^\d{10}$"))
    return number.inner_text().strip()


def account_card(ui: Ui, number: str) -> Locator:
    return ui.page.locator(f"[data-account='{number}']")


def test_customer_and_staff_journeys(open_ui: Callable[..., Ui], api: Api, admin: User) -> None:
    # ------------------------------------------------------------------ Ada registers, opens an account
    ada = open_ui("ada")
    ada_username = register(ada, "Ada")
    ada_account = open_account(ada, "2468")
    ada.go("/dashboard")
    expect(account_card(ada, ada_account).get_by_test_id("available-balance")).to_have_text("₦1,000.00")
    ada.shot("10-ada-dashboard-bonus")

    # ------------------------------------------------------------------ Bayo, another customer
    bayo = open_ui("bayo")
    register(bayo, "Bayo")
    bayo_account = open_account(bayo, "1357")

    # ------------------------------------------------------------------ Ada sends Bayo 150.00 NGN
    page = ada.page
    ada.go("/transfer")
    page.get_by_label("To account number").fill(bayo_account)
    page.get_by_label("Amount (₦)").fill("150")
    page.get_by_label("Description").fill("Lunch money")
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_label("Account PIN").fill("2468")
    ada.shot("11-transfer-review")
    send = page.get_by_role("button", name="Send ₦150.00")
    send.dblclick()  # a double click must never pay twice
    result = page.get_by_test_id("transfer-result")
    expect(result).to_contain_text("Money sent")
    expect(result).to_contain_text("completed")
    ada.shot("12-transfer-sent")
    history = api.get(f"/accounts/{ada_account}/transactions", token=_token(api, ada_username))
    assert history.status_code == 200, history.text
    transfers = [t for t in history.json()["items"] if t["kind"] == "transfer"]
    assert len(transfers) == 1, transfers

    # ------------------------------------------------------------------ she sees it and the chart
    ada.go("/dashboard")
    expect(account_card(ada, ada_account).get_by_test_id("available-balance")).to_have_text("₦850.00")
    expect(page.get_by_text("Lunch money")).to_be_visible()
    expect(page.locator("figure.chart canvas")).to_be_visible()
    ada.shot("13-dashboard-after-transfer")
    ada.go("/analytics")
    expect(page.get_by_test_id("spend-total")).to_have_text("₦150.00")
    expect(page.locator("figure.chart canvas")).to_be_visible()
    expect(page.get_by_role("cell", name=bayo_account)).to_be_visible()
    page.get_by_role("button", name="30 days").click()
    expect(page.get_by_role("heading", name="Spending per day, last 30 days")).to_be_visible()
    ada.shot("14-analytics")

    # ------------------------------------------------------------------ Ada gets a card
    ada.go("/cards")
    page.get_by_label("Card PIN (4 digits)").fill("9753")
    page.get_by_label("Repeat the PIN").fill("9753")
    page.get_by_role("button", name="Issue a card").click()
    pan = page.get_by_test_id("card-pan").inner_text().replace(" ", "")
    expiry = page.get_by_test_id("card-expiry").inner_text()
    cvv = page.get_by_test_id("card-cvv").inner_text()
    assert re.fullmatch(r"\d{16}", pan) and re.fullmatch(r"\d{3}", cvv), (pan, cvv)
    ada.shot("15-card-issued-once")
    page.get_by_role("button", name=re.compile("I have noted them")).click()
    expect(page.get_by_test_id("card-pan")).to_have_count(0)
    masked = page.get_by_test_id("masked-pan").first
    expect(masked).to_have_text(re.compile(r"^\d{4} \d{2}\*\* \*{4} \d{4}$"))
    expect(page.get_by_test_id("card-cvv")).to_have_count(0)
    ada.shot("16-cards-masked")

    # ------------------------------------------------------------------ Bayo asks; Ada confirms with her card
    page_b = bayo.page
    bayo.go("/checkout")
    page_b.get_by_label("Amount (₦)").fill("200")
    page_b.get_by_label("Description").fill("Jollof rice")
    page_b.get_by_role("button", name="Create payment link").click()
    pay_link = page_b.get_by_test_id("pay-link")
    expect(pay_link).to_have_value(re.compile(r"#/pay/preq_[0-9a-f]{32}$"))
    bayo.shot("17a-checkout-payment-link")
    ada.go("/pay/" + pay_link.input_value().rsplit("/", 1)[1])
    expect(page.get_by_test_id("pay-amount")).to_have_text("₦200.00")
    expect(page.get_by_test_id("pay-merchant")).to_have_text(bayo_account)
    page.get_by_label("Card number").fill(pan)
    month, year = expiry.split("/")
    page.get_by_label("Expiry month").fill(month)
    page.get_by_label("Expiry year").fill(f"20{year}")
    page.get_by_label("CVV").fill(cvv)
    page.get_by_label("Card PIN").fill("9753")
    page.get_by_role("button", name="Pay ₦200.00").click()
    expect(page.get_by_test_id("pay-result")).to_contain_text("Payment confirmed")
    ada.shot("17b-pay-confirmed")
    expect(page_b.get_by_test_id("authorization")).to_contain_text("₦200.00")
    bayo.shot("17c-checkout-authorised")
    ada.go("/dashboard")
    card_a = account_card(ada, ada_account)
    expect(card_a.get_by_test_id("available-balance")).to_have_text("₦650.00")
    expect(card_a.get_by_test_id("ledger-balance")).to_contain_text("₦850.00")
    page_b.get_by_role("button", name="Capture payment").click()
    expect(page_b.get_by_test_id("checkout-result")).to_contain_text("captured")
    bayo.shot("18-checkout-captured")
    ada.go("/accounts/" + ada_account)
    expect(page.get_by_test_id("ledger-balance")).to_have_text("₦650.00")
    expect(page.get_by_text("Card payment").first).to_be_visible()

    # ------------------------------------------------------------------ Ada applies for a loan, opens a ticket
    ada.go("/loans")
    page.get_by_label("Amount (₦)").fill("3000")
    page.get_by_label("Term").select_option("3")
    page.get_by_role("button", name="See the schedule").click()
    expect(page.get_by_role("cell", name="#3")).to_be_visible()
    expect(page.get_by_text("₦3,360.00").first).to_be_visible()  # 3,000 x 1.12, shown before applying
    ada.shot("19-loan-schedule")
    page.get_by_role("button", name="Apply for ₦3,000.00").click()
    expect(page.locator("[data-status='pending']")).to_be_visible()

    ada.go("/tickets")
    page.get_by_label("Subject").fill("Card limit question")
    page.get_by_label("Message").fill("How much can I spend with my card per day?")
    page.get_by_role("button", name="Open ticket").click()
    expect(page.get_by_role("heading", name="Card limit question")).to_be_visible()
    ticket_url = page.url
    ticket_route = ticket_url.split("#", 1)[1]

    # ------------------------------------------------------------------ staff approve and answer
    staff = open_ui("staff")
    staff.sign_in(admin.username, admin.password)
    page_s = staff.page
    expect(page_s.get_by_role("heading", name="Bank dashboard")).to_be_visible()
    expect(page_s.locator("figure.chart canvas")).to_have_count(2)
    staff.shot("20-staff-dashboard")
    staff.go("/staff/loans")
    loan = page_s.locator("article[data-loan]").filter(has_text=ada_account)
    loan.get_by_label("Reason").fill("Good standing")
    staff.shot("21-staff-loan-queue")
    loan.get_by_role("button", name="Approve").click()
    expect(page_s.get_by_text(re.compile("Loan approved"))).to_be_visible()
    staff.go("/staff/tickets")
    page_s.get_by_role("link", name="Card limit question").first.click()
    page_s.get_by_label("Answer the customer").fill("Up to 500,000 naira a day.")
    page_s.get_by_role("button", name="Send").click()
    expect(page_s.get_by_text("Up to 500,000 naira a day.")).to_be_visible()
    staff.shot("22-staff-ticket-answered")

    # ------------------------------------------------------------------ Ada sees both
    ada.go("/loans")
    expect(page.locator("[data-status='active']")).to_be_visible()
    expect(page.get_by_text("Good standing")).to_be_visible()
    ada.shot("23-loan-active")
    ada.go("/dashboard")
    expect(account_card(ada, ada_account).get_by_test_id("available-balance")).to_have_text("₦3,650.00")
    ada.go(ticket_route)
    expect(page.get_by_text("Up to 500,000 naira a day.")).to_be_visible()
    expect(page.locator(".thread li.staff")).to_have_count(1)
    ada.shot("24-ticket-answered")

    # ------------------------------------------------------------------ Bayo cannot see Ada's things
    bayo.expect_console(r"status of 404")
    bayo.go(f"/accounts/{ada_account}")
    expect(page_b.get_by_role("heading", name="Account not found")).to_be_visible()
    bayo.go(ticket_route)
    expect(page_b.get_by_role("heading", name="Ticket not found")).to_be_visible()
    bayo.go("/dashboard")
    expect(account_card(bayo, bayo_account)).to_be_visible()
    expect(account_card(bayo, ada_account)).to_have_count(0)
    bayo.go("/tickets")
    expect(page_b.get_by_text("Card limit question")).to_have_count(0)
    bayo.go("/loans")
    expect(page_b.get_by_text("You have no loans.")).to_be_visible()
    bayo.shot("25-bayo-isolated")


def _token(api: Api, username: str) -> str:
    response = api.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
