"""History, one transfer's view, staff search and reversals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.payments.payments_helpers import internal_call, reverse_payment

CallApi = Callable[..., Any]


def send(call_api: CallApi, app: Any, sender: Any, to: str, *, amount: int, key: str) -> Any:
    body = {"from_account": sender.account, "to_account": to, "amount": amount, "pin": sender.pin}
    response = call_api(
        app, "POST", "/transfers", body=body, headers={"Idempotency-Key": key}, principal=sender.principal
    )
    assert response.status == 201, response.json
    return response.json


def history(call_api: CallApi, app: Any, account: str, principal: dict[str, str], **query: str) -> Any:
    return call_api(
        app,
        "GET",
        "/accounts/{number}/transactions",
        path_params={"number": account},
        query=query or None,
        principal=principal,
    )


def test_history_pages_are_newest_first_complete_and_without_duplicates(
    call_api: CallApi, payments_app: Any, open_account: Any
) -> None:
    # Given seven transfers out of Alice's account (plus her welcome bonus)
    alice, bob = open_account(), open_account()
    sent = [
        send(call_api, payments_app, alice, bob.account, amount=5_000 + i, key=f"h{i}")["payment_id"]
        for i in range(7)
    ]
    # When she reads her history three lines at a time
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = history(call_api, payments_app, alice.account, alice.principal, **query)
        assert page.status == 200
        seen.extend(page.json["items"])
        cursor = page.json["next_cursor"]
        if not cursor:
            break
    # Then every line comes exactly once, newest first
    ids = [item["payment_id"] for item in seen]
    assert len(ids) == len(set(ids)) == 8
    assert ids[:7] == list(reversed(sent))
    assert ids[7] == f"bonus:{alice.user_id}"
    assert [item["created_at"] for item in seen] == sorted(
        (item["created_at"] for item in seen), reverse=True
    )
    assert seen[0]["direction"] == "debit" and seen[0]["counterparty"] == bob.account


def test_history_is_private_to_the_owner_and_staff(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, mallory = open_account(), open_account()
    assert history(call_api, payments_app, alice.account, mallory.principal).status == 404
    assert history(call_api, payments_app, "9999999999", alice.principal).status == 404
    assert history(call_api, payments_app, alice.account, helpers.staff).status == 200


def test_a_forged_cursor_for_another_account_is_refused(
    call_api: CallApi, payments_app: Any, open_account: Any
) -> None:
    from core.pagination import encode_cursor

    alice = open_account()
    forged = encode_cursor({"account": {"S": "0000000042"}, "sort_key": {"S": "z"}})
    response = history(call_api, payments_app, alice.account, alice.principal, cursor=str(forged))
    assert (response.status, response.json["code"]) == (400, "invalid_cursor")


def test_a_transfer_is_visible_to_both_sides_and_staff_only(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob, mallory = open_account(), open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=7_000, key="t1")

    def get(principal: dict[str, str], payment_id: str = payment["payment_id"]) -> Any:
        return call_api(
            payments_app,
            "GET",
            "/transfers/{transfer_id}",
            path_params={"transfer_id": payment_id},
            principal=principal,
        )

    assert get(alice.principal).json["amount"] == 7_000
    assert get(bob.principal).status == 200
    assert get(helpers.staff).json["reversed_by"] is None
    assert (get(mallory.principal).status, get(mallory.principal).json["code"]) == (404, "transfer_not_found")
    assert get(alice.principal, "pay_missing").status == 404


def test_staff_reverse_a_transfer_once_as_a_new_linked_movement(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    from payments.store.models import Payment

    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=30_000, key="r1")
    original = Payment.get(payment["payment_id"]).attribute_values

    def reverse(payment_id: str = payment["payment_id"]) -> Any:
        return reverse_payment(payment_id)

    # No one reverses through payments' API: staff propose it in accounts, a second one approves it
    assert ("/staff/transfers/{transfer_id}/reversal", "POST") not in payments_app.api_docs
    # Accounts invokes the reversal: the money goes back, as a new movement pointing at the original
    response = reverse()
    assert "result" in response, response
    reversal = response["result"]
    assert (reversal["kind"], reversal["reverses"], reversal["description"]) == (
        "reversal",
        payment["payment_id"],
        "sent in error",
    )
    assert reversal["legs"] == [{"from_account": bob.account, "to_account": alice.account, "amount": 30_000}]
    assert Payment.get(reversal["payment_id"]).initiated_by == "staff-2"
    assert helpers.balance(alice.account)[0] == helpers.balance(bob.account)[0] == 100_000
    # The original is unchanged but for the marker pointing to its reversal
    marked = Payment.get(payment["payment_id"]).attribute_values
    assert marked == {**original, "reversed_by": reversal["payment_id"]}
    shown = call_api(
        payments_app,
        "GET",
        "/transfers/{transfer_id}",
        path_params={"transfer_id": payment["payment_id"]},
        principal=alice.principal,
    )
    assert shown.json["reversed_by"] == reversal["payment_id"]
    # At most once, and a reversal itself is not reversible
    again = reverse()
    assert (again["error"]["code"], again["error"]["kind"]) == ("already_reversed", "conflict")
    assert reverse(reversal["payment_id"])["error"]["code"] == "not_reversible"
    assert reverse("pay_missing")["error"]["code"] == "transfer_not_found"
    assert helpers.balance(alice.account)[0] == 100_000


def test_a_reversal_needs_the_recipient_to_still_have_the_money(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob, carol = open_account(), open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=50_000, key="s1")
    send(call_api, payments_app, bob, carol.account, amount=150_000, key="s2")
    response = reverse_payment(payment["payment_id"], reason="x")
    assert response["error"]["code"] == "insufficient_funds"


def test_staff_search_by_account_and_by_day(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=8_000, key="q1")
    by_account = call_api(
        payments_app, "GET", "/staff/transfers", query={"account": bob.account}, principal=helpers.staff
    )
    assert payment["payment_id"] in [item["payment_id"] for item in by_account.json["items"]]
    by_day = call_api(
        payments_app,
        "GET",
        "/staff/transfers",
        query={"date": payment["created_at"][:10]},
        principal=helpers.staff,
    )
    assert payment["payment_id"] in [item["payment_id"] for item in by_day.json["items"]]
    assert (
        call_api(
            payments_app, "GET", "/staff/transfers", query={"date": "24/11/2026"}, principal=helpers.staff
        ).status
        == 400
    )
    assert call_api(payments_app, "GET", "/staff/transfers", principal=alice.principal).status == 403


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every item of every payments table (but idempotency records), to prove nothing was written."""
    from payments.store.models import Counter, Entry, OutboxRecord, Payment, Position

    return {
        model.Meta.table_name: sorted((item.attribute_values for item in model.scan()), key=repr)
        for model in (Position, Payment, Entry, Counter, OutboxRecord)
    }


