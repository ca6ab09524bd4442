"""The attacks of issue #14, each run against the deployed bank, each failing (docs/security.md).

Concurrent attacks really run concurrently (16 threads, each its own connection). The local cloud runs
at most cores + 1 environments per function (decision 0007), which queues part of a burst; so the
atomic writes that make the races safe are also proven directly, by 48 threads against the deployed
tables (`test_..._store`), where nothing queues them.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from core import aws, dynamo
from core.dynamo import TriesExhausted, TryCounter
from core.tries import TryLimit
from tests.integration.conftest import PASSWORD, PIN, Bank, Customer, User, eventually, login
from tests.integration.parties import Party, card_details, key, make_party, request_payment
from tools.api import Api, random_client_address

BURST = 16


def burst[T](call: Callable[[T], requests.Response], inputs: Sequence[T]) -> list[requests.Response]:
    """`call` for every input at once, on threads started together (each call makes its connection)."""
    with ThreadPoolExecutor(max_workers=len(inputs)) as pool:
        return list(pool.map(call, inputs))


def codes(responses: list[requests.Response]) -> list[str]:
    return [str(r.json().get("code", r.status_code)) if r.content else str(r.status_code) for r in responses]


def item(bank: Bank, logical_id: str, key_values: dict[str, str]) -> dict[str, Any]:
    raw = bank.client("dynamodb").get_item(
        TableName=bank.physical_id(logical_id),
        Key={name: {"S": value} for name, value in key_values.items()},
        ConsistentRead=True,
    )
    return dynamo.from_item(raw.get("Item")) or {}


def balance(api: Api, who: Customer | Party, number: str | None = None) -> int:
    answer = api.get(f"/accounts/{number or who.account}", token=who.token)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["ledger_balance"])


def send(api: Api, who: Customer, to: str, amount: int, *, pin: str = PIN, source: str | None = None) -> Any:
    body = {"from_account": source or who.account, "to_account": to, "amount": amount, "pin": pin}
    return api.post("/transfers", token=who.token, json=body, headers=key())


def own_api(api: Api) -> Api:
    """A connection of its own (a requests Session is not thread-safe)."""
    return Api(api.base_url)


# ------------------------------------------------------------------ 1. bonus farming


def test_bonus_farming_pays_one_bonus_and_the_accounts_are_capped(
    bank: Bank, api: Api, new_customer: Callable[[], User]
) -> None:
    # Given a new customer who opens accounts as fast as they can, 16 at once
    farmer = new_customer()
    answers = burst(
        lambda _: own_api(api).post(
            "/accounts", token=farmer.access_token, json={"type": "current", "pin": PIN}
        ),
        range(BURST),
    )
    # Then at most five are opened (the cap), the rest refused with the limit's code
    # (two racing openings of one type may finish the same account: both answer it, one account)
    opened = sorted({a.json()["account_number"] for a in answers if a.status_code == 201})
    assert len(opened) == 5, codes(answers)
    assert {a.json()["code"] for a in answers if a.status_code != 201} == {"account_limit_reached"}
    listed = api.get("/accounts", token=farmer.access_token).json()["items"]
    assert sorted(a["account_number"] for a in listed) == sorted(opened)
    # And one welcome bonus was paid, whatever the number of accounts
    assert sum(a["ledger_balance"] for a in listed) == 100_000
    bonuses = [
        line
        for number in opened
        for line in api.get(f"/accounts/{number}/transactions", token=farmer.access_token).json()["items"]
        if line["kind"] == "welcome_bonus"
    ]
    assert len(bonuses) == 1
    # And a sixth account is refused with the limit, clearly
    sixth = api.post("/accounts", token=farmer.access_token, json={"type": "savings", "pin": PIN})
    assert (sixth.status_code, sixth.json()["code"], sixth.json()["limit"]) == (
        409,
        "account_limit_reached",
        5,
    )


def test_customer_limits_count_every_account_of_the_customer(
    api: Api, customer: Callable[[], Customer]
) -> None:
    # Given a customer with three funded accounts (each far under the per-account limit of 10 a minute)
    spreader, funder_a, funder_b = customer(), customer(), customer()
    second = api.post("/accounts", token=spreader.token, json={"type": "savings", "pin": PIN}).json()
    third = api.post("/accounts", token=spreader.token, json={"type": "current", "pin": PIN}).json()
    numbers = [spreader.account, second["account_number"], third["account_number"]]
    assert send(api, funder_a, numbers[1], 60_000).status_code == 201
    assert send(api, funder_b, numbers[2], 60_000).status_code == 201
    while datetime.now(UTC).second > 30:  # the velocity windows are calendar minutes
        time.sleep(1)
    # When 7 payments leave each account within the minute (21, the customer's limit is 20)
    answers = [
        send(api, spreader, funder_a.account, 5_000, source=number) for number in numbers for _ in range(7)
    ]
    # Then 20 go through and the 21st is declined by the customer's own limit
    assert [a.status_code for a in answers].count(201) == 20, codes(answers)
    assert (answers[-1].status_code, answers[-1].json()["code"]) == (422, "customer_velocity_limit_exceeded")


# ------------------------------------------------------------------ 2. staff and card data


def test_staff_never_receive_a_pan_or_cvv_and_their_card_actions_are_audited(
    api: Api, admin: User, staff: User, customer: Callable[[], Customer]
) -> None:
    owner = make_party(api, customer)
    card_id = owner.card["card_id"]
    # When staff order a replacement of the customer's card
    replaced = api.post(f"/staff/cards/{card_id}/replace", token=staff.access_token, json={"reason": "lost"})
    assert replaced.status_code == 201, replaced.text
    new_card = replaced.json()
    # Then staff get the masked card only, never the PAN or the CVV
    assert "pan" not in new_card and "cvv" not in new_card
    assert owner.card["pan"] not in replaced.text
    assert new_card["masked_pan"].count("*") == 6
    # And the customers' card routes are not staff's at all
    for path, body in (
        (f"/cards/{card_id}/replace", {}),
        (f"/cards/{new_card['card_id']}/reveal", {"pin": PIN}),
    ):
        refused = api.post(path, token=staff.access_token, json=body)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    # And the action is audited
    trail = api.get("/staff/audit", token=admin.access_token, params={"target": f"card:{card_id}"}).json()
    assert [(e["action"], e["actor_id"]) for e in trail["items"]] == [("card.replace", staff.user_id)]
    # And only the owner sees the new card's details, with the card's PIN
    shown = api.post(f"/cards/{new_card['card_id']}/reveal", token=owner.token, json={"pin": PIN})
    assert shown.status_code == 200, shown.text
    assert shown.json()["pan"].startswith(new_card["masked_pan"][:6]) and len(shown.json()["cvv"]) == 3
    assert shown.json()["pan"] != owner.card["pan"]
    stranger = customer()
    hidden = api.post(f"/cards/{new_card['card_id']}/reveal", token=stranger.token, json={"pin": PIN})
    assert (hidden.status_code, hidden.json()["code"]) == (404, "card_not_found")


# ------------------------------------------------------------------ 3. parallel guessing


def test_parallel_wrong_pins_judge_at_most_three(
    bank: Bank, api: Api, customer: Callable[[], Customer]
) -> None:
    # Given a thief with the customer's session, and 16 different wrong PINs sent at once
    victim, payee = customer(), customer()
    guesses = [f"{n:04d}" for n in range(5000, 5000 + BURST)]
    answers = burst(lambda pin: send(own_api(api), victim, payee.account, 5_000, pin=pin), guesses)
    # Then at most three were judged: exactly three wrong PINs counted, the rest never compared
    assert set(codes(answers)) <= {"pin_invalid", "pin_locked", "pin_busy"}, codes(answers)
    assert codes(answers).count("pin_invalid") <= 2
    position = item(bank, "PaymentsPositionsTable", {"account": victim.account})
    assert position["pin_wrong"] == 3
    # And now even the right PIN is locked out, and no money moved
    right = send(api, victim, payee.account, 5_000)
    assert (right.status_code, right.json()["code"]) == (423, "pin_locked")
    assert int(right.headers["Retry-After"]) > 800
    assert balance(api, victim) == 100_000


def test_parallel_card_guesses_judge_at_most_three(
    bank: Bank, api: Api, customer: Callable[[], Customer]
) -> None:
    # Given a merchant's payment request and a thief holding the cardholder's session and card number
    holder = make_party(api, customer)
    merchant = make_party(api, customer)
    request_id = request_payment(api, merchant, merchant.account, 2_000)
    answers = burst(
        lambda pin: own_api(api).post(
            "/card-authorizations", token=holder.token, json=card_details(holder, request_id, pin=pin)
        ),
        [f"{n:04d}" for n in range(7000, 7000 + BURST)],
    )
    # Then three wrong answers were judged and the card is blocked; the rest were never compared
    assert set(codes(answers)) <= {"card_invalid", "card_blocked", "card_busy"}, codes(answers)
    card = item(bank, "AccountsCardsTable", {"card_id": holder.card["card_id"]})
    assert (card["state"], card["blocked_by"]) == ("blocked", "system")
    tries = item(bank, "AccountsCardsTable", {"card_id": f"cardpin#{holder.account}"})
    assert tries["tries_wrong"] == 3
    # And the right details are refused now, and the customer cannot unblock it themselves
    right = api.post("/card-authorizations", token=holder.token, json=card_details(holder, request_id))
    assert (right.status_code, right.json()["code"]) == (422, "card_blocked")
    unblock = api.post(f"/cards/{holder.card['card_id']}/unblock", token=holder.token, json={})
    assert (unblock.status_code, unblock.json()["code"]) == (409, "card_blocked_by_bank")


@pytest.fixture
def store_client(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    """core.dynamo's writes go to the deployed bank's DynamoDB (one boto3 client: thread-safe)."""
    dynamodb = bank.client("dynamodb")
    monkeypatch.setattr(aws, "client", lambda service: dynamodb)


def test_forty_eight_threads_take_exactly_three_tries_from_the_store(
    bank: Bank, customer: Callable[[], Customer], store_client: None
) -> None:
    # Given a customer's position and its PIN counter, as payments uses it
    victim = customer()
    counter = TryCounter(
        table=bank.physical_id("PaymentsPositionsTable"),
        key={"account": victim.account},
        rule=TryLimit(limit=3, seconds=900),
        taken="pin_tries",
        window_end="pin_window_end",
        wrong="pin_wrong",
        require={"owner_id": victim.user.user_id},
    )
    now = int(time.time())

    def take(_: int) -> bool:
        try:
            counter.take(now)
        except TriesExhausted:
            return False
        return True

    # When 48 threads take a try at the same moment, with no function in between to queue them
    with ThreadPoolExecutor(max_workers=48) as pool:
        taken = list(pool.map(take, range(48)))
    # Then exactly three got one
    assert taken.count(True) == 3
    assert item(bank, "PaymentsPositionsTable", {"account": victim.account})["pin_tries"] == 3


def test_parallel_wrong_passwords_judge_at_most_five_per_client(
    bank: Bank, api: Api, new_customer: Callable[[], User]
) -> None:
    # Given 16 wrong passwords at once for one user from one client address
    user = new_customer()
    address = random_client_address()
    answers = burst(
        lambda n: Api(api.base_url, client_address=address).post(
            "/auth/login", json={"username": user.username, "password": f"Wrong-Horse-{n:02d}-xx"}
        ),
        range(BURST),
    )
    # Then at most five were judged (counted as wrong), whatever arrived at once
    assert set(codes(answers)) <= {"invalid_credentials", "account_locked", "sign_in_slowed"}, codes(answers)
    pair = item(bank, "IdentityLoginAttemptsTable", {"pk": f"pair#{user.username}#{address}"})
    assert pair["tries_wrong"] == 5
    # And that client is locked out, even with the right password, while the user signs in elsewhere
    same = Api(api.base_url, client_address=address).post(
        "/auth/login", json={"username": user.username, "password": PASSWORD}
    )
    assert (same.status_code, same.json()["code"]) == (423, "account_locked")
    assert login(api, user.username, PASSWORD).access_token


def test_many_clients_failing_on_a_username_slow_it_down_but_never_lock_out_its_owner(
    api: Api, new_customer: Callable[[], User]
) -> None:
    # Given a user who signed in from their own address before
    user = new_customer()
    home = Api(api.base_url, client_address=random_client_address())
    assert home.post("/auth/login", json={"username": user.username, "password": PASSWORD}).status_code == 200
    # When an attacker fails on that username from a new address every time, from 4 threads at once
    stop, seen = threading.Event(), []

    def attack(thread: int) -> None:
        n = 0
        while not stop.is_set():
            answer = Api(api.base_url, client_address=random_client_address()).post(
                "/auth/login", json={"username": user.username, "password": f"Guess-{thread}-{n}-Horse"}
            )
            seen.append(answer)
            n += 1

    attackers = [threading.Thread(target=attack, args=(t,)) for t in range(4)]
    for thread in attackers:
        thread.start()
    try:
        eventually(lambda: "sign_in_slowed" in codes(list(seen)), timeout=60, interval=0.2)
        # Then the attacker is slowed to one judged try per slot, and never locks the username
        # And the user, from their known address, signs in at once while the attack goes on
        mine = home.post("/auth/login", json={"username": user.username, "password": PASSWORD})
        assert mine.status_code == 200, mine.text
        # While a new address, even with the right password, must wait its turn like everyone else
        stranger = Api(api.base_url, client_address=random_client_address()).post(
            "/auth/login", json={"username": user.username, "password": PASSWORD}
        )
        assert stranger.status_code in (200, 429), stranger.text
    finally:
        stop.set()
        for thread in attackers:
            thread.join()
    assert "account_locked" not in codes(seen)


def test_a_customer_cannot_reset_the_card_pin_tries_by_blocking_or_replacing_the_card(
    bank: Bank, api: Api, customer: Callable[[], Customer]
) -> None:
    # Given a thief with the customer's session: two wrong card PINs on "show card details"
    owner = make_party(api, customer)
    for pin in ("1111", "2222"):
        wrong = api.post(f"/cards/{owner.card['card_id']}/reveal", token=owner.token, json={"pin": pin})
        assert (wrong.status_code, wrong.json()["code"]) == (422, "card_invalid")
    # When they block and unblock the card, and replace it (the PIN carries over to the new card)
    assert api.post(f"/cards/{owner.card['card_id']}/block", token=owner.token, json={}).status_code == 200
    assert api.post(f"/cards/{owner.card['card_id']}/unblock", token=owner.token, json={}).status_code == 200
    replaced = api.post(f"/cards/{owner.card['card_id']}/replace", token=owner.token, json={})
    assert replaced.status_code == 201, replaced.text
    # Then the third wrong PIN is still the third: the new card is blocked, and only staff unblock it
    third = api.post(f"/cards/{replaced.json()['card_id']}/reveal", token=owner.token, json={"pin": "3333"})
    assert (third.status_code, third.json()["code"]) == (422, "card_blocked")
    right = api.post(f"/cards/{replaced.json()['card_id']}/reveal", token=owner.token, json={"pin": PIN})
    assert (right.status_code, right.json()["code"]) == (422, "card_blocked")
    assert item(bank, "AccountsCardsTable", {"card_id": f"cardpin#{owner.account}"})["tries_wrong"] == 3


def test_registration_and_sign_in_are_rate_limited_per_client(api: Api) -> None:
    # Given one client address registering as fast as it can (the limit is 20 a minute)
    while datetime.now(UTC).second > 20:  # fixed windows of a calendar minute
        time.sleep(1)
    address = random_client_address()
    answers = []
    for _ in range(22):
        name = f"rate{secrets.token_hex(4)}"
        body = {
            "username": name,
            "password": PASSWORD,
            "email": f"{name}@example.com",
            "first_name": "Ada",
            "last_name": "Obi",
            "phone": "+2348012345678",
        }
        answers.append(Api(api.base_url, client_address=address).post("/auth/register", json=body))
    # Then the 21st and later are refused, with when to come back
    assert [a.status_code for a in answers[:20]] == [201] * 20, codes(answers)
    assert [(a.status_code, a.json()["code"]) for a in answers[20:]] == [(429, "rate_limited")] * 2
    assert 0 < int(answers[20].headers["Retry-After"]) <= 60
    # And sign-ins from one address stop at 60 a minute (the 6th wrong password already locks the pair,
    # so the rest are answered without a password hash)
    signer = Api(api.base_url, client_address=random_client_address())
    while datetime.now(UTC).second > 30:
        time.sleep(1)
    body = {"username": f"nobody{secrets.token_hex(3)}", "password": "Wrong-Horse-Battery-1"}
    tries = [signer.post("/auth/login", json=body) for _ in range(61)]
    assert codes(tries[:60]) == ["invalid_credentials"] * 5 + ["account_locked"] * 55, codes(tries)
    assert (tries[60].status_code, tries[60].json()["code"]) == (429, "rate_limited")


# ------------------------------------------------------------------ 4. back-dated interest


def test_back_dated_and_current_interest_runs_are_refused(
    api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    saver = customer()
    number = api.post("/accounts", token=saver.token, json={"type": "savings", "pin": PIN}).json()[
        "account_number"
    ]
    assert send(api, saver, number, 50_000).status_code == 201
    now = datetime.now(UTC)
    for month in ("2000-01", "2000-02", now.strftime("%Y-%m"), "2999-12", f"{now.year - 1}-{now.month:02d}"):
        answer = api.post("/staff/interest-runs", token=admin.access_token, json={"month": month})
        assert (answer.status_code, answer.json()["code"]) == (422, "month_invalid"), (month, answer.text)
    assert balance(api, saver, number) == 50_000
    waiting = api.get("/staff/proposals", token=admin.access_token).json()["items"]
    assert not [
        p for p in waiting if p["kind"] == "interest_run" and p["details"]["month"].startswith("2000")
    ]


# ------------------------------------------------------------------ 5. revocation


def seconds_until_refused(api: Api, who: Customer, action: Callable[[], None]) -> float:
    """Act, then how long until the user's money-moving calls stop (401), polling every 0.25 s."""
    payee = who.account  # a transfer to oneself is refused (422) while the token works: nothing moves
    started = time.monotonic()
    action()
    while time.monotonic() - started < 15:
        answer = send(api, who, payee, 5_000)
        if answer.status_code == 401:
            return time.monotonic() - started
        assert answer.status_code == 422, answer.text
        time.sleep(0.25)
    raise AssertionError("the token still worked after 15 s")


