"""Start, stop and inspect a LocalStack that runs the bank offline, with the project's plugins.

Used by `make up/down/status` (one long-lived cloud under `.localcloud/`) and by the test suites,
which start their own cloud on a free port with a throw-away state directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCALCLOUD_DIR = ROOT / ".localcloud"
LOCALSTACK_PYTHON = LOCALCLOUD_DIR / "ls-venv" / "bin" / "python"
FUNCTION_PYTHON = LOCALCLOUD_DIR / "fn-venv" / "bin" / "python"
SERVICES = (
    "dynamodb,dynamodbstreams,sqs,sns,s3,apigateway,lambda,iam,sts,logs,cloudformation,"
    "events,scheduler,secretsmanager,ssm,kms,ses"
)
REGION = "us-east-1"


def missing_plugins(venv: Path = LOCALCLOUD_DIR / "ls-venv") -> list[str]:
    """Entry points of our LocalStack plugins that the LocalStack venv does not have registered.

    Without them LocalStack would still start, silently falling back to Docker for Lambda and to a
    jar download for DynamoDB, so we refuse to start instead.
    """
    wanted = ["process = localcloud.executor", "dynamodb:moto", "localcloud_require_executor"]
    registered = "".join(
        path.read_text()
        for path in venv.glob("lib/python3*/site-packages/localcloud-*.dist-info/entry_points.txt")
    )
    return [entry for entry in wanted if entry not in registered]


def free_port() -> int:
    """A free port below the kernel's ephemeral range.

    A port the kernel hands out for `bind(0)` can be handed out again, to one of LocalStack's own
    outgoing connections or Lambda runtime servers, before our LocalStack binds it. Ports below the
    ephemeral range are only ever taken on purpose, so a random free one there stays ours.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        port = random.randint(max(1024, low - 12000), low - 1)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise CloudError("no free port below the ephemeral range")


def port_in_use(port: int) -> bool:
    """Something listens on 127.0.0.1:port (LocalStack binds there, see GATEWAY_LISTEN)."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class CloudError(RuntimeError):
    """A cloud that cannot be used, with one line that says what to do."""


# Settings a developer may give on the command line (e.g. `LAMBDA_PROCESS_MAX_ENVIRONMENTS=4 make up`, or
# `LOCALCLOUD_REQUEST_LOG=1 make up` for a log line per successful request too,
# decision 0007); the rest of the host's environment is not LocalStack's business.
HOST_SETTINGS = ("LAMBDA_PROCESS_MAX_ENVIRONMENTS", "LOCALCLOUD_REQUEST_LOG")


def localstack_env(port: int, state_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a LocalStack of this project runs with (see docs/decisions/0001)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "TZ", *HOST_SETTINGS)
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        {
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            "SERVICES": SERVICES,
            "PROVIDER_OVERRIDE_DYNAMODB": "moto",
            "PROVIDER_OVERRIDE_DYNAMODBSTREAMS": "moto",
            "LAMBDA_RUNTIME_EXECUTOR": "process",
            "LAMBDA_PROCESS_PYTHON": str(FUNCTION_PYTHON),
            "LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC": "0.2",
            # LocalStack waits this long between polls even when the last one returned records.
            "LAMBDA_EVENT_SOURCE_MAPPING_POLL_INTERVAL_SEC": "0.1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
            "IN_MEMORY_CLIENT": "1",
            "EAGER_SERVICE_LOADING": "0",
            # Isolates each cloud: LocalStack's own files and our saved state live under state_dir.
            "FILESYSTEM_ROOT": str(state_dir / "filesystem"),
            "LOCALCLOUD_STATE_DIR": str(state_dir / "state"),
            # Each cloud's temp files (Lambda code, environment logs) stay apart from other clouds'.
            "TMPDIR": str(state_dir / "tmp"),
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    env.update(extra or {})
    return env


@dataclass
class Cloud:
    port: int
    state_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "localstack.log"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_localstack/health", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def start(self, extra_env: dict[str, str] | None = None, timeout: float = 90.0) -> None:
        """Start LocalStack in its own session and block until its health endpoint answers."""
        if not LOCALSTACK_PYTHON.exists():
            raise CloudError(f"{LOCALSTACK_PYTHON} is missing: run `make venvs` first")
        if missing := missing_plugins():
            raise CloudError(f"LocalStack plugins not installed ({', '.join(missing)}): run `make venvs`")
        if port_in_use(self.port):
            raise CloudError(
                f"port {self.port} is in use by another program: stop it (`make down PORT={self.port}`"
                f" if it is a bank), or choose another port, e.g. `make up PORT={self.port + 34}`"
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # A folder with no Python packages in it, so nothing shadows LocalStack's imports.
        workdir = self.state_dir / "cwd"
        workdir.mkdir(exist_ok=True)
        (self.state_dir / "tmp").mkdir(exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(LOCALSTACK_PYTHON), "-m", "localstack.runtime.main"],
            cwd=workdir,
            env=localstack_env(self.port, self.state_dir, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (self.state_dir / "localstack.pid").write_text(str(self.process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"LocalStack exited early; log tail:\n{self.log_tail()}")
            if self.healthy() and self._ready():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"LocalStack was not ready in {timeout:.0f}s; log tail:\n{self.log_tail()}")

    def _ready(self) -> bool:
        try:
            url = f"{self.url}/_localstack/init/ready"
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(json.load(response).get("completed"))
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the whole session (LocalStack saves state on the way down), then wait."""
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            if self.process is not None:
                self.process.poll()
            time.sleep(0.1)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
        (self.state_dir / "localstack.pid").unlink(missing_ok=True)
        self.process = None

    def pid(self) -> int | None:
        """The running LocalStack's pid; a pid file whose process is gone, or is no longer LocalStack
        (the number was reused), is stale and removed, so `stop` never signals a stranger."""
        if self.process is not None:
            return self.process.pid
        pid_file = self.state_dir / "localstack.pid"
        try:
            pid = int(pid_file.read_text())
        except (OSError, ValueError):
            return None
        if _alive(pid) and is_localstack(pid):
            return pid
        pid_file.unlink(missing_ok=True)
        return None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def client(self, service: str) -> Any:
        import boto3

        return boto3.session.Session().client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def is_localstack(pid: int) -> bool:
    try:
        return b"localstack.runtime.main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# The developer's cloud saves its state continuously, so that a kill -9 loses at most the last second
