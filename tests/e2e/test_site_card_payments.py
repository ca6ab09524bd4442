"""Card payments confirmed by the cardholder on the bank's own site (3-D Secure style), and cards.

A merchant asks for a payment on the checkout page and hands the buyer a link to `#/pay/<id>`; the buyer
(signed out at first, so the site signs them in and comes back) confirms it there with card and PIN;
the merchant's page sees it authorised and captures part of it. The card's details are shown to their
owner with the card PIN only, masked again after a while; a card the bank blocked is the bank's to
unblock, and a card staff replace reaches the owner, never staff.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.browser import Ui
from tests.integration.conftest import PASSWORD, User
from tools.api import Api

CARD_PIN = "9753"


def issue_card(api: Api, user: User, account: str, pin: str = CARD_PIN) -> dict[str, Any]:
    response = api.post(f"/accounts/{account}/cards", token=user.access_token, json={"pin": pin})
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


def balances(api: Api, user: User, account: str) -> tuple[int, int]:
    response = api.get(f"/accounts/{account}", token=user.access_token)
    assert response.status_code == 200, response.text
    return int(response.json()["available_balance"]), int(response.json()["ledger_balance"])


def fill_card(page: Page, card: dict[str, Any], *, cvv: str | None = None, pin: str = CARD_PIN) -> None:
    page.get_by_label("Card number").fill(str(card["pan"]))
    page.get_by_label("Expiry month").fill(f"{int(card['expiry_month']):02d}")
    page.get_by_label("Expiry year").fill(str(card["expiry_year"]))
    page.get_by_label("CVV").fill(cvv or str(card["cvv"]))
    page.get_by_label("Card PIN").fill(pin)


def session_token(page: Page) -> str:
    return str(json.loads(page.evaluate("sessionStorage.getItem('arhan.session')"))["access"])


def test_merchant_request_confirmed_by_the_cardholder_then_captured(
    open_ui: Callable[..., Ui], api: Api, customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    # Given a merchant and a buyer with a card (each account holds the 1,000.00 NGN welcome bonus)
    merchant, shop_account = customer_with_account()
    buyer, buyer_account = customer_with_account()
    card = issue_card(api, buyer, buyer_account)

    # When the merchant asks for 200.00 NGN on the checkout page
    shop = open_ui("merchant")
    shop.sign_in(merchant.username)
    page_m = shop.page
    shop.go("/checkout")
    page_m.get_by_label("Amount (₦)").fill("200")
    expect(page_m.get_by_label("Card number")).to_have_count(0)  # the merchant never types card details
    page_m.get_by_label("Description").fill("Jollof rice")
    page_m.get_by_role("button", name="Create payment link").click()
    # Then it gets a link to the bank's own confirmation page, and waits for the buyer
    link_field = page_m.get_by_test_id("pay-link")
    expect(link_field).to_have_value(re.compile(r"#/pay/preq_[0-9a-f]{32}$"))
    pay_link = link_field.input_value()
    request_id = pay_link.rsplit("/", 1)[1]
    expect(page_m.get_by_test_id("request-state")).to_have_text("open")
    expect(page_m.get_by_text("Waiting for the buyer to confirm…")).to_be_visible()
    expect(page_m.get_by_role("button", name="Copy link")).to_be_visible()
    expect(page_m.get_by_role("link", name="Open payment page")).to_have_attribute("href", pay_link)
    shop.shot("50-checkout-payment-link")
    stored = api.get(f"/payment-requests/{request_id}", token=merchant.access_token)
    assert stored.status_code == 200, stored.text
    assert stored.json()["state"] == "open" and stored.json()["amount"] == 20_000
    assert stored.json()["merchant_account"] == shop_account

    # When the buyer, not signed in, opens the link: the site signs them in and comes back to it
    buy = open_ui("buyer")
    page_b = buy.page
    page_b.goto(pay_link)
    expect(page_b.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page_b.get_by_text("Please sign in to continue.")).to_be_visible()
    page_b.get_by_label("Username").fill(buyer.username)
    page_b.get_by_label("Password").fill(PASSWORD)
    page_b.get_by_role("button", name="Sign in").click()
    expect(page_b.get_by_role("heading", name="Confirm a card payment")).to_be_visible()
    assert page_b.url.endswith(f"#/pay/{request_id}")
    expect(page_b.get_by_test_id("pay-amount")).to_have_text("₦200.00")
    expect(page_b.get_by_test_id("pay-merchant")).to_have_text(shop_account)
    expect(page_b.get_by_text("Jollof rice")).to_be_visible()
    expect(page_b.get_by_test_id("pay-state")).to_have_text("open")

    # A wrong CVV is refused, and the CVV and PIN are cleared from the page
    buy.expect_console(r"status of 422")
    wrong_cvv = f"{(int(card['cvv']) + 1) % 1000:03d}"
    fill_card(page_b, card, cvv=wrong_cvv)
    buy.shot("51-pay-page")
    page_b.get_by_role("button", name="Pay ₦200.00").click()
    problem = page_b.get_by_test_id("pay-problem")
    expect(problem).to_contain_text("card details or the PIN are wrong")
    expect(problem).to_contain_text("card_invalid")
    expect(page_b.get_by_label("CVV")).to_have_value("")
    expect(page_b.get_by_label("Card PIN")).to_have_value("")
    assert balances(api, buyer, buyer_account) == (100_000, 100_000)  # nothing held

    # The right details place the hold
    fill_card(page_b, card)
    page_b.get_by_role("button", name="Pay ₦200.00").click()
    result = page_b.get_by_test_id("pay-result")
    expect(result).to_contain_text("Payment confirmed")
    expect(result).to_contain_text("₦200.00")
    authorization_id = page_b.get_by_test_id("authorization-id").inner_text().strip()
    expect(page_b.get_by_label("Card PIN")).to_have_count(0)
    expect(page_b.get_by_test_id("pay-state")).to_have_text("authorized")
    buy.shot("52-pay-confirmed")
    request_now = api.get(f"/payment-requests/{request_id}", token=merchant.access_token).json()
    assert request_now["state"] == "authorized" and request_now["authorization_id"] == authorization_id
    assert balances(api, buyer, buyer_account) == (80_000, 100_000)  # held: available drops, ledger not

    # The merchant's page sees it authorised, and captures 150.00 of the 200.00 held
    auth_panel = page_m.get_by_test_id("authorization")
    expect(auth_panel).to_contain_text("Authorised — funds on hold")
    expect(auth_panel).to_contain_text("₦200.00")
    expect(auth_panel).to_contain_text(authorization_id)
    expect(page_m.get_by_test_id("request-state")).to_have_text("authorized")
    shop.shot("53-checkout-authorised")
    page_m.get_by_label("Capture amount (₦)").fill("150")
    page_m.get_by_role("button", name="Capture payment").click()
    done = page_m.get_by_test_id("checkout-result")
    expect(done).to_contain_text("Payment captured")
    expect(done).to_contain_text("captured")
    expect(done).to_contain_text("₦150.00")
    shop.shot("54-checkout-captured")
    hold = api.get(f"/card-authorizations/{authorization_id}", token=merchant.access_token).json()
    assert hold["state"] == "captured" and hold["captured_amount"] == 15_000, hold
    assert balances(api, buyer, buyer_account) == (85_000, 85_000)  # the rest is released
    assert balances(api, merchant, shop_account)[1] == 115_000

    # The link is spent: opening it again offers nothing to confirm
    buy.go("/dashboard")
    buy.go(f"/pay/{request_id}")
    expect(page_b.get_by_text("This payment request has already been confirmed.")).to_be_visible()
    expect(page_b.get_by_label("Card PIN")).to_have_count(0)


def test_too_little_money_can_be_retried_a_declined_request_cannot(
    open_ui: Callable[..., Ui], api: Api, customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    # Given two requests made through the API (as a merchant's own system would): one for more than
    # the buyer has, one far above any single card payment the bank allows
    merchant, shop_account = customer_with_account()
    buyer, buyer_account = customer_with_account()
    card = issue_card(api, buyer, buyer_account)

    def ask(amount: int, description: str) -> str:
        made = api.post(
            "/payment-requests",
            token=merchant.access_token,
            headers={"Idempotency-Key": secrets.token_hex(8)},
            json={"merchant_account": shop_account, "amount": amount, "description": description},
        )
        assert made.status_code == 201, made.text
        return str(made.json()["payment_request_id"])

    too_much = ask(500_000, "Generator")
    huge = ask(5_000_000_000, "Lorry")
    buy = open_ui("buyer-declined")
    buy.sign_in(buyer.username)
    buy.expect_console(r"status of 422")
    page_b = buy.page

    # When the buyer confirms the first: too little money is said plainly, and the request stays open
    buy.go(f"/pay/{too_much}")
    fill_card(page_b, card)
    page_b.get_by_role("button", name="Pay ₦5,000.00").click()
    problem = page_b.get_by_test_id("pay-problem")
    expect(problem).to_contain_text("not enough money")
    expect(problem).to_contain_text("insufficient_funds")
    expect(page_b.get_by_label("CVV")).to_have_value("")
    expect(page_b.get_by_label("Card PIN")).to_have_value("")
    expect(page_b.get_by_test_id("pay-state")).to_have_text("open")
    expect(page_b.get_by_role("button", name="Pay ₦5,000.00")).to_be_visible()  # it can be tried again
    buy.shot("55-pay-too-little-money")
    assert api.get(f"/payment-requests/{too_much}", token=merchant.access_token).json()["state"] == "open"

    # And the merchant, following the huge one, sees the bank decline it when the buyer confirms it
    shop = open_ui("merchant-declined")
    shop.sign_in(merchant.username)
    shop.go(f"/checkout?request={huge}")
    expect(shop.page.get_by_test_id("request-state")).to_have_text("open")
    buy.go(f"/pay/{huge}")
    fill_card(page_b, card)
    page_b.get_by_role("button", name="Pay ₦50,000,000.00").click()
    expect(page_b.get_by_test_id("pay-problem")).to_contain_text("amount_limit_exceeded")
    expect(page_b.get_by_test_id("pay-state")).to_have_text("declined")
    expect(page_b.get_by_label("Card PIN")).to_have_count(0)
    buy.shot("56-pay-declined")
    stored = api.get(f"/payment-requests/{huge}", token=merchant.access_token).json()
    assert stored["state"] == "declined" and stored["decline_code"] == "amount_limit_exceeded", stored
    assert balances(api, buyer, buyer_account) == (100_000, 100_000)  # nothing was ever held
    expect(shop.page.get_by_test_id("request-declined")).to_contain_text("declined: Amount limit exceeded")
    expect(shop.page.get_by_test_id("request-state")).to_have_text("declined")
    shop.shot("57-checkout-declined")


def test_card_details_with_pin_bank_block_and_staff_replacement(
    open_ui: Callable[..., Ui], api: Api, admin: User, customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    # Given a customer with a card
    owner, account = customer_with_account()
    card = issue_card(api, owner, account, pin="4321")
    ui = open_ui("card-owner")
    ui.sign_in(owner.username)
    page = ui.page
    page.clock.install()  # the page's timers run on a clock the test moves (auto-hide below)
    ui.go("/cards")
    panel = page.locator(f"article[data-card='{card['card_id']}']")
    expect(panel.get_by_test_id("masked-pan")).to_contain_text(str(card["pan"])[-4:])
    expect(page.get_by_test_id("card-pan")).to_have_count(0)

    # A wrong card PIN shows nothing
    ui.expect_console(r"status of 422")
    panel.locator("summary", has_text="Show card details").click()
    panel.get_by_label("Card PIN").fill("0000")
    panel.get_by_role("button", name="Show", exact=True).click()
    expect(panel.get_by_text("The PIN is wrong.")).to_be_visible()
    expect(page.get_by_test_id("card-pan")).to_have_count(0)
    # The right one shows the whole number and the CVV, as the bank holds them
    panel.get_by_label("Card PIN").fill("4321")
    panel.get_by_role("button", name="Show", exact=True).click()
    details = page.get_by_test_id("card-details")
    expect(details.get_by_test_id("card-pan")).to_have_text(
        re.sub(r"(\d{4})(?=\d)", r"\1 ", str(card["pan"]))
    )
    expect(details.get_by_test_id("card-cvv")).to_have_text(str(card["cvv"]))
    expect(panel.get_by_label("Card PIN")).to_have_value("")
    ui.shot("62-card-details-shown")
    # ... and masks them again after a while
    page.clock.run_for(70_000)
    expect(page.get_by_test_id("card-pan")).to_have_count(0)
    # ... or when the customer leaves the page
    panel.locator("summary", has_text="Show card details").click()
    panel.get_by_label("Card PIN").fill("4321")
    panel.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_test_id("card-cvv")).to_have_text(str(card["cvv"]))
    ui.go("/dashboard")
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()
    ui.go("/cards")
    expect(page.locator(f"article[data-card='{card['card_id']}']")).to_be_visible()
    expect(page.get_by_test_id("card-pan")).to_have_count(0)

    # When staff block the card (they see it masked only)
    staff = open_ui("card-staff")
    staff.sign_in(admin.username, admin.password)
    page_s = staff.page
    staff.go(f"/staff/accounts/{account}")
    cards = page_s.locator("section", has=page_s.get_by_role("heading", name="Cards"))
    expect(cards.get_by_test_id("staff-masked-pan")).to_contain_text(str(card["pan"])[-4:])
    assert str(card["pan"]) not in page_s.content()
    cards.locator("summary", has_text="Block card").click()
    cards.get_by_label("Reason").first.fill("Reported stolen")
    cards.get_by_role("button", name="Block card").click()
    expect(page_s.get_by_text(re.compile("blocked; only staff can unblock it"))).to_be_visible()
    expect(cards).to_contain_text("by staff · Reported stolen")
    staff.shot("63-staff-card-blocked")
    listed = api.get(f"/accounts/{account}/cards", token=owner.access_token).json()["items"]
    assert [(c["state"], c["blocked_by"]) for c in listed] == [("blocked", "staff")], listed

    # Then the customer sees that only the bank can unblock it, and has no Unblock button
    ui.go("/dashboard")
    ui.go("/cards")
    notice = page.locator(f"article[data-card='{card['card_id']}']").get_by_test_id("bank-block")
    expect(notice).to_contain_text("Blocked by the bank: Reported stolen.")
    expect(notice).to_contain_text("Only the bank can unblock it.")
    expect(page.get_by_role("button", name="Unblock card")).to_have_count(0)
    expect(page.get_by_role("button", name="Replace card")).to_have_count(0)
    ui.shot("64-card-blocked-by-bank")
    refused = api.post(f"/cards/{card['card_id']}/unblock", token=owner.access_token, json={})
    assert refused.status_code == 409 and refused.json()["code"] == "card_blocked_by_bank", refused.text

    # When staff order a replacement: their answer is the masked card only
    with page_s.expect_response(
        lambda r: r.url.endswith(f"/staff/cards/{card['card_id']}/replace")
    ) as answer:
        cards.locator("summary", has_text="Order a replacement").click()
        cards.locator("details[data-card-action='replace']").first.get_by_label("Reason").fill("Stolen card")
        cards.get_by_role("button", name="Order a replacement").first.click()
    replacement = answer.value.json()
    assert answer.value.status == 201 and "pan" not in replacement and "cvv" not in replacement, replacement
    expect(page_s.get_by_text(re.compile("New card .* ordered"))).to_be_visible()
    expect(cards.get_by_test_id("staff-masked-pan")).to_have_count(2)
    staff.shot("65-staff-card-replaced")

    # Then the owner sees the new card and its details with the same card PIN
    ui.go("/dashboard")
    ui.go("/cards")
    fresh = page.locator(f"article[data-card='{replacement['card_id']}']")
    expect(fresh.get_by_test_id("masked-pan")).to_have_text(
        re.sub(r"(.{4})(?=.)", r"\1 ", replacement["masked_pan"])
    )
    expect(page.locator(f"article[data-card='{card['card_id']}']")).to_have_count(0)
    fresh.locator("summary", has_text="Show card details").click()
    fresh.get_by_label("Card PIN").fill("4321")
    fresh.get_by_role("button", name="Show", exact=True).click()
    new_pan = page.get_by_test_id("card-pan").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{16}", new_pan) and new_pan != card["pan"]
    assert new_pan[-4:] == replacement["masked_pan"][-4:]
    shown = api.post(
        f"/cards/{replacement['card_id']}/reveal", token=owner.access_token, json={"pin": "4321"}
    )
    assert shown.status_code == 200 and shown.json()["pan"] == new_pan, shown.text
    expect(page.get_by_test_id("card-cvv")).to_have_text(shown.json()["cvv"])