def test_disabling_a_user_stops_their_money_within_five_seconds(
    api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    victim = customer()

    def disable() -> None:
        answer = api.post(f"/staff/users/{victim.user.user_id}/disable", token=admin.access_token)
        assert answer.status_code == 200, answer.text

    assert seconds_until_refused(api, victim, disable) <= 5.0


def test_a_password_change_stops_the_old_tokens_within_five_seconds(
    api: Api, customer: Callable[[], Customer]
) -> None:
    victim = customer()
    thief = Customer(login(api, victim.user.username, PASSWORD), victim.account)  # a stolen session

    def change() -> None:
        body = {"current_password": PASSWORD, "new_password": "Brand-New-Horse-Battery-77"}
        assert api.post("/me/password", token=victim.token, json=body).status_code == 204

    assert seconds_until_refused(api, thief, change) <= 5.0


def test_logging_out_stops_that_sessions_token_within_five_seconds(
    api: Api, customer: Callable[[], Customer]
) -> None:
    victim = customer()
    other_session = Customer(login(api, victim.user.username, PASSWORD), victim.account)

    def logout() -> None:
        body = {"refresh_token": victim.user.refresh_token}
        assert api.post("/auth/logout", token=victim.token, json=body).status_code == 204

    assert seconds_until_refused(api, victim, logout) <= 5.0
    # And only that session ended: the customer's other sign-in still works
    assert api.get("/me", token=other_session.token).status_code == 200


# ------------------------------------------------------------------ 6. guaranteed holds


def test_a_cardholder_blocking_their_account_does_not_stop_the_capture_of_a_hold(
    api: Api, customer: Callable[[], Customer]
) -> None:
    buyer, merchant = make_party(api, customer), make_party(api, customer)
    request_id = request_payment(api, merchant, merchant.account, 30_000)
    hold = api.post("/card-authorizations", token=buyer.token, json=card_details(buyer, request_id))
    assert hold.status_code == 201, hold.text
    # When the buyer blocks their account after paying
    blocked = api.post(
        f"/accounts/{buyer.account}/block", token=buyer.token, json={"reason": "changed my mind"}
    )
    assert blocked.status_code == 200, blocked.text
    # Then the merchant still captures the hold it was given
    captured = api.post(
        f"/card-authorizations/{hold.json()['authorization_id']}/capture", token=merchant.token, json={}
    )
    assert (captured.status_code, captured.json()["state"]) == (200, "captured"), captured.text
    assert balance(api, merchant) == 130_000
    # But no new authorization is possible on the blocked account
    again = request_payment(api, merchant, merchant.account, 1_000)
    refused = api.post("/card-authorizations", token=buyer.token, json=card_details(buyer, again))
    assert (refused.status_code, refused.json()["code"]) == (422, "account_not_active")


# ------------------------------------------------------------------ 7. the merchant never holds the PIN


def test_the_merchant_cannot_charge_a_card_it_knows_everything_about(
    api: Api, customer: Callable[[], Customer]
) -> None:
    buyer, merchant = make_party(api, customer), make_party(api, customer)
    # The old way, card details and PIN sent by the merchant, does not exist any more
    old = {**card_details(buyer, ""), "amount": 1_000, "merchant_account": merchant.account}
    old.pop("payment_request_id")
    refused = api.post("/card-authorizations", token=merchant.token, json=old, headers=key())
    assert (refused.status_code, refused.json()["code"]) == (400, "validation_failed")
    # And even with every detail of the buyer's card, a merchant cannot confirm its own request
    request_id = request_payment(api, merchant, merchant.account, 1_000)
    stolen = api.post("/card-authorizations", token=merchant.token, json=card_details(buyer, request_id))
    assert (stolen.status_code, stolen.json()["code"]) == (422, "card_invalid")
    shown = api.get(f"/payment-requests/{request_id}", token=merchant.token).json()
    assert (shown["state"], shown["authorization_id"]) == ("open", None)
    # Only the cardholder confirms it, on the bank's side; then the merchant learns the authorization
    paid = api.post("/card-authorizations", token=buyer.token, json=card_details(buyer, request_id))
    assert paid.status_code == 201, paid.text
    shown = api.get(f"/payment-requests/{request_id}", token=merchant.token).json()
    assert (shown["state"], shown["authorization_id"]) == ("authorized", paid.json()["authorization_id"])
    # A request is paid once: a second confirmation answers the same hold, another customer is refused
    again = api.post("/card-authorizations", token=buyer.token, json=card_details(buyer, request_id))
    assert again.json()["authorization_id"] == paid.json()["authorization_id"]
    third = make_party(api, customer)
    late = api.post("/card-authorizations", token=third.token, json=card_details(third, request_id))
    assert (late.status_code, late.json()["code"]) == (409, "payment_request_closed")


# ------------------------------------------------------------------ 8. four eyes


def test_one_staff_member_cannot_move_the_banks_money_alone(
    api: Api, admin: User, staff: User, approver: User, customer: Callable[[], Customer]
) -> None:
    alice, bob = customer(), customer()
    payment = send(api, alice, bob.account, 20_000).json()
    # A reversal is only proposed, and its proposer cannot approve it
    proposal = api.post(
        f"/staff/transfers/{payment['payment_id']}/reversal",
        token=staff.access_token,
        json={"reason": "fraud"},
    ).json()
    own = api.post(f"/staff/proposals/{proposal['proposal_id']}/approve", token=staff.access_token)
    assert (own.status_code, own.json()["code"]) == (403, "second_staff_required")
    # Nor can the admin who created the proposer's staff account (one person, two logins)
    creator = api.post(f"/staff/proposals/{proposal['proposal_id']}/approve", token=admin.access_token)
    assert (creator.status_code, creator.json()["code"]) == (403, "second_staff_required")
    assert balance(api, alice) == 80_000
    queue = api.get("/staff/proposals", token=admin.access_token).json()["items"]
    assert proposal["proposal_id"] in [p["proposal_id"] for p in queue]
    # Another staff member approves: the money moves back, once
    done = api.post(f"/staff/proposals/{proposal['proposal_id']}/approve", token=approver.access_token)
    assert (done.status_code, done.json()["status"]) == (200, "approved"), done.text
    assert (balance(api, alice), balance(api, bob)) == (100_000, 100_000)
    twice = api.post(f"/staff/proposals/{proposal['proposal_id']}/approve", token=approver.access_token)
    assert (twice.status_code, twice.json()["code"]) == (409, "proposal_not_open")
    # The trail names both
    trail = api.get(
        "/staff/audit", token=admin.access_token, params={"target": f"payment:{payment['payment_id']}"}
    )
    actions = {(e["action"], e["actor_id"]) for e in trail.json()["items"]}
    assert {("proposal.create", staff.user_id), ("proposal.approve", approver.user_id)} <= actions


def test_closing_an_account_with_a_balance_pays_it_out_only_with_four_eyes(
    api: Api, admin: User, staff: User, approver: User, customer: Callable[[], Customer]
) -> None:
    leaver = customer()
    proposed = api.post(
        f"/staff/accounts/{leaver.account}/close", token=staff.access_token, json={"reason": "leaving"}
    )
    assert (proposed.status_code, proposed.json()["kind"]) == (202, "account_closure"), proposed.text
    assert api.get(f"/accounts/{leaver.account}", token=leaver.token).json()["state"] == "active"
    approved = api.post(
        f"/staff/proposals/{proposed.json()['proposal_id']}/approve", token=approver.access_token
    )
    assert approved.status_code == 200, approved.text
    closed = api.get(f"/accounts/{leaver.account}", token=leaver.token).json()
    assert (closed["state"], closed["ledger_balance"]) == ("closed", 0)
    lines = api.get(f"/accounts/{leaver.account}/transactions", token=leaver.token).json()["items"]
    assert (lines[0]["kind"], lines[0]["amount"], lines[0]["direction"]) == (
        "closure_payout",
        100_000,
        "debit",
    )


def test_a_closure_pays_out_only_the_balance_that_was_approved(
    api: Api, staff: User, approver: User, customer: Callable[[], Customer]
) -> None:
    # Given a closure proposed while the account held 100,000
    leaver, payer = customer(), customer()
    proposed = api.post(
        f"/staff/accounts/{leaver.account}/close", token=staff.access_token, json={"reason": "leaving"}
    ).json()
    assert proposed["details"]["balance"] == 100_000
    # When money arrives before the approval
    assert send(api, payer, leaver.account, 50_000).status_code == 201
    # Then the approval pays out nothing it was not shown, and the account stays open
    approved = api.post(f"/staff/proposals/{proposed['proposal_id']}/approve", token=approver.access_token)
    assert (approved.status_code, approved.json()["code"]) == (409, "balance_changed")
    shown = api.get(f"/accounts/{leaver.account}", token=leaver.token).json()
    assert (shown["state"], shown["ledger_balance"]) == ("active", 150_000)
    # And an account a loan is paid into is not closed while the loan is open
    loan = api.post(
        "/loans",
        token=leaver.token,
        json={"account_number": leaver.account, "amount": 1_000_000, "months": 3},
    )
    assert loan.status_code == 201, loan.text
    refused = api.post(
        f"/staff/accounts/{leaver.account}/close", token=staff.access_token, json={"reason": "x"}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "account_has_open_loan")


def test_a_large_loan_needs_a_second_staff_member(
    api: Api, admin: User, staff: User, approver: User, customer: Callable[[], Customer]
) -> None:
    borrower = customer()
    loan = api.post(
        "/loans",
        token=borrower.token,
        json={"account_number": borrower.account, "amount": 200_000_000, "months": 12},
    ).json()
    decided = api.post(
        f"/staff/loans/{loan['loan_id']}/decision",
        token=staff.access_token,
        json={"decision": "approve", "reason": "ok"},
    )
    assert (decided.status_code, decided.json()["kind"]) == (202, "loan_approval"), decided.text
    assert balance(api, borrower) == 100_000
    approved = api.post(
        f"/staff/proposals/{decided.json()['proposal_id']}/approve", token=approver.access_token
    )
    assert approved.status_code == 200, approved.text
    assert balance(api, borrower) == 200_100_000


# ------------------------------------------------------------------ also


def test_a_wrong_pin_tells_nothing_about_the_recipient(
    api: Api, admin: User, customer: Callable[[], Customer]
) -> None:
    sender, blocked = customer(), customer()
    assert api.post(
        f"/staff/accounts/{blocked.account}/block", token=admin.access_token, json={"reason": "x"}
    ).ok
    for recipient in ("1000000009", blocked.account):
        wrong = send(api, sender, recipient, 5_000, pin="9999")
        assert (wrong.status_code, wrong.json()["code"]) == (422, "pin_invalid"), wrong.text
    assert send(api, sender, "1000000009", 5_000).json()["code"] == "account_not_found"
    assert send(api, sender, blocked.account, 5_000).json()["code"] == "account_not_active"


def test_browsers_may_call_the_api_only_from_the_site(bank: Bank, api: Api) -> None:
    origin = bank.info.site_url.rstrip("/")
    answer = api.get("/health", headers={"Origin": "https://evil.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    preflight = api.request(
        "OPTIONS", "/transfers", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
