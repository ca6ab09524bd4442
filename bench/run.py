"""`make bench`: the bank's speed measured against the local cloud's own ceiling, in one run.

Starts its own LocalStack (free port, fresh state), deploys the bank, seeds customers, and measures:
the gateway ceiling with an echo function, transfers at 1/4/8/16 clients, ledger lag, cost against
history (1,000 vs 100,000 entries), cold starts, `make up` time and peak memory. Prints a table with the
targets marked, writes bench/results/latest.json and bench/results/latest.png.

    python -m bench.run [--duration 10] [--clients 1,4,8,16] [--history 100000] [--env KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import platform
import re
import secrets
import shutil
import threading
import time
import urllib.request
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    PIN,
    BankCloud,
    Customer,
    MemorySampler,
    cpu_seconds,
    new_customer,
    say,
    start_bank,
    summary_ms,
    timed,
    tree_rss,
    wait_updated,
)
from bench.dynamo import dynamodb_costs
from tools.api import Api
from tools.cloud import REGION, ROOT

RESULTS = ROOT / "bench" / "results"
ECHO_SOURCE = ROOT / "functions" / "bench_echo.py"
GIB = 1024**3
MIN_TRANSFER = 5_000  # kobo; the payments minimum
# Issue #16's targets, every ratio taken within one run.
TARGETS = {
    "transfer_vs_echo_ratio": 0.6,
    "transfer_p99_vs_echo_p99": 2.5,
    "transfer_cpu_vs_echo_cpu": 1.7,
    "dynamodb_requests_per_transfer": 1.0,
    "put_item_ms": 1.8,
    "transact_4_items_ms": 4.3,
    "ledger_lag_p99_ms": 500.0,
    "backlog_drain_s": 2.0,
    "history_ratio": 1.2,
    "init_ms": 250.0,
    "peak_memory_gib": 1.2,
}

# ---------------------------------------------------------------- load

WARM_UP_BASE_S = 2.0
WARM_UP_PER_CLIENT_S = 0.4


def run_load(
    label: str,
    clients: int,
    duration: float,
    call: Callable[[int, Api], bool],
    apis: list[Api],
    *,
    cloud_pid: int,
    requests: Callable[[], Counter[str]] | None = None,
) -> dict[str, Any]:
    """`clients` threads call `call(index, api)` in a loop for `duration` seconds (after a short warm-up).

    Also LocalStack's CPU time per request in the window: LocalStack's one process is the bank's ceiling
    here (docs/performance.md), so this says what a request costs it, asynchronous work included.
    """
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = threading.Event()
    measuring = threading.Event()

    def worker(index: int) -> None:
        api = apis[index]
        while not stop.is_set():
            # Only requests started inside the window count: one that began in the warm-up waited on a
            # cold start, and cold starts are measured (and reported) on their own.
            counted = measuring.is_set()
            started = time.perf_counter()
            try:
                ok = call(index, api)
            except Exception:  # a timeout or a dropped connection is an error of the run, not of the bench
                ok = False
            elapsed = time.perf_counter() - started
            if counted and not stop.is_set():
                latencies[index].append(elapsed)
                if not ok:
                    errors[index] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    # Warm-up: each new client needs its own environments (≈ 0.3 s of imports each on 2 cores).
    time.sleep(min(WARM_UP_BASE_S + WARM_UP_PER_CLIENT_S * clients, duration))
    measuring.set()
    counted_before = requests() if requests else Counter[str]()
    started, cpu_started = time.monotonic(), cpu_seconds(cloud_pid)
    while (elapsed := time.monotonic() - started) < duration:
        done = sum(len(x) for x in latencies)
        print(
            f"\r  {label:<10} x{clients:<2} {elapsed:4.1f}/{duration:.0f}s  {done:5d} requests",
            end="",
            flush=True,
        )
        time.sleep(0.5)
    stop.set()
    elapsed, cpu = time.monotonic() - started, cpu_seconds(cloud_pid) - cpu_started
    made = (requests() - counted_before) if requests else Counter[str]()
    for thread in threads:
        thread.join(timeout=35)
    flat = [x for per in latencies for x in per]
    result: dict[str, Any] = {
        "clients": clients,
        "requests": len(flat),
        "errors": sum(errors),
        "req_per_s": round(len(flat) / elapsed, 1),
        **summary_ms(flat),
        "localstack_cpu_ms": round(cpu * 1000 / len(flat), 1) if flat else 0.0,
    }
    if requests:
        result["aws_requests"] = dict(made)
    print(
        f"\r  {label:<10} x{clients:<2} {result['req_per_s']:6.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  errors {result['errors']}  LocalStack CPU {result['localstack_cpu_ms']} ms each",
        flush=True,
    )
    return result


def request_counter(cloud_url: str) -> Callable[[], Counter[str]]:
    """The local cloud's count of AWS requests so far (localcloud.requests), by operation and table."""

    def counts() -> Counter[str]:
        with urllib.request.urlopen(f"{cloud_url}/_localcloud/requests", timeout=10) as response:
            return Counter(json.load(response)["counts"])

    return counts


