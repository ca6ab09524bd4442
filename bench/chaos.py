"""`make chaos`: 16 clients move money while the local cloud fails under them; then no money may be lost.

For each seed (default 1 2 3) a fresh LocalStack with the bank is started, customers with accounts and
cards are created, and 16 clients run a seeded random mix of transfers, card holds with captures and
voids, staff reversals, loan disbursements (apply + approve) and repayments. Every request that fails
(5xx, 429, a dropped connection, a timeout) is retried with the same Idempotency-Key. Meanwhile faults
are injected through the local cloud (infra/localcloud/localcloud/faults.py and process signals):

- SNS Publish failing for a while          - DynamoDB throttling on TransactWriteItems
- the ledger consumer SIGKILLed mid-batch  - a function timeout (latency beyond PaymentsFunction's timeout)
- LocalStack stopped and restarted on the same state (skipped with --no-restart)

After recovery it checks every invariant (see `check_invariants`) and prints the seed, so a failure can
be replayed with `python -m bench.chaos <seed>`.

    python -m bench.chaos [SEED ...] [--duration 60] [--clients 16] [--no-restart]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.common import (
    CARD_PIN,
    PIN,
    BankCloud,
    Customer,
    Faults,
    new_customer,
    new_staff,
    process_tree,
    say,
    start_bank,
)
from tools.api import Api

# The ledger queue's visibility is 6 x its consumer's timeout, as on AWS (tests/unit/test_template_rules.py).
# 5 s, not the tests' 1 s: under 16 clients a batch of 10 postings may take over a second, and a batch the
# consumer is killed in comes back after 30 s, well inside the settle time.
CHAOS_PARAMETERS = {"LedgerConsumerTimeout": "5", "LedgerQueueVisibilityTimeout": "30"}
RETRYABLE = {429, 500, 502, 503, 504}
PAYMENTS_TIMEOUT_S = 15  # PaymentsFunction's Timeout in the template
LOAN_MONTHS = (1, 3, 6, 12, 24)  # the terms the product offers


# ---------------------------------------------------------------- the world the clients share


@dataclass
class Card:
    owner: Customer
    account: str
    details: dict[str, Any]


@dataclass
class World:
    bank: BankCloud
    customers: list[Customer]
    cards: list[Card]
    admin_token: str
    staff_token: str  # proposes reversals (four eyes) ...
    approver_token: str = ""  # ... and this other staff member approves them
    lock: threading.Lock = field(default_factory=threading.Lock)
    transfers: list[str] = field(default_factory=list)  # completed transfer ids (reversal candidates)
    loans: dict[str, str] = field(default_factory=dict)  # username -> active loan id
    outcomes: Counter[str] = field(default_factory=Counter)
    # Idempotency-Key -> every payment/hold id a 2xx answer for that key returned (must be one).
    answers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    paused: threading.Event = field(default_factory=threading.Event)  # set while LocalStack restarts
    # The plugin's hits, saved before a restart wipes its memory.
    injected_before_restart: list[dict[str, Any]] = field(default_factory=list)


# Answers that mean "the same thing is still being worked on" (a key in flight; a PIN's or card's tries
# all held by checks still running): try again, as a client of the bank should.
BUSY = frozenset({"pin_busy", "card_busy"})


def send(world: World, api: Api, method: str, path: str, *, key: str | None = None, **kwargs: Any) -> Any:
    """One logical operation: retried with the same key until it has a definite (non-retryable) answer."""
    headers = {"X-Correlation-Id": key} if key else {}
    if key:
        headers["Idempotency-Key"] = key
    for attempt in range(40):
        while world.paused.is_set():
            time.sleep(0.2)
        try:
            response = api.request(method, path, headers=headers, timeout=PAYMENTS_TIMEOUT_S + 10, **kwargs)
        except requests.RequestException:
            world.outcomes["retry:connection"] += 1
            time.sleep(min(2.0, 0.2 * (attempt + 1)))
            continue
        if response.status_code in RETRYABLE or (response.status_code == 409 and _code(response) in BUSY):
            world.outcomes[f"retry:{response.status_code}"] += 1
            time.sleep(min(2.0, 0.2 * (attempt + 1)))
            continue
        return response
    world.outcomes["gave_up"] += 1
    return None


def _code(response: Any) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


def remember(world: World, key: str, response: Any, id_field: str) -> str | None:
    if response is None or response.status_code >= 300:
        world.outcomes[f"refused:{_code(response) if response is not None else 'none'}"] += 1
        return None
    value = str(response.json().get(id_field, ""))
    with world.lock:
        world.answers[key].add(value)
    return value


# ---------------------------------------------------------------- the operations


def op_transfer(world: World, rng: random.Random, me: Customer, api: Api) -> None:
    source = rng.choice(me.accounts)
    target = rng.choice([a for c in world.customers for a in c.accounts if a != source])
    key = f"tr-{rng.getrandbits(64):016x}"
    body = {"from_account": source, "to_account": target, "amount": rng.randint(5_000, 15_000), "pin": PIN}
    response = send(world, api, "POST", "/transfers", key=key, token=me.token, json=body)
    if payment := remember(world, key, response, "payment_id"):
        world.outcomes["transfer"] += 1
        with world.lock:
            world.transfers.append(payment)


def probe_transfer(world: World, rng: random.Random, description: str) -> None:
    """One transfer sent by the fault plan itself (so a fault can target exactly it), counted like any."""
    me = rng.choice(world.customers)
    source = me.accounts[0]
    target = next(a for c in world.customers for a in c.accounts if a != source)
    key = f"probe-{rng.getrandbits(64):016x}"
    body = {
        "from_account": source,
        "to_account": target,
        "amount": 5_000,
        "pin": PIN,
        "description": description,
    }
    api = world.bank.api(timeout=PAYMENTS_TIMEOUT_S + 10)
    if payment := remember(
        world, key, send(world, api, "POST", "/transfers", key=key, token=me.token, json=body), "payment_id"
    ):
        world.outcomes["transfer"] += 1
        with world.lock:
            world.transfers.append(payment)


def op_card(world: World, rng: random.Random, me: Customer, api: Api) -> None:
    """I (a merchant) ask for a payment, a stranger confirms it with their card on the bank's side, then
    I capture part, all, or void."""
    card = rng.choice([c for c in world.cards if c.owner is not me])
    amount = rng.randint(5_000, 20_000)
    key = f"ca-{rng.getrandbits(64):016x}"
    body = {"merchant_account": me.accounts[0], "amount": amount, "description": "chaos shop"}
    requested = send(world, api, "POST", "/payment-requests", key=key, token=me.token, json=body)
    request_id = remember(world, key, requested, "payment_request_id")
    if not request_id:
        return
    details = {
        "payment_request_id": request_id,
        "pan": card.details["pan"],
        "expiry_month": card.details["expiry_month"],
        "expiry_year": card.details["expiry_year"],
        "cvv": card.details["cvv"],
        "pin": CARD_PIN,
    }
    # The request is the confirmation's idempotency key: a retry answers the same hold.
    response = send(world, api, "POST", "/card-authorizations", token=card.owner.token, json=details)
    hold = remember(world, request_id, response, "authorization_id")
    if not hold:
        return
    world.outcomes["hold"] += 1
    choice = rng.random()
    if choice < 0.3:
        done = send(world, api, "POST", f"/card-authorizations/{hold}/void", token=me.token)
        world.outcomes["void" if done is not None and done.status_code == 200 else "void:refused"] += 1
    else:
        capture = {"amount": rng.randint(1, amount)} if choice < 0.6 else {}
        done = send(world, api, "POST", f"/card-authorizations/{hold}/capture", token=me.token, json=capture)
        world.outcomes["capture" if done is not None and done.status_code == 200 else "capture:refused"] += 1


def op_reversal(world: World, rng: random.Random, me: Customer, api: Api) -> None:
    with world.lock:
        if not world.transfers:
            return
        payment = world.transfers.pop(rng.randrange(len(world.transfers)))
    proposed = send(
        world, api, "POST", f"/staff/transfers/{payment}/reversal", token=world.staff_token,
        json={"reason": "chaos reversal"},
    )  # fmt: skip
    response = proposed
    if proposed is not None and proposed.status_code == 202:  # four eyes: another staff member approves
        path = f"/staff/proposals/{proposed.json()['proposal_id']}/approve"
        response = send(world, api, "POST", path, token=world.approver_token)
    ok = response is not None and response.status_code in (200, 201)
    world.outcomes[
        "reversal" if ok else f"reversal:{_code(response) if response is not None else 'none'}"
    ] += 1


def op_loan(world: World, rng: random.Random, me: Customer, api: Api) -> None:
    """Apply and have staff approve (the disbursement), or repay part of my active loan."""
    loan = world.loans.get(me.username)
    if loan is None:
        body = {
            "account_number": me.accounts[0],
            "amount": rng.randint(50_000, 200_000),
            "months": rng.choice(LOAN_MONTHS),
        }
        applied = send(world, api, "POST", "/loans", token=me.token, json=body)
        if applied is None or applied.status_code != 201:
            world.outcomes[f"loan:{_code(applied) if applied is not None else 'none'}"] += 1
            return
        loan_id = str(applied.json()["loan_id"])
        decided = send(
            world, api, "POST", f"/staff/loans/{loan_id}/decision", token=world.admin_token,
            json={"decision": "approve", "reason": "chaos"},
        )  # fmt: skip
        if decided is not None and decided.status_code == 200:
            world.loans[me.username] = loan_id
            world.outcomes["loan_disbursed"] += 1
        return
    key = f"rp-{rng.getrandbits(64):016x}"
    body = {"account_number": me.accounts[0], "amount": rng.randint(5_000, 30_000)}
    response = send(world, api, "POST", f"/loans/{loan}/repayments", key=key, token=me.token, json=body)
    if response is not None and response.status_code in (200, 201):
        world.outcomes["repayment"] += 1
        if response.json().get("loan", {}).get("status") == "paid_off":
            world.loans.pop(me.username, None)
    else:
        world.outcomes[f"repayment:{_code(response) if response is not None else 'none'}"] += 1


OPERATIONS = [(op_transfer, 0.45), (op_card, 0.25), (op_reversal, 0.1), (op_loan, 0.2)]


def client(world: World, index: int, seed: int, stop: threading.Event) -> None:
    rng = random.Random(seed * 1_000 + index)
    me = world.customers[index % len(world.customers)]
    api = world.bank.api(timeout=PAYMENTS_TIMEOUT_S + 10)
    operations, weights = zip(*OPERATIONS, strict=True)
    while not stop.is_set():
        operation = rng.choices(operations, weights)[0]
        try:
            operation(world, rng, me, api)
        except (requests.RequestException, ValueError, KeyError) as error:  # a garbled answer: count it
            world.outcomes[f"client_error:{type(error).__name__}"] += 1
        time.sleep(rng.uniform(0.05, 0.3))


# ---------------------------------------------------------------- the faults


def consumer_pids(world: World) -> list[int]:
    """The ledger consumer's runtime processes: bootstrap.py children whose env names that function."""
    name = world.bank.functions()["LedgerConsumerFunction"]
    root = world.bank.cloud.pid()
    found = []
    for pid in process_tree(root) if root else []:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"bootstrap.py" not in cmdline.read():
                    continue
            with open(f"/proc/{pid}/environ", "rb") as environ:
                if f"AWS_LAMBDA_FUNCTION_NAME={name}".encode() in environ.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


