"""What the benchmark and the chaos run share: their own cloud with the bank deployed, an HTTP client,
customers with accounts, the fault-injection API, and process-tree memory."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# `python -m bench.run` / `bench.chaos` straight from the venv (without the Makefile's PYTHONPATH): the
# deploy tooling imports the shared `core` package from functions/.
_FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)

from tools.api import Api, random_client_address  # noqa: E402
from tools.cloud import Cloud, free_port  # noqa: E402 - after the path set-up above
from tools.deploy import SECRET_PREFIX, STACK_NAME, StackInfo, deploy  # noqa: E402
from tools.secrets_bootstrap import read_secret  # noqa: E402

PASSWORD = "Correct-Horse-Battery-42"  # noqa: S105 - the bench customers' throw-away password
PIN = "0123"
CARD_PIN = "4321"


def say(message: str) -> None:
    print(message, flush=True)


@contextmanager
def quiet() -> Iterator[None]:
    """Silence tools.deploy's step lines (the bench prints its own progress)."""
    saved = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - restored below
    try:
        yield
    finally:
        sys.stdout.close()
        sys.stdout = saved


@dataclass
class Customer:
    username: str
    token: str
    accounts: list[str] = field(default_factory=list)


@dataclass
class BankCloud:
    cloud: Cloud
    info: StackInfo
    admin_token: str = ""

    @property
    def api_url(self) -> str:
        return self.info.api_url

    def api(self, timeout: float = 30.0) -> Api:
        return Api(self.info.api_url, timeout)

    def client(self, service: str) -> Any:
        return self.cloud.client(service)

    def physical_id(self, logical_id: str) -> str:
        cfn = self.client("cloudformation")
        resource = cfn.describe_stack_resource(StackName=STACK_NAME, LogicalResourceId=logical_id)
        return str(resource["StackResourceDetail"]["PhysicalResourceId"])

    def functions(self) -> dict[str, str]:
        """Logical id -> deployed name of every Lambda function of the stack."""
        cfn = self.client("cloudformation")
        resources = cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in resources
            if r["ResourceType"] == "AWS::Lambda::Function"
        }

    def set_function_env(self, logical_id: str, **variables: str) -> None:
        """Merge variables into a function's environment and wait until the update is live."""
        lam = self.client("lambda")
        name = self.functions()[logical_id]
        current = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {**current, **variables}}
        )
        wait_updated(lam, name)