def dynamodb_per_transfer(result: dict[str, Any], ledger_tables: set[str]) -> dict[str, float]:
    """DynamoDB requests per successful transfer in a load window: on the request path (every table but
    the ledger's) and on the ledger's side (its share of the postings made meanwhile)."""
    done = max(result["requests"] - result["errors"], 1)
    request_path = ledger = 0
    for key, count in result.get("aws_requests", {}).items():
        operation, _, tables = key.partition(" ")
        if not operation.startswith("dynamodb."):
            continue
        if set(tables.split(",")) & ledger_tables:
            ledger += count
        else:
            request_path += count
    return {"request_path": round(request_path / done, 2), "ledger": round(ledger / done, 2)}


# ---------------------------------------------------------------- echo through the bank's gateway


def deploy_echo(bank: BankCloud) -> tuple[str, str]:
    """An echo Lambda behind GET /bench/echo on the bank's own REST API, with the bank's authorizer.

    Same gateway, same stage, same TOKEN authorizer (cached per token, as for every bank route) and the
    same AWS_PROXY integration; only the function differs. Returns the route's path and the function.
    """
    lam, apigw = bank.client("lambda"), bank.client("apigateway")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("bench_echo.py", ECHO_SOURCE.read_text())
    name = f"bench-echo-{uuid.uuid4().hex[:6]}"
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role="arn:aws:iam::000000000000:role/bench-echo",
        Handler="bench_echo.handler",
        Code={"ZipFile": archive.getvalue()},
        MemorySize=128,
        Timeout=10,
    )["FunctionArn"]
    wait_updated(lam, name)
    api_id, stage = bank.info.api_id, bank.info.stage
    resources = apigw.get_resources(restApiId=api_id, limit=500)["items"]
    root = next(r["id"] for r in resources if r["path"] == "/")
    parent = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="bench")["id"]
    echo = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart="echo")["id"]
    authorizer = apigw.get_authorizers(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="GET",
        authorizationType="CUSTOM",
        authorizerId=authorizer,
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    apigw.create_deployment(restApiId=api_id, stageName=stage, description="bench echo")
    return "/bench/echo", name


# ---------------------------------------------------------------- transfers


def transfer(api: Api, customer: Customer, source: str, target: str, amount: int = MIN_TRANSFER) -> Any:
    return api.post(
        "/transfers",
        token=customer.token,
        json={
            "from_account": source,
            "to_account": target,
            "amount": amount,
            "pin": PIN,
            "description": "bench",
        },
        headers={"Idempotency-Key": secrets.token_hex(12)},
    )


def transfer_caller(customers: list[Customer], committed: list[int]) -> Callable[[int, Api], bool]:
    """Each client moves the minimum back and forth between its own two accounts: no contention, no drain.

    `committed[0]` counts every 201 (warm-up included): the movements the ledger has to post.
    """
    flips = [0] * len(customers)

    def call(index: int, api: Api) -> bool:
        customer = customers[index]
        flips[index] ^= 1
        source, target = customer.accounts[flips[index]], customer.accounts[1 - flips[index]]
        ok: bool = transfer(api, customer, source, target).status_code == 201
        if ok:
            committed[0] += 1  # one GIL-held add per thread; a lost update would only blur the rate
        return ok

    return call


# ---------------------------------------------------------------- ledger lag


def ledger_lag(bank: BankCloud, customer: Customer, samples: int) -> dict[str, Any]:
    """Transfer committed (201 received) -> both ledger entries queryable by payment id."""
    ddb = bank.client("dynamodb")
    table = bank.physical_id("LedgerEntriesTable")
    api = bank.api()
    lags: list[float] = []
    missing = 0

    def posted(payment_id: str) -> bool:
        found = ddb.query(
            TableName=table,
            IndexName="by_payment",
            KeyConditionExpression="payment_id = :p",
            ExpressionAttributeValues={":p": {"S": payment_id}},
            Select="COUNT",
        )["Count"]
        return bool(found >= 2)

    # The load steps leave a backlog in the outbox and the queue; lag is measured once it has drained.
    marker = transfer(api, customer, customer.accounts[0], customer.accounts[1]).json()["payment_id"]
    started = time.perf_counter()
    while not posted(marker) and time.perf_counter() - started < 600:
        print(f"\r  draining the ledger backlog: {time.perf_counter() - started:5.1f}s", end="", flush=True)
        time.sleep(0.5)
    drain_s = round(time.perf_counter() - started, 1)
    print(f"\r  ledger backlog drained in {drain_s}s", flush=True)
    for index in range(samples):
        source, target = customer.accounts[index % 2], customer.accounts[1 - index % 2]
        response = transfer(api, customer, source, target)
        committed = time.perf_counter()
        if response.status_code != 201:
            missing += 1
            continue
        payment_id = response.json()["payment_id"]
        deadline = committed + 15
        while time.perf_counter() < deadline:
            if posted(payment_id):
                lags.append(time.perf_counter() - committed)
                break
            time.sleep(0.01)
        else:
            missing += 1
        print(f"\r  ledger lag {index + 1}/{samples}", end="", flush=True)
        time.sleep(0.25 + (index % 4) * 0.1)  # spread the samples over the pollers' cycles
    result = {**summary_ms(lags), "missing": missing, "backlog_drain_s": drain_s}
    print(
        f"\r  ledger lag: p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  missing {missing}", flush=True
    )
    return result


# ---------------------------------------------------------------- cost against history


def seed_history(bank: BankCloud, account: str, count: int) -> None:
    """`count` history lines for `account`, written straight into payments' entries and the ledger's journal.

    Dated over the last hours, so they fall in the default statement period (before the bench's transfers).
    """
    ddb = bank.client("dynamodb")
    entries_table = bank.physical_id("PaymentsEntriesTable")
    journal_table = bank.physical_id("LedgerEntriesTable")
    base = datetime.now(UTC) - timedelta(hours=6)

    def items(start: int, stop: int) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        for n in range(start, stop):
            at = (
                (base + timedelta(milliseconds=n * 100))
                .isoformat(timespec="microseconds")
                .replace("+00:00", "Z")
            )
            payment_id = f"seed-{account}-{n:07d}"
            direction = "credit" if n % 2 else "debit"
            out.append(
                (
                    entries_table,
                    {
                        "account": {"S": account},
                        "sort_key": {"S": f"{at}#{payment_id}"},
                        "payment_id": {"S": payment_id},
                        "kind": {"S": "transfer"},
                        "status": {"S": "completed"},
                        "direction": {"S": direction},
                        "amount": {"N": "5000"},
                        "counterparty": {"S": "0000000000"},
                        "description": {"S": "seeded history"},
                        "created_at": {"S": at},
                    },
                )
            )
            out.append(
                (
                    journal_table,
                    {
                        "account_id": {"S": account},
                        "position": {"S": f"{at}#{n + 1:012d}"},
                        "seq": {"N": str(n + 1)},
                        "entry_id": {"S": f"{payment_id}:0:{direction}"},
                        "event_id": {"S": f"evt-{payment_id}"},
                        "payment_id": {"S": payment_id},
                        "kind": {"S": "transfer"},
                        "side": {"S": "credit" if direction == "credit" else "debit"},
                        "amount": {"N": "5000"},
                        "balance": {"N": "100000" if n % 2 else "95000"},
                        "counter_account": {"S": "0000000000"},
                        "leg": {"N": "0"},
                        "description": {"S": "seeded history"},
                        "committed_at": {"S": at},
                        "posted_at": {"S": at},
                        "correlation_id": {"S": ""},
                        "prev_hash": {"S": "0" * 64},
                        "hash": {"S": "0" * 64},
                    },
                )
            )
        return out

    def write(start: int) -> None:
        batch = items(start, min(count, start + 12))  # 12 lines = 24 items, under BatchWriteItem's 25
        requests: dict[str, list[dict[str, Any]]] = {}
        for table, item in batch:
            requests.setdefault(table, []).append({"PutRequest": {"Item": item}})
        while requests:
            unprocessed = ddb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
            requests = unprocessed

    done = 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in pool.map(write, range(0, count, 12)):
            done += 12
            if done % 1200 == 0 or done >= count:
                print(f"\r  seeding {account}: {min(done, count):,}/{count:,}", end="", flush=True)
    print(flush=True)


def history_cost(bank: BankCloud, small: Customer, large: Customer, samples: int) -> dict[str, Any]:
    """Transfer and statement p50 for both accounts, the two accounts' samples interleaved so that both
    see the same machine (a burst of background work would otherwise land on one side of the ratio only).
    The statements are timed after the transfers' ledger postings have drained: fetched right behind
    a transfer, a statement shared LocalStack with that transfer's asynchronous posting."""
    api = bank.api()
    customers = {"small": small, "large": large}
    transfers: dict[str, list[float]] = {label: [] for label in customers}
    statements: dict[str, list[float]] = {label: [] for label in customers}
    for index in range(samples):
        for label, customer in customers.items():
            account, other = customer.accounts
            source, target = (account, other) if index % 2 == 0 else (other, account)
            elapsed, response = timed(functools.partial(transfer, api, customer, source, target))
            if response.status_code == 201:
                transfers[label].append(elapsed)
    time.sleep(2)
    for _ in range(samples):
        for label, customer in customers.items():
            path = f"/accounts/{customer.accounts[0]}/statement"
            elapsed, response = timed(functools.partial(api.get, path, token=customer.token))
            if response.status_code == 200:
                statements[label].append(elapsed)
    out: dict[str, Any] = {}
    for label in customers:
        out[label] = {"transfer": summary_ms(transfers[label]), "statement": summary_ms(statements[label])}
        print(
            f"  history {label}: transfer p50 {out[label]['transfer']['p50_ms']} ms  "
            f"statement p50 {out[label]['statement']['p50_ms']} ms",
            flush=True,
        )
    return out


# ---------------------------------------------------------------- cold starts


def api_event(path: str) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": uuid.uuid4().hex,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def cold_payload(logical_id: str, handler: str) -> dict[str, Any]:
    """A harmless first event per kind of handler: health for the HTTP apps, no-ops for the rest."""
    health = {
        "IdentityFunction": "/identity/health",
        "AccountsFunction": "/accounts/health",
        "PaymentsFunction": "/payments/health",
        "LedgerFunction": "/ledger/health",
    }
    if logical_id in health:
        return api_event(health[logical_id])
    if "authorizer" in handler:
        return {"type": "TOKEN", "authorizationToken": "Bearer bench", "methodArn": "arn:aws:execute-api:x"}
    if "internal" in handler:
        return {"action": "bench_noop", "payload": {}}
    if "bootstrap" in handler:
        return {}
    return {"Records": []}


def cold_starts(bank: BankCloud) -> dict[str, Any]:
    """Each function's first invoke in a brand-new environment: Init Duration (imports) and total wall time."""
    lam = bank.client("lambda")
    out: dict[str, Any] = {}
    for logical_id, name in sorted(bank.functions().items()):
        config = lam.get_function_configuration(FunctionName=name)
        if "Interest" in logical_id:
            continue  # its first run would pay a month's interest; its imports equal the accounts app's
        variables = {**config.get("Environment", {}).get("Variables", {}), "BENCH_COLD": uuid.uuid4().hex}
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": variables})
        wait_updated(lam, name)
        payload = json.dumps(cold_payload(logical_id, config["Handler"])).encode()
        elapsed, response = timed(
            functools.partial(lam.invoke, FunctionName=name, Payload=payload, LogType="Tail")
        )
        tail = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
        init = re.search(r"Init Duration: ([\d.]+) ms", tail)
        memory = re.search(r"Max Memory Used: (\d+) MB", tail)
        out[logical_id] = {
            "init_ms": float(init.group(1)) if init else None,
            "first_invoke_ms": round(elapsed * 1000, 1),
            "max_memory_mb": int(memory.group(1)) if memory else None,
        }
        print(f"  cold start {logical_id:<28} init {out[logical_id]['init_ms']} ms  first invoke "
              f"{out[logical_id]['first_invoke_ms']} ms", flush=True)  # fmt: skip
    return out


# ---------------------------------------------------------------- report


def mark(met: bool) -> str:
    return "met" if met else "NOT MET"


def evaluate(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, verdict) rows: every target of issue #16, each marked met or NOT MET."""
    rows: list[tuple[str, str, str, str]] = []
    echo = {r["clients"]: r for r in results["echo"]}
    xfer = {r["clients"]: r for r in results["transfers"]}
    for clients in sorted(echo):
        e, t = echo[clients], xfer.get(clients)
        rows.append(
            (
                f"echo x{clients}",
                f"{e['req_per_s']} req/s, p50 {e['p50_ms']}, p99 {e['p99_ms']} ms, "
                f"LocalStack CPU {e['localstack_cpu_ms']} ms each",
                "-",
                "",
            )
        )
        if t is None:
            continue
        ratio = t["req_per_s"] / e["req_per_s"] if e["req_per_s"] else 0.0
        p99_ratio = t["p99_ms"] / e["p99_ms"] if e["p99_ms"] else 0.0
        cpu_ratio = t["localstack_cpu_ms"] / e["localstack_cpu_ms"] if e["localstack_cpu_ms"] else 0.0
        rows.append(
            (
                f"transfers x{clients}",
                f"{t['req_per_s']} req/s, p50 {t['p50_ms']}, p99 {t['p99_ms']} ms, {t['errors']} errors, "
                f"LocalStack CPU {t['localstack_cpu_ms']} ms each",
                "0 errors",
                mark(t["errors"] == 0),
            )
        )
        target = TARGETS["transfer_vs_echo_ratio"]
        rows.append(
            (f"  throughput / echo x{clients}", f"{ratio:.2f}", f">= {target}", mark(ratio >= target))
        )
        target = TARGETS["transfer_p99_vs_echo_p99"]
        rows.append(
            (f"  p99 / echo p99 x{clients}", f"{p99_ratio:.2f}", f"<= {target}", mark(p99_ratio <= target))
        )
        target = TARGETS["transfer_cpu_vs_echo_cpu"]
        rows.append(
            (
                f"  LocalStack CPU / echo's x{clients}",
                f"{cpu_ratio:.2f}",
                f"<= {target}",
                mark(cpu_ratio <= target),
            )
        )
        per = t.get("dynamodb_per_transfer")
        if per:
            target = TARGETS["dynamodb_requests_per_transfer"]
            rows.append(
                (
                    f"  DynamoDB requests per transfer x{clients}",
                    f"{per['request_path']} on the request path (+ {per['ledger']} ledger share)",
                    f"<= {target:.0f}",
                    mark(per["request_path"] <= target),
                )
            )
    costs = results.get("dynamodb_costs")
    if costs:
        for figure, key in (("PutItem", "put_item_ms"), ("4-item TransactWriteItems", "transact_4_items_ms")):
            rows.append(
                (
                    f"LocalStack CPU per {figure}",
                    f"{costs[key]} ms",
                    f"<= {TARGETS[key]} ms",
                    mark(costs[key] <= TARGETS[key]),
                )
            )
        rows.append(("LocalStack CPU per GetItem", f"{costs['get_item_ms']} ms", "-", ""))
    lag = results["ledger_lag"]
    target = TARGETS["ledger_lag_p99_ms"]
    rows.append(("ledger lag", f"p50 {lag['p50_ms']}, p99 {lag['p99_ms']} ms", f"p99 < {target:.0f} ms",
                 mark(lag["p99_ms"] < target and lag["missing"] == 0)))  # fmt: skip
    drain = lag.get("backlog_drain_s") or 0.0
    target = TARGETS["backlog_drain_s"]
    rows.append(("ledger backlog after load", f"{lag.get('backlog_movements', 0)} transfers, all posted "
                 f"{drain:.1f} s after the load ended", f"<= {target:.0f} s", mark(drain <= target)))  # fmt: skip
    history = results.get("history")
    if history:
        for what in ("transfer", "statement"):
            small, large = history["small"][what]["p50_ms"], history["large"][what]["p50_ms"]
            ratio = large / small if small else 0.0
            rows.append(
                (f"{what} p50 {history['small_entries']:,} vs {history['large_entries']:,}",
                 f"{small} vs {large} ms (x{ratio:.2f})", "<= 1.2", mark(ratio <= TARGETS["history_ratio"]))
            )  # fmt: skip
    for logical_id, cold in results["cold_starts"].items():
        init = cold["init_ms"]
        rows.append(
            (f"cold {logical_id}", f"init {init} ms, first {cold['first_invoke_ms']} ms",
             f"init < {TARGETS['init_ms']:.0f} ms", mark(init is not None and init < TARGETS["init_ms"]))
        )  # fmt: skip
    up = results["up"]
    rows.append(("make up (warm venvs)", f"{up['total_s']:.1f} s (start {up['localstack_start_s']:.1f} + deploy "
                 f"{up['deploy_s']:.1f})", "-", ""))  # fmt: skip
    memory = results["memory"]
    rows.append(
        ("peak memory x16", f"{memory['peak_total_gib']:.2f} GiB (LocalStack {memory['localstack_mib']} MiB + "
         f"{memory['processes']} processes {memory['functions_mib']} MiB; PSS {memory['peak_pss_gib']:.2f} GiB)",
         f"<= {TARGETS['peak_memory_gib']} GiB",
         mark(memory["peak_total_gib"] <= TARGETS["peak_memory_gib"]))
    )  # fmt: skip
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    say("")
    for row in rows:
        say("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    echo, xfer = results["echo"], results["transfers"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot([r["clients"] for r in echo], [r["req_per_s"] for r in echo], "o-", label="echo (ceiling)")
    left.plot([r["clients"] for r in xfer], [r["req_per_s"] for r in xfer], "o-", label="transfers")
    left.set(xlabel="clients", ylabel="req/s", title="Throughput through API Gateway")
    left.legend()
    for series, name in ((echo, "echo"), (xfer, "transfers")):
        right.plot([r["clients"] for r in series], [r["p50_ms"] for r in series], "o--", label=f"{name} p50")
        right.plot([r["clients"] for r in series], [r["p99_ms"] for r in series], "o-", label=f"{name} p99")
    right.set(xlabel="clients", ylabel="ms", title="Latency", yscale="log")
    right.legend()
    fig.suptitle(f"Arhan Financial bench {results['when']}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - one linear script of steps
    parser = argparse.ArgumentParser(prog="bench.run")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per load level")
    parser.add_argument("--clients", default="1,4,8,16")
    parser.add_argument("--history", type=int, default=100_000, help="entries of the large-history account")
    parser.add_argument("--lag-samples", type=int, default=40)
    parser.add_argument(
        "--env", action="append", default=[], help="extra LocalStack env KEY=VALUE (experiments)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the cloud running at the end")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.clients.split(",")]
    extra_env = dict(item.split("=", 1) for item in args.env)
    started_all = time.monotonic()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "settings": {
            "duration_s": args.duration,
            "clients": levels,
            "history": args.history,
            "extra_env": extra_env,
        },
        "targets": TARGETS,
    }

    say("[1/9] starting a fresh LocalStack and deploying the bank ...")
    bank, up = start_bank(extra_env=extra_env or None)
    results["up"] = {**{k: round(v, 2) for k, v in up.items()}, "total_s": round(sum(up.values()), 2)}
    say(f"  up in {results['up']['total_s']:.1f}s at {bank.cloud.url}")
    try:
        root_pid = bank.cloud.pid()
        assert root_pid is not None
        say("[2/9] bench settings: velocity limit lifted on PaymentsFunction; echo route deployed ...")
        # The fraud velocity rule (10 payments a minute per account, 20 per customer) would refuse a load test by design.
        bank.set_function_env(
            "PaymentsFunction", VELOCITY_PER_MINUTE="1000000", CUSTOMER_VELOCITY_PER_MINUTE="1000000"
        )
        echo_path, echo_function = deploy_echo(bank)

        say(f"[3/9] seeding {max(levels)} customers with two accounts each ...")
        api = bank.api()
        customers: list[Customer] = []
        for index in range(max(levels) + 3):
            customers.append(new_customer(api, accounts=2))
            print(f"\r  customers {index + 1}/{max(levels) + 3}", end="", flush=True)
        print(flush=True)
        check = api.get(echo_path, token=customers[0].token)
        if check.status_code != 200:
            raise RuntimeError(f"echo route answers {check.status_code}: {check.text}")

        say("[4/9] cold starts (a new environment per function) ...")
        results["cold_starts"] = cold_starts(bank)

        say("[5/9] what one DynamoDB call costs the local cloud (boto3 straight at it) ...")
        results["dynamodb_costs"] = dynamodb_costs(bank.cloud, root_pid)
        say(f"  {results['dynamodb_costs']}")

        say("[6/9] ceiling: echo through the gateway ...")
        apis = [bank.api() for _ in range(max(levels))]
        tokens = [c.token for c in customers]
        results["echo"] = [
            run_load(
                "echo",
                n,
                args.duration,
                lambda i, a: a.get(echo_path, token=tokens[i]).status_code == 200,
                apis,
                cloud_pid=root_pid,
            )
            for n in levels
        ]

        # The echo's idle environments would otherwise count in the bank's memory at 16 clients.
        bank.client("lambda").delete_function(FunctionName=echo_function)
        time.sleep(3)  # its environments shut down before the first transfer level is timed

        say("[7/9] transfers through the API ...")
        results["transfers"] = []
        counter = request_counter(bank.cloud.url)
        ledger_tables = {
            bank.physical_id(t) for t in ("LedgerEntriesTable", "LedgerAccountsTable", "LedgerEventsTable")
        }
        committed = [0]
        memory: dict[str, Any] = {}
        for n in levels:
            caller = transfer_caller(customers, committed)
            load = functools.partial(
                run_load, "transfers", n, args.duration, caller, apis, cloud_pid=root_pid, requests=counter
            )
            if n != max(levels):
                results["transfers"].append(load())
                continue
            with MemorySampler(root_pid) as sampler:
                results["transfers"].append(load())
            memory = {
                "peak_total_gib": round(sampler.peak_total / 1024**3, 3),
                "localstack_mib": sampler.peak_localstack // 2**20,
                "functions_mib": sampler.peak_functions // 2**20,
                "processes": sampler.peak_processes,
                "peak_pss_gib": round(sampler.peak_pss / 1024**3, 3),
            }
        for level in results["transfers"]:
            level["dynamodb_per_transfer"] = dynamodb_per_transfer(level, ledger_tables)
        results["memory"] = memory
        localstack, functions, _ = tree_rss(root_pid)
        results["memory"]["after_load_mib"] = (localstack + functions) // 2**20

        say("[8/9] ledger lag (transfer committed -> both entries queryable) ...")
        time.sleep(2)
        results["ledger_lag"] = ledger_lag(bank, customers[-3], args.lag_samples)
        results["ledger_lag"]["backlog_movements"] = committed[0]

        say(f"[9/9] cost against history: 1,000 vs {args.history:,} entries ...")
        small, large = customers[-2], customers[-1]
        seed_history(bank, small.accounts[0], 1_000)
        seed_history(bank, large.accounts[0], args.history)
        results["history"] = {
            "small_entries": 1_000,
            "large_entries": args.history,
            **history_cost(bank, small, large, samples=40),
        }
    finally:
        if args.keep:
            say(f"cloud left running at {bank.cloud.url} (state {bank.cloud.state_dir})")
        else:
            bank.cloud.stop()
            shutil.rmtree(bank.cloud.state_dir, ignore_errors=True)

    results["bench_s"] = round(time.monotonic() - started_all, 1)
    rows = evaluate(results)
    results["verdicts"] = [{"figure": r[0], "value": r[1], "target": r[2], "verdict": r[3]} for r in rows]
    print_table(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    png = args.out.with_suffix(".png")
    chart(results, png)
    say(f"\nwrote {args.out} and {png} in {results['bench_s']:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