def test_a_reversal_marks_the_original_everywhere_it_is_shown(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    from payments.store.models import Entry

    # Given a transfer from Alice to Bob, reversed by staff
    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=12_000, key="m1")
    assert payment["reversed_by"] is None
    reversal = reverse_payment(payment["payment_id"])["result"]
    assert reversal["reversed_by"] is None
    rev_id = reversal["payment_id"]
    # Then the original's lookup, both sides' history lines and staff search all carry the marker
    shown = call_api(
        payments_app,
        "GET",
        "/transfers/{transfer_id}",
        path_params={"transfer_id": payment["payment_id"]},
        principal=helpers.staff,
    )
    assert shown.json["reversed_by"] == rev_id
    for customer in (alice, bob):
        lines = history(call_api, payments_app, customer.account, customer.principal).json["items"]
        marks = {line["payment_id"]: line["reversed_by"] for line in lines}
        assert marks[payment["payment_id"]] == rev_id
        assert marks[rev_id] is None
        assert marks[f"bonus:{customer.user_id}"] is None
    stored = [e for e in Entry.scan() if e.payment_id == payment["payment_id"]]
    assert sorted(e.account for e in stored) == sorted([alice.account, bob.account])
    assert {e.reversed_by for e in stored} == {rev_id}
    by_account = call_api(
        payments_app, "GET", "/staff/transfers", query={"account": bob.account}, principal=helpers.staff
    ).json["items"]
    assert {i["payment_id"]: i["reversed_by"] for i in by_account}[payment["payment_id"]] == rev_id
    by_day = call_api(
        payments_app,
        "GET",
        "/staff/transfers",
        query={"date": payment["created_at"][:10]},
        principal=helpers.staff,
    ).json["items"]
    day_marks = {i["payment_id"]: i["reversed_by"] for i in by_day}
    assert (day_marks[payment["payment_id"]], day_marks[rev_id]) == (rev_id, None)


def test_a_second_reversal_is_refused_and_writes_nothing(
    call_api: CallApi,
    payments_app: Any,
    open_account: Any,
    helpers: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from payments.store import repository
    from payments.store.models import Payment

    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=9_000, key="o1")
    stale = repository.payment(payment["payment_id"])  # as read before the first reversal commits
    assert "result" in reverse_payment(payment["payment_id"])
    before = everything()
    # A second request is refused
    again = reverse_payment(payment["payment_id"])
    assert again["error"]["code"] == "already_reversed"
    # So is a racing one that read the original before the first committed: the transaction refuses it
    monkeypatch.setattr(repository, "payment", lambda payment_id: stale)
    raced = reverse_payment(payment["payment_id"])
    assert raced["error"]["code"] == "already_reversed"
    assert everything() == before
    assert Payment.get(payment["payment_id"]).reversed_by == f"rev_{payment['payment_id']}"