def kill_consumer_mid_batch(world: World, faults: Faults) -> str:
    """Slow the consumer's ledger writes, so a batch is certainly in flight, then SIGKILL its runtime."""
    table = world.bank.physical_id("LedgerEntriesTable")
    rule = faults.add(service="dynamodb", resource=table, latency_ms=1500, count=6, source="external")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        hits = next((r["hits"] for r in faults.state()["rules"] if r["id"] == rule["id"]), 0)
        if hits:
            break
        time.sleep(0.1)
    pids = consumer_pids(world)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    faults.remove(rule["id"])
    return f"ledger consumer killed mid-batch (pids {pids})"


def fault_plan(
    world: World, faults: Faults, seed: int, restart: bool, duration: float
) -> list[tuple[float, Any]]:
    rng = random.Random(seed)

    def sns_outage() -> str:
        seconds = rng.uniform(5, 10)
        for operation in ("Publish", "PublishBatch"):  # identity publishes one, the outbox in batches
            faults.add(
                service="sns", operation=operation, error="InternalError", status=500, duration_s=seconds
            )
        return f"SNS Publish and PublishBatch failing for {seconds:.1f}s"

    def throttling() -> str:
        faults.add(
            service="dynamodb", operation="TransactWriteItems", error="ProvisionedThroughputExceededException",
            probability=0.5, seed=seed, duration_s=8, source="external",
        )  # fmt: skip
        return "DynamoDB throttling TransactWriteItems (p=0.5) for 8s"

    def timeout() -> str:
        # A probe transfer's money transaction waits longer than PaymentsFunction may run: the function
        # times out mid-request, the client gets a 5xx and retries with the same key; the write lands late.
        # The rule matches only the probe (by its description), so no other client's transfer takes the
        # delays; it delays two calls because boto3 gives up on the first after its 10 s read timeout
        # and retries, and only the second outlives the function.
        marker = f"chaos-timeout-probe-{seed}"
        faults.add(
            service="dynamodb", operation="TransactWriteItems", resource=marker,
            latency_ms=(PAYMENTS_TIMEOUT_S + 2) * 1000, count=2, source="external",
        )  # fmt: skip
        probe_transfer(world, rng, marker)
        return f"a PaymentsFunction timeout (probe transfer's TransactWriteItems delayed {PAYMENTS_TIMEOUT_S + 2}s)"

    def restart_localstack() -> str:
        world.paused.set()
        started = time.monotonic()
        world.injected_before_restart.extend(faults.state().get("injected", []))
        try:
            world.bank.cloud.stop()
            world.bank.cloud.start()
        finally:
            world.paused.clear()
        return f"LocalStack stopped and restarted on its state in {time.monotonic() - started:.1f}s"

    span = duration - 10
    plan: list[tuple[float, Any]] = [
        (span * 0.05, sns_outage),
        (span * 0.2, throttling),
        (span * 0.35, lambda: kill_consumer_mid_batch(world, faults)),
        (span * 0.5, timeout),
    ]
    if restart:
        plan.append((span * 0.75, restart_localstack))
    return plan


