"""Integration tests: the whole bank deployed on a LocalStack this test run starts itself.

The cloud gets a free port and a throw-away state directory, so a developer's own `make up` bank is
never touched. Every test makes its own users, so order never matters.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tools.api import Api, random_client_address
from tools.cloud import Cloud, free_port
from tools.deploy import SECRET_PREFIX, StackInfo, deploy
from tools.secrets_bootstrap import read_secret
from tools.testbank import SHARED_STACK_ENV
from tools.testbank import load as load_shared_bank

PASSWORD = "Correct-Horse-Battery-42"
# Short timers so retries, the DLQ and hold expiry are observable within a test. The ledger queue's
# visibility is 6 x its consumer's timeout, as on AWS (tests/unit/test_template_rules.py): a poison
# message reaches the DLQ after 3 receives, about 36 s. 2 s, not 1: a batch is posted together, and on
# a machine busy with every test lane at once one may take over a second.
TEST_PARAMETERS = {
    "LedgerConsumerTimeout": "2",
    "LedgerQueueVisibilityTimeout": "12",
    "HoldTtlSeconds": "15",
}


@dataclass
class User:
    username: str
    password: str
    access_token: str
    refresh_token: str
    user_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Bank:
    cloud: Cloud
    info: StackInfo
    api: Api

    def client(self, service: str) -> Any:
        return self.cloud.client(service)

    def output(self, name: str) -> str:
        return self.info.outputs[name]

    def physical_id(self, logical_id: str) -> str:
        """The deployed name of a template resource (a table, a function, a queue URL)."""
        cfn = self.client("cloudformation")
        resource = cfn.describe_stack_resource(StackName="arhan-bank", LogicalResourceId=logical_id)
        return str(resource["StackResourceDetail"]["PhysicalResourceId"])


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bank]:
    if shared := os.environ.get(SHARED_STACK_ENV):  # one bank for every worker (tools/testbank.py)
        shared_cloud, shared_info = load_shared_bank(Path(shared))
        yield Bank(cloud=shared_cloud, info=shared_info, api=Api(shared_info.api_url))
        return
    cloud = Cloud(port=free_port(), state_dir=tmp_path_factory.mktemp("bank-cloud"))
    cloud.start()
    try:
        os.environ.pop("AWS_ENDPOINT_URL", None)
        info = deploy(cloud, parameters=TEST_PARAMETERS)
        yield Bank(cloud=cloud, info=info, api=Api(info.api_url))
    finally:
        cloud.stop()


@pytest.fixture(scope="session")
def api(bank: Bank) -> Api:
    return bank.api


def client(api: Api) -> Api:
    """The API from a loopback address of its own: a client of its own for the bank's per-client
    sign-in and registration limits (the suite signs in far more often than one person would)."""
    return Api(api.base_url, client_address=random_client_address())


def login(api: Api, username: str, password: str) -> User:
    response = client(api).post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = api.get("/me", token=tokens["access_token"])
    assert me.status_code == 200, me.text
    return User(
        username=username,
        password=password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        user_id=str(me.json().get("user_id") or me.json().get("id") or ""),
    )


@pytest.fixture(scope="session")
def new_customer(api: Api) -> Callable[[], User]:
    """Register and sign in a brand-new customer."""

    def make() -> User:
        username = f"cust{secrets.token_hex(5)}"
        response = client(api).post(
            "/auth/register",
            json={
                "username": username,
                "password": PASSWORD,
                "email": f"{username}@example.com",
                "first_name": "Ada",
                "last_name": "Obi",
                "phone": "+2348012345678",
            },
        )
        assert response.status_code == 201, response.text
        return login(api, username, PASSWORD)

    return make


@pytest.fixture(scope="session")
def admin(bank: Bank) -> User:
    """The first admin, created by the deploy's bootstrap from Secrets Manager, after the password
    change its first sign-in demands. The new password is kept beside the cloud's state (under a lock),
    so every test process sharing the bank signs in with it (ARHAN_ADMIN_PASSWORD overrides it)."""
    credentials = read_secret(bank.client("secretsmanager"), f"{SECRET_PREFIX}/identity/first-admin")
    username = credentials["username"]
    kept = bank.cloud.state_dir / "admin-password"
    bank.cloud.state_dir.mkdir(parents=True, exist_ok=True)
    with open(bank.cloud.state_dir / "admin-password.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        password = os.environ.get("ARHAN_ADMIN_PASSWORD") or (
            kept.read_text() if kept.exists() else credentials["password"]
        )
        first = client(bank.api).post("/auth/login", json={"username": username, "password": password})
        assert first.status_code == 200, first.text
        if first.json().get("password_change_required"):
            new = f"Vault-{secrets.token_urlsafe(12)}-9"
            changed = bank.api.post(
                "/me/password",
                token=first.json()["access_token"],
                json={"current_password": password, "new_password": new},
            )
            assert changed.status_code == 204, changed.text
            kept.write_text(new)
            password = new
    return login(bank.api, username, password)


def _new_staff(api: Api, admin: User) -> User:
    username = f"staff{secrets.token_hex(4)}"
    body = {
        "username": username,
        "password": PASSWORD,
        "email": f"{username}@arhan.example",
        "first_name": "Ngozi",
        "last_name": "Eze",
        "role": "staff",
    }
    response = api.post("/staff/users", token=admin.access_token, json=body)
    assert response.status_code == 201, response.text
    return login(api, username, PASSWORD)


@pytest.fixture(scope="session")
def staff(api: Api, admin: User) -> User:
    """A staff member besides the admin (who created it, so the two are never each other's four eyes)."""
    return _new_staff(api, admin)


@pytest.fixture(scope="session")
def approver(api: Api, admin: User) -> User:
    """Another staff member: the second pair of eyes on `staff`'s proposals (and the other way round)."""
    return _new_staff(api, admin)


PIN = "0123"


@dataclass
class Customer:
    """A signed-in customer with one current account (welcome bonus: 100,000 kobo from the pool)."""

    user: User
    account: str

    @property
    def token(self) -> str:
        return self.user.access_token


@pytest.fixture(scope="session")
def customer(api: Api, new_customer: Callable[[], User]) -> Callable[[], Customer]:
    def make() -> Customer:
        user = new_customer()
        response = api.post("/accounts", token=user.access_token, json={"type": "current", "pin": PIN})
        assert response.status_code == 201, response.text
        return Customer(user, response.json()["account_number"])

    return make


def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.2) -> Any:
    """Poll until `check` returns a truthy value (asynchronous paths: SNS → SQS → ledger)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s (last value: {last!r})")