def test_the_marker_alone_guards_against_a_second_reversal(
    call_api: CallApi,
    payments_app: Any,
    open_account: Any,
    helpers: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from payments.store import repository
    from payments.store.models import Payment

    # Given a payment already marked reversed (by some other id), read before the mark was set
    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=9_000, key="g1")
    stale = repository.payment(payment["payment_id"])
    Payment.get(payment["payment_id"]).update(actions=[Payment.reversed_by.set("rev_elsewhere")])
    monkeypatch.setattr(repository, "payment", lambda payment_id: stale)
    before = everything()
    # When staff reverse it: the original's condition fails, and the reversal is not written either
    response = reverse_payment(payment["payment_id"])
    assert response["error"]["code"] == "already_reversed"
    assert everything() == before
    assert f"rev_{payment['payment_id']}" not in {item.payment_id for item in Payment.scan()}


def test_the_marker_commits_only_with_the_reversal(
    call_api: CallApi, payments_app: Any, open_account: Any, helpers: Any
) -> None:
    from payments.store.models import Entry, Payment

    # Given Bob spent what Alice sent him, so the reversal cannot commit
    alice, bob, carol = open_account(), open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=50_000, key="c1")
    send(call_api, payments_app, bob, carol.account, amount=150_000, key="c2")
    before = everything()
    failed = reverse_payment(payment["payment_id"])
    assert failed["error"]["code"] == "insufficient_funds"
    # Then nothing was written: the original and its lines stay unmarked
    assert everything() == before
    assert Payment.get(payment["payment_id"]).reversed_by is None
    assert {e.reversed_by for e in Entry.scan() if e.payment_id == payment["payment_id"]} == {None}
    # And once Bob has the money again, the reversal and the marker commit together
    send(call_api, payments_app, carol, bob.account, amount=150_000, key="c3")
    done = reverse_payment(payment["payment_id"])
    assert "result" in done, done
    assert Payment.get(payment["payment_id"]).reversed_by == done["result"]["payment_id"]


def test_check_reversal_answers_whether_a_payment_may_be_reversed_and_writes_nothing(
    call_api: CallApi, payments_app: Any, open_account: Any, env: Any
) -> None:
    # Given a transfer, a declined one, and the customers' bonuses
    env(MAX_SINGLE_AMOUNT="20000")
    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=9_000, key="k1")
    declined = call_api(
        payments_app,
        "POST",
        "/transfers",
        body={"from_account": alice.account, "to_account": bob.account, "amount": 20_001, "pin": alice.pin},
        headers={"Idempotency-Key": "k2"},
        principal=alice.principal,
    ).json["payment_id"]
    before = everything()
    # When accounts checks them before a reversal is proposed
    ok = internal_call("check_reversal", payment_id=payment["payment_id"])
    codes = {
        name: internal_call("check_reversal", payment_id=pid)["error"]["code"]
        for name, pid in {
            "declined": declined,
            "bonus": f"bonus:{alice.user_id}",
            "opening": "opening",
            "missing": "pay_missing",
        }.items()
    }
    # Then the transfer may be, with its details, and the others are refused with their codes
    assert ok["result"] == payment
    assert codes == {
        "declined": "not_reversible",
        "bonus": "not_reversible",
        "opening": "not_reversible",
        "missing": "transfer_not_found",
    }
    assert everything() == before
    # Once reversed, the original and the reversal itself are refused
    reversal = reverse_payment(payment["payment_id"])["result"]
    assert internal_call("check_reversal", payment_id=payment["payment_id"])["error"]["code"] == (
        "already_reversed"
    )
    assert internal_call("check_reversal", payment_id=reversal["payment_id"])["error"]["code"] == (
        "not_reversible"
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"reason": "x"},
        {"reason": "", "initiated_by": "s"},
        {"initiated_by": "s"},
        {"reason": "x", "initiated_by": ""},
    ],
    ids=["no-initiator", "empty-reason", "no-reason", "empty-initiator"],
)
def test_a_reversal_names_its_reason_and_who_initiated_it(
    call_api: CallApi, payments_app: Any, open_account: Any, payload: dict[str, str]
) -> None:
    alice, bob = open_account(), open_account()
    payment = send(call_api, payments_app, alice, bob.account, amount=9_000, key="v1")
    before = everything()
    refused = internal_call("reverse", payment_id=payment["payment_id"], **payload)
    assert refused["error"]["code"] == "validation_failed"
    assert everything() == before