# ---------------------------------------------------------------- invariants


def scan(bank: BankCloud, logical_id: str) -> list[dict[str, Any]]:
    ddb, table = bank.client("dynamodb"), bank.physical_id(logical_id)
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _n(item: dict[str, Any], name: str) -> int:
    return int(item[name]["N"]) if name in item else 0


def _s(item: dict[str, Any], name: str) -> str:
    return str(item[name]["S"]) if name in item else ""


def settle(world: World, timeout: float = 120) -> dict[str, Any]:
    """Wait until the ledger has caught up (reconciliation matches), redriving the DLQ if it holds anything."""
    api, token = world.bank.api(), world.admin_token
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        dlq = api.get("/staff/dlq", token=token)
        if dlq.status_code == 200 and dlq.json().get("approximate_messages"):
            api.post("/staff/dlq/redrive", token=token, json={})
            world.outcomes["dlq_redriven"] += 1
        response = api.get("/staff/ledger/reconciliation", token=token)
        if response.status_code == 200:
            last = response.json()
            if last.get("matched"):
                return last
        time.sleep(2)
    return last


def check_invariants(world: World) -> dict[str, tuple[bool, str]]:
    bank, api, token = world.bank, world.bank.api(), world.admin_token
    results: dict[str, tuple[bool, str]] = {}

    positions = scan(bank, "PaymentsPositionsTable")
    total = sum(_n(p, "ledger_balance") for p in positions)
    customers = sum(_n(p, "ledger_balance") for p in positions if _s(p, "kind") == "customer")
    bank_side = sum(_n(p, "ledger_balance") for p in positions if _s(p, "kind") != "customer")
    results["money conserved (sum of all positions = 0; customers = -bank)"] = (
        total == 0 and customers == -bank_side,
        f"sum {total}, customers {customers}, bank {bank_side}",
    )
    negative = [
        _s(p, "account") for p in positions
        if _s(p, "kind") == "customer" and (_n(p, "available") < 0 or _n(p, "ledger_balance") < 0)
    ]  # fmt: skip
    results["no negative available balance"] = (not negative, f"negative: {negative[:5]}")

    trial = api.get("/staff/ledger/trial-balance", token=token)
    trial_body = trial.json() if trial.status_code == 200 else {}
    results["ledger debits = credits (trial balance)"] = (
        bool(trial_body.get("balanced")) and trial_body.get("difference") == 0,
        f"{trial.status_code} debits {trial_body.get('total_debits')} credits {trial_body.get('total_credits')}",
    )
    reconciliation = api.get("/staff/ledger/reconciliation", token=token)
    recon_body = reconciliation.json() if reconciliation.status_code == 200 else {}
    results["every ledger balance = payments balance"] = (
        bool(recon_body.get("matched")),
        f"{reconciliation.status_code} differences {recon_body.get('differences', [])[:3]}",
    )

    payments = scan(bank, "PaymentsPaymentsTable")
    completed = {
        _s(p, "payment_id"): len(__import__("json").loads(_s(p, "legs") or "[]"))
        for p in payments if _s(p, "status") == "completed"
    }  # fmt: skip
    entries = scan(bank, "LedgerEntriesTable")
    posted = Counter(_s(e, "payment_id") for e in entries)
    wrong = [pid for pid, legs in completed.items() if posted.get(pid, 0) != 2 * legs]
    extra = [pid for pid in posted if pid not in completed]
    transfers = [p for p in payments if _s(p, "status") == "completed" and _s(p, "kind") == "transfer"]
    results["every completed movement in the ledger exactly once"] = (
        not wrong and not extra,
        f"{len(completed)} movements ({len(transfers)} transfers); wrong entry counts {wrong[:3]}; unknown {extra[:3]}",
    )

    verify_ok, checked, cursor, pages = True, 0, None, 0
    while pages < 100:
        response = api.get("/staff/ledger/verify", token=token, params={"cursor": cursor} if cursor else None)
        if response.status_code != 200:
            verify_ok = False
            break
        body = response.json()
        verify_ok &= bool(body["ok"])
        checked += int(body["entries_checked"])
        cursor, pages = body.get("next_cursor"), pages + 1
        if not cursor:
            break
    results["hash chains verify"] = (verify_ok, f"{checked} entries checked")

    twice = {key: ids for key, ids in world.answers.items() if len(ids) > 1}
    by_correlation = Counter(
        _s(p, "correlation_id") for p in payments
        if _s(p, "status") == "completed" and _s(p, "correlation_id")[:3] in ("tr-", "rp-")
    )  # fmt: skip
    executed_twice = [key for key, count in by_correlation.items() if count > 1]
    results["no idempotency key executed twice"] = (
        not twice and not executed_twice,
        f"{len(world.answers)} keys; different answers {list(twice)[:3]}; two movements {executed_twice[:3]}",
    )
    return results