# (decision 0021); test and bench clouds are thrown away and skip that work unless they ask for it.
DEVELOPER_SETTINGS = {"LOCALCLOUD_SAVE_INTERVAL": "1.0"}


def ensure_running(cloud: Cloud) -> bool:
    """Start the developer's cloud unless it runs; one line either way. False (and a line on stderr
    that says what to do) when it cannot start."""
    pid = cloud.pid()
    if pid is not None and cloud.healthy():
        print(f"- LocalStack already running at {cloud.url} (pid {pid})", flush=True)
        return True
    if pid is not None:
        print(f"- LocalStack (pid {pid}) is not answering: stopping it first", flush=True)
        cloud.stop()
    started = time.monotonic()
    try:
        cloud.start(extra_env=DEVELOPER_SETTINGS)
    except CloudError as exc:
        print(str(exc), file=sys.stderr)
        return False
    except RuntimeError as exc:
        first = str(exc).splitlines()[0].split(";")[0]
        print(f"{first}: see {cloud.log_path} (or `make doctor`)", file=sys.stderr)
        return False
    print(f"- LocalStack ready at {cloud.url} in {time.monotonic() - started:.1f}s (pid {cloud.pid()})")
    cloud.process = None  # leave it running in its own session
    return True


def main(argv: list[str]) -> int:
    """`python -m tools.cloud start|stop|status [--port N] [--state DIR]` for the Makefile."""
    import argparse

    parser = argparse.ArgumentParser(prog="tools.cloud")
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALCLOUD_PORT", "4566")))
    parser.add_argument("--state", type=Path, default=LOCALCLOUD_DIR / "cloud")
    args = parser.parse_args(argv)
    cloud = Cloud(port=args.port, state_dir=args.state)
    if args.command == "start":
        return 0 if ensure_running(cloud) else 1
    elif args.command == "stop":
        if cloud.pid() is None:
            print(f"LocalStack is not running (state in {cloud.state_dir} kept)")
            return 0
        started = time.monotonic()
        cloud.stop()
        print(f"LocalStack stopped in {time.monotonic() - started:.1f}s (state kept)")
    else:
        pid = cloud.pid()
        state = "healthy" if pid and cloud.healthy() else ("starting" if pid else "stopped")
        print(f"LocalStack {state} at {cloud.url} (pid {pid})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
