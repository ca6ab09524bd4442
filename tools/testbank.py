"""One deployed test bank shared by several pytest processes (xdist workers, and the test stages of
`make test`): started once, described in a JSON file, stopped once (decision 0023).

    python -m tools.testbank start FILE   # a LocalStack on a free port, the bank deployed with the tests' parameters
    python -m tools.testbank stop FILE

tests/integration/conftest.py's `bank` uses the file named by $ARHAN_TEST_STACK instead of starting a
cloud of its own; without it every pytest run starts its own, as before.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from tools.cloud import Cloud, free_port
from tools.deploy import SECRET_PREFIX, StackInfo

SHARED_STACK_ENV = "ARHAN_TEST_STACK"


def start(stack_file: Path, extra_env: dict[str, str] | None = None) -> tuple[Cloud, StackInfo]:
    from tests.integration.conftest import TEST_PARAMETERS
    from tools.deploy import deploy

    state = Path(tempfile.mkdtemp(prefix="arhan-test-bank-"))
    cloud = Cloud(port=free_port(), state_dir=state)
    cloud.start(extra_env=extra_env)
    try:
        os.environ.pop("AWS_ENDPOINT_URL", None)
        info = deploy(cloud, parameters=TEST_PARAMETERS)
    except BaseException:
        cloud.stop()
        raise
    admin_password = settle_admin(info)
    data = {
        "port": cloud.port,
        "state_dir": str(state),
        "info": asdict(info),
        "admin_password": admin_password,
    }
    stack_file.write_text(json.dumps(data))
    cloud.process = None  # it outlives this process; `stop` ends it
    return cloud, info


def settle_admin(info: StackInfo) -> str | None:
    """Make the first admin's first sign-in (the one that asks for a new password) once, here, so the
    workers sharing the bank do not race to change it; returns the new password (None when none was asked
    for). The suite's `admin` fixture reads it from ARHAN_ADMIN_PASSWORD."""
    from tools.api import Api, random_client_address

    cloud = Cloud(port=int(info.localstack_url.rsplit(":", 1)[1]), state_dir=Path(tempfile.gettempdir()))
    secret = json.loads(
        cloud.client("secretsmanager").get_secret_value(SecretId=f"{SECRET_PREFIX}/identity/first-admin")[
            "SecretString"
        ]
    )
    api = Api(info.api_url, client_address=random_client_address())
    first = api.post("/auth/login", json={"username": secret["username"], "password": secret["password"]})
    if first.status_code != 200 or not first.json().get("password_change_required"):
        return None
    new = f"Vault-{secrets.token_hex(8)}-9x"
    body = {"current_password": secret["password"], "new_password": new}
    changed = api.post("/me/password", token=first.json()["access_token"], json=body)
    if changed.status_code != 204:
        raise RuntimeError(f"the first admin's password change failed: {changed.status_code} {changed.text}")
    return new


def admin_password(stack_file: Path) -> str | None:
    value = json.loads(stack_file.read_text()).get("admin_password")
    return str(value) if value else None


def load(stack_file: Path) -> tuple[Cloud, StackInfo]:
    data = json.loads(stack_file.read_text())
    return Cloud(port=int(data["port"]), state_dir=Path(data["state_dir"])), StackInfo(**data["info"])


def stop(stack_file: Path) -> None:
    if not stack_file.exists():
        return
    cloud, _ = load(stack_file)
    cloud.stop()
    stack_file.unlink()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tools.testbank start|stop FILE", file=sys.stderr)
        return 2
    if argv[0] == "start":
        cloud, info = start(Path(argv[1]))
        print(f"test bank at {info.api_url} (LocalStack pid {cloud.pid()})")
    else:
        stop(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