def wait_updated(lam: Any, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        config = lam.get_function_configuration(FunctionName=name)
        if config["State"] == "Active" and config.get("LastUpdateStatus") in (None, "Successful"):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{name} did not finish updating")


def start_bank(
    state_dir: Path | None = None,
    parameters: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> tuple[BankCloud, dict[str, float]]:
    """A fresh LocalStack on a free port with the bank deployed; returns it and the start/deploy times."""
    state = state_dir or Path(tempfile.mkdtemp(prefix="arhan-bench-"))
    cloud = Cloud(port=free_port(), state_dir=state)
    started = time.monotonic()
    cloud.start(extra_env=extra_env)
    start_s = time.monotonic() - started
    os.environ.pop("AWS_ENDPOINT_URL", None)
    started = time.monotonic()
    try:
        with quiet():
            info = deploy(cloud, parameters=parameters)
    except BaseException:
        cloud.stop()
        raise
    deploy_s = time.monotonic() - started
    bank = BankCloud(cloud=cloud, info=info)
    bank.admin_token = admin_login(bank)
    return bank, {"localstack_start_s": start_s, "deploy_s": deploy_s}


def admin_login(bank: BankCloud) -> str:
    """The first admin's token, after the password change its first sign-in demands."""
    secret = read_secret(bank.client("secretsmanager"), f"{SECRET_PREFIX}/identity/first-admin")
    username, password = str(secret["username"]), str(secret["password"])
    api = client(bank.api())
    first = api.post("/auth/login", json={"username": username, "password": password})
    if first.status_code != 200:
        raise RuntimeError(f"admin login failed: {first.status_code} {first.text}")
    if first.json().get("password_change_required"):
        new = f"Bench-{secrets.token_urlsafe(12)}-9"
        body = {"current_password": password, "new_password": new}
        changed = api.post("/me/password", token=first.json()["access_token"], json=body)
        if changed.status_code != 204:
            raise RuntimeError(f"admin password change failed: {changed.status_code} {changed.text}")
        password = new
    return login(api, username, password)


def new_staff(bank: BankCloud) -> str:
    """A staff member besides the admin (four-eyes approvals): their token."""
    username = f"benchstaff{secrets.token_hex(4)}"
    body = {
        "username": username,
        "password": PASSWORD,
        "email": f"{username}@arhan.example",
        "first_name": "Bench",
        "last_name": "Staff",
        "role": "staff",
    }
    made = bank.api().post("/staff/users", token=bank.admin_token, json=body)
    if made.status_code != 201:
        raise RuntimeError(f"staff creation failed: {made.status_code} {made.text}")
    return login(bank.api(), username, PASSWORD)


def client(api: Api) -> Api:
    """The API from a loopback address of its own: the bank limits sign-ins and registrations per client
    address, and the bench signs up far more customers than one person would."""
    return Api(api.base_url, client_address=random_client_address())


def login(api: Api, username: str, password: str) -> str:
    response = client(api).post("/auth/login", json={"username": username, "password": password})
    if response.status_code != 200:
        raise RuntimeError(f"login failed: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def new_customer(api: Api, accounts: int = 1, prefix: str = "bench") -> Customer:
    """Register, sign in and open `accounts` current accounts (the first gets the welcome bonus)."""
    username = f"{prefix}{secrets.token_hex(5)}"
    response = client(api).post(
        "/auth/register",
        json={
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@example.com",
            "first_name": "Bench",
            "last_name": "Mark",
            "phone": "+2348012345678",
        },
    )
    if response.status_code != 201:
        raise RuntimeError(f"register failed: {response.status_code} {response.text}")
    customer = Customer(username=username, token=login(api, username, PASSWORD))
    for _ in range(accounts):
        for attempt in range(5):  # the code runs in place from the tree: a moment's 5xx is retried
            opened = api.post("/accounts", token=customer.token, json={"type": "current", "pin": PIN})
            if opened.status_code < 500:
                break
            time.sleep(0.5 * (attempt + 1))
        if opened.status_code != 201:
            raise RuntimeError(f"open account failed: {opened.status_code} {opened.text}")
        customer.accounts.append(str(opened.json()["account_number"]))
    # The welcome bonus comes with the first account only: share it with the others.
    share = 100_000 // len(customer.accounts)
    for number in customer.accounts[1:]:
        body = {"from_account": customer.accounts[0], "to_account": number, "amount": share, "pin": PIN}
        funded = api.post(
            "/transfers", token=customer.token, json=body, headers={"Idempotency-Key": f"fund-{number}"}
        )
        if funded.status_code != 201:
            raise RuntimeError(f"funding failed: {funded.status_code} {funded.text}")
    return customer


class Faults:
    """The local cloud's fault-injection API (infra/localcloud/localcloud/faults.py)."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    def _call(self, method: str, path: str = "", body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.cloud.url}/_localcloud/faults{path}", data=data, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"faults API {method} {path}: {error.code} {error.read()!r}") from error

    def add(self, **rule: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", body=rule)
        return result

    def clear(self) -> None:
        self._call("DELETE")

    def remove(self, rule_id: str) -> None:
        self._call("DELETE", f"/{rule_id}")

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET")
        return result


# ---------------------------------------------------------------- processes and memory
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_pss(root: int) -> int:
    """Proportional set size of the whole tree: shared pages counted once, unlike summed RSS."""
    return sum(pss_bytes(pid) for pid in process_tree(root))


def tree_rss(root: int) -> tuple[int, int, int]:
    """(LocalStack's RSS, all its descendants' RSS, number of descendants)."""
    pids = process_tree(root)
    children = [pid for pid in pids if pid != root]
    return rss_bytes(root), sum(rss_bytes(pid) for pid in children), len(children)


class MemorySampler:
    """Samples the cloud's process-tree RSS in the background; keeps the peak of the sum."""

    def __init__(self, root: int, interval: float = 0.5) -> None:
        self.root, self.interval = root, interval
        self.peak_total = self.peak_localstack = self.peak_functions = self.peak_processes = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            localstack, functions, count = tree_rss(self.root)
            if localstack + functions > self.peak_total:
                self.peak_total = localstack + functions
                self.peak_localstack, self.peak_functions, self.peak_processes = localstack, functions, count
                self.peak_pss = max(self.peak_pss, tree_pss(self.root))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; 0 for an empty list."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
    }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result
