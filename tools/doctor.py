"""`make doctor`: is this machine ready for the bank? One line per check, and what to do for each failure.

    python3 tools/doctor.py [--port N]

Standard library only, so it runs on a machine that has nothing else yet. Exit status 1 when a check
fails; warnings (things `make up`/`make test` install by themselves) do not fail it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Run as a script (`python3 tools/doctor.py`), the project root is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import venvs

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".localcloud" / "cloud"
MIN_FREE_GIB = 4.0  # three venvs ≈ 1.6 GiB, uv's cache ≈ 1.1 GiB, node_modules, the cloud's state
CHROMIUM = Path("/usr/bin/chromium")
OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass
class Check:
    status: str
    what: str
    todo: str = ""

    def line(self) -> str:
        text = f"{self.status:4} {self.what}"
        return f"{text}\n     -> {self.todo}" if self.todo else text


def check_python(explicit: str | None = None) -> Check:
    try:
        python = venvs.find_python(explicit)
    except SystemExit:
        return Check(FAIL, "Python 3.13 not found", "pyenv install 3.13.0, or put python3.13 on PATH")
    version = subprocess.run(
        [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not version.startswith("3.13."):
        return Check(FAIL, f"{python} is Python {version or '?'}, not 3.13", "pyenv install 3.13.0")
    return Check(OK, f"Python {version}: {python}")


def check_node(which: Callable[[str], str | None] = shutil.which) -> Check:
    node, npm = which("node"), which("npm")
    if not node or not npm:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        return Check(
            WARN, f"{missing} not found", "`make up` installs nodejs and npm with apt (root or sudo)"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = version.lstrip("v").split(".")[0]
    if not major.isdigit() or int(major) < 18:
        return Check(
            FAIL, f"node {version} is too old (the site's build needs 18+)", "install Node.js 18 or later"
        )
    return Check(OK, f"node {version}, npm: {npm}")


def check_chromium(path: Path = CHROMIUM) -> Check:
    if path.exists():
        return Check(OK, f"chromium: {path}")
    return Check(WARN, f"{path} not found (browser tests)", "`make test` installs Debian's chromium with apt")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def read_pid(state_dir: Path) -> int | None:
    try:
        return int((state_dir / "localstack.pid").read_text())
    except (OSError, ValueError):
        return None


def is_localstack(pid: int) -> bool:
    try:
        return b"localstack.runtime.main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def check_pid(state_dir: Path = STATE_DIR) -> Check:
    pid = read_pid(state_dir)
    if pid is None:
        return Check(OK, "no LocalStack pid file (the bank is stopped)")
    if is_localstack(pid):
        return Check(OK, f"LocalStack runs as pid {pid}")
    return Check(
        FAIL,
        f"stale pid file {state_dir / 'localstack.pid'} (pid {pid} is not LocalStack)",
        "`make down` removes it (the saved state is kept)",
    )


def check_port(port: int, state_dir: Path = STATE_DIR) -> Check:
    if not listening(port):
        return Check(OK, f"port {port} is free")
    pid = read_pid(state_dir)
    if pid is not None and is_localstack(pid):
        return Check(OK, f"port {port} is the bank's own LocalStack (pid {pid})")
    return Check(
        FAIL,
        f"port {port} is in use by another program",
        f"stop it, or use another port: make up PORT={port + 34}",
    )


def check_disk(folder: Path = ROOT, minimum_gib: float = MIN_FREE_GIB) -> Check:
    free = shutil.disk_usage(folder).free / 2**30
    if free < minimum_gib:
        return Check(FAIL, f"{free:.1f} GiB free in {folder}", f"free at least {minimum_gib:.0f} GiB")
    return Check(OK, f"{free:.0f} GiB free")


def check_venvs(explicit: str | None = None) -> list[Check]:
    try:
        python = venvs.find_python(explicit)
    except SystemExit:
        return [Check(FAIL, "venvs: no Python 3.13 to build them with", "see the Python line above")]
    checks = []
    for venv in venvs.VENVS:
        where = venv.path.relative_to(ROOT) if venv.path.is_relative_to(ROOT) else venv.path
        if not venv.python.exists():
            checks.append(Check(WARN, f"{venv.title} ({where}) not created yet", "`make up` creates it"))
        elif not venvs.up_to_date(venv, python):
            checks.append(
                Check(WARN, f"{venv.title} ({where}) is older than its lock", "`make venvs` syncs it")
            )
        else:
            checks.append(Check(OK, f"{venv.title} ({where}) matches its lock"))
    return checks


def check_uv(which: Callable[[str], str | None] = shutil.which) -> Check:
    found = which("uv") or (
        str(venvs.UV_HOME / "bin" / "uv") if (venvs.UV_HOME / "bin" / "uv").exists() else None
    )
    if found:
        return Check(OK, f"uv: {found}")
    return Check(OK, "uv not installed yet: `make venvs` pip-installs the pinned one (a few seconds)")


def run_checks(port: int, python: str | None = None) -> list[Check]:
    return [
        check_python(python),
        check_node(),
        check_chromium(),
        check_uv(),
        check_port(port),
        check_pid(),
        check_disk(),
        *check_venvs(python),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALCLOUD_PORT", "4566")))
    parser.add_argument("--python", help="the Python 3.13 interpreter to check")
    args = parser.parse_args(argv)
    checks = run_checks(args.port, args.python)
    for check in checks:
        print(check.line())
    failed = [check for check in checks if check.status == FAIL]
    warned = sum(1 for check in checks if check.status == WARN)
    print(
        f"\n{len(failed)} problem(s), {warned} warning(s)"
        if failed
        else f"\nready ({warned} warning(s)): `make up`, then `make test`"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