# ---------------------------------------------------------------- the run


def prepare(bank: BankCloud, customers: int) -> World:
    api = bank.api()
    made: list[Customer] = []
    cards: list[Card] = []
    for index in range(customers):
        customer = new_customer(api, accounts=2, prefix="chaos")
        made.append(customer)
        issued = api.post(
            f"/accounts/{customer.accounts[1]}/cards", token=customer.token, json={"pin": CARD_PIN}
        )
        if issued.status_code != 201:
            raise RuntimeError(f"card issue failed: {issued.status_code} {issued.text}")
        cards.append(Card(customer, customer.accounts[1], issued.json()))
        print(f"\r  customers {index + 1}/{customers}", end="", flush=True)
    print(flush=True)
    return World(
        bank=bank,
        customers=made,
        cards=cards,
        admin_token=bank.admin_token,
        staff_token=new_staff(bank),
        approver_token=new_staff(bank),
    )


def run_chaos(
    bank: BankCloud,
    seed: int,
    *,
    clients: int = 16,
    duration: float = 60,
    restart: bool = True,
    customers: int = 8,
) -> tuple[bool, dict[str, Any]]:
    """One seeded chaos run on `bank`; returns (all invariants hold, report)."""
    say(f"chaos seed {seed}: {clients} clients for {duration:.0f}s, restart={'yes' if restart else 'no'}")
    world = prepare(bank, customers)
    faults = Faults(bank.cloud)
    faults.clear()
    stop = threading.Event()
    threads = [
        threading.Thread(target=client, args=(world, i, seed, stop), daemon=True) for i in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    injected: list[str] = []
    for at, inject in fault_plan(world, faults, seed, restart, duration):
        while time.monotonic() - started < at:
            time.sleep(0.2)
        try:
            what = inject()
        except Exception as error:  # a fault that could not be injected is a failed run, said plainly
            what = f"FAILED to inject {getattr(inject, '__name__', 'fault')}: {error}"
        injected.append(what)
        say(f"  t={time.monotonic() - started:5.1f}s  fault: {what}")
    while time.monotonic() - started < duration:
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    stats = faults.state() if bank.cloud.healthy() else {}
    plugin_hits = world.injected_before_restart + list(stats.get("injected", []))
    hits = Counter(
        f"{i['service']}:{i['operation']}:{i['error'] or str(i['latency_ms']) + 'ms'}" for i in plugin_hits
    )
    say(f"  plugin injected {len(plugin_hits)} faults: {dict(hits)}")
    faults.clear()
    say(f"  load done: {dict(sorted(world.outcomes.items()))}")
    say("  settling (ledger catching up) ...")
    settle(world)
    results = check_invariants(world)
    ok = all(passed for passed, _ in results.values()) and not any(i.startswith("FAILED") for i in injected)
    for name, (passed, detail) in results.items():
        say(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}")
    say(f"chaos seed {seed}: {'all invariants hold' if ok else 'INVARIANT BROKEN'} "
        f"(replay: python -m bench.chaos {seed})")  # fmt: skip
    report = {
        "seed": seed,
        "faults": injected,
        "faults_injected_by_plugin": len(plugin_hits),
        "plugin_hits": dict(hits),
        "client_retries": sum(n for name, n in world.outcomes.items() if name.startswith("retry:")),
        "outcomes": dict(world.outcomes),
        "invariants": {name: {"ok": passed, "detail": detail} for name, (passed, detail) in results.items()},
    }
    return ok, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.chaos")
    parser.add_argument("seeds", nargs="*", type=int, default=[1, 2, 3])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--customers", type=int, default=8)
    parser.add_argument("--no-restart", action="store_true")
    args = parser.parse_args(argv)
    failed: list[int] = []
    for seed in args.seeds:
        say(f"- starting a fresh LocalStack with the bank for seed {seed} ...")
        bank, _ = start_bank(parameters=CHAOS_PARAMETERS)
        try:
            # The velocity rule would decline most of a 16-client mix on 16 accounts; declines are not chaos.
            bank.set_function_env(
                "PaymentsFunction", VELOCITY_PER_MINUTE="1000000", CUSTOMER_VELOCITY_PER_MINUTE="1000000"
            )
            ok, _report = run_chaos(
                bank,
                seed,
                clients=args.clients,
                duration=args.duration,
                restart=not args.no_restart,
                customers=args.customers,
            )
        finally:
            bank.cloud.stop()
            shutil.rmtree(bank.cloud.state_dir, ignore_errors=True)
        if not ok:
            failed.append(seed)
    say(f"\nchaos: seeds {args.seeds}: " + (f"FAILED {failed}" if failed else "all invariants hold"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
