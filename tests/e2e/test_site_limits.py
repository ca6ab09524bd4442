"""The bank's limits as a customer meets them: the most open accounts a customer may hold, and a
transfer's PIN tries (how many are left, then how long the lock lasts). The numbers come from the
API's answers; neither the site nor these tests assume them."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.browser import Ui
from tests.integration.conftest import User
from tools.api import Api


def number_in(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1))


def test_opening_one_account_too_many_is_explained(
    open_ui: Callable[..., Ui], api: Api, customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    # Given a customer who holds as many open accounts as the bank allows (found by asking the API)
    user, _ = customer_with_account()
    limit = None
    for _ in range(50):
        opened = api.post("/accounts", token=user.access_token, json={"type": "savings", "pin": "1234"})
        if opened.status_code == 409:
            assert opened.json()["code"] == "account_limit_reached", opened.text
            limit = int(opened.json()["limit"])
            break
        assert opened.status_code == 201, opened.text
    assert limit is not None, "the bank never refused another account"
    ui = open_ui("account-limit")
    ui.sign_in(user.username)
    page = ui.page
    # When they try to open another one on the site
    ui.go("/open-account")
    page.get_by_label("Choose a 4-digit PIN").fill("2580")
    page.get_by_label("Repeat the PIN").fill("2580")
    ui.expect_console(r"status of 409")
    page.get_by_role("button", name="Open account").click()
    # Then the site says plainly why not, with the bank's own limit
    message = page.get_by_test_id("account-limit")
    expect(message).to_contain_text(f"You already have {limit} open accounts, the most a customer may hold")
    expect(message).to_contain_text("account_limit_reached")
    expect(message.get_by_role("link", name="Contact support")).to_be_visible()
    expect(page.get_by_test_id("new-account-number")).to_have_count(0)
    expect(page.get_by_label("Choose a 4-digit PIN")).to_have_value("")
    ui.shot("90-account-limit")
    # And no account was opened
    accounts = api.get("/accounts?limit=100", token=user.access_token).json()["items"]
    assert len([a for a in accounts if a["state"] != "closed"]) == limit, accounts


def test_wrong_transfer_pin_shows_tries_left_then_the_lock(
    open_ui: Callable[..., Ui], api: Api, customer_with_account: Callable[[], tuple[User, str]]
) -> None:
    # Given a customer about to send money
    payer, payer_account = customer_with_account()
    _, payee_account = customer_with_account()
    ui = open_ui("pin-tries")
    ui.sign_in(payer.username)
    page = ui.page
    ui.go("/transfer")
    page.get_by_label("To account number").fill(payee_account)
    page.get_by_label("Amount (₦)").fill("100")
    page.get_by_role("button", name="Review transfer").click()
    ui.expect_console(r"status of 42[23]")
    pin = page.get_by_label("Account PIN")
    send = page.get_by_role("button", name="Send ₦100.00")
    # When they type a wrong PIN: the site says how many tries are left (the API's count)
    pin.fill("9999")
    send.click()
    first = page.get_by_text(re.compile(r"Wrong PIN — (\d+) tries? left"))
    expect(first).to_be_visible()
    left = number_in(r"(\d+) tries? left", first.inner_text())
    assert left >= 1
    expect(pin).to_have_value("")
    ui.shot("91-transfer-pin-tries-left")
    # And each further wrong PIN counts down, until the PIN is locked
    for expected_left in range(left - 1, 0, -1):
        pin.fill("9999")
        send.click()
        word = "try" if expected_left == 1 else "tries"
        expect(page.get_by_text(f"Wrong PIN — {expected_left} {word} left")).to_be_visible()
    pin.fill("9999")
    send.click()
    locked = page.get_by_text(re.compile(r"your PIN is locked for about (\d+) minutes?"))
    expect(locked).to_be_visible()
    minutes = number_in(r"about (\d+) minute", locked.inner_text())
    ui.shot("92-transfer-pin-locked")
    # Then even the right PIN meets the lock, whose length the site showed
    pin.fill("1234")
    send.click()
    expect(page.get_by_text(re.compile(r"your PIN is locked for about \d+ minutes?"))).to_be_visible()
    expect(page.get_by_test_id("transfer-result")).to_have_count(0)
    refused = api.post(
        "/transfers",
        token=payer.access_token,
        headers={"Idempotency-Key": secrets.token_hex(8)},
        json={"from_account": payer_account, "to_account": payee_account, "amount": 10_000, "pin": "1234"},
    )
    assert refused.status_code == 423 and refused.json()["code"] == "pin_locked", refused.text
    assert abs(round(int(refused.json()["retry_after_seconds"]) / 60) - minutes) <= 1, (refused.text, minutes)
    balance = api.get(f"/accounts/{payer_account}", token=payer.access_token).json()
    assert balance["available_balance"] == 100_000 and balance["ledger_balance"] == 100_000, balance
