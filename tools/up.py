"""`make up`: start the developer's cloud if it is stopped, deploy only what changed, print the URLs.

The deploy's inputs (the template, the function code, the built site, the deploy tools, the port) are
hashed; the hash of the last successful deploy is kept in the cloud's own state folder, so `make reset`
forgets it with the state. When the hash matches and the cloud still has the stack, nothing is
deployed (decision 0022): `make up` on a running, unchanged bank takes about a second.

    python -m tools.up [--port N] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.cloud import LOCALCLOUD_DIR, ROOT, Cloud, ensure_running

STACK_FILE = LOCALCLOUD_DIR / "stack.json"
# tools.deploy's names, not imported from it on the quick path: importing it loads cfn-lint (about 2 s).
# tests/unit/tools/test_up.py checks that they agree.
STACK_NAME = "arhan-bank"
SECRET_PREFIX = "arhan"  # noqa: S105 - a name prefix, not a secret
DEPLOYED = "deployed.json"  # in the cloud's state folder, beside the state it describes
SKIPPED_PARTS = {"__pycache__", "node_modules", ".mypy_cache", ".pytest_cache"}


def _files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not SKIPPED_PARTS.intersection(path.relative_to(folder).parts)
    )


def deploy_inputs(root: Path = ROOT) -> list[Path]:
    """What a deploy reads: the template, functions/, the built site (or the site folder when there is
    no build) and the tools that decide how they are deployed."""
    site = root / "frontend_site"
    site_files = _files(site / "dist") if (site / "dist").is_dir() else _files(site)
    tools = [root / "tools" / name for name in ("deploy.py", "secrets_bootstrap.py")]
    return [root / "infra" / "template.yaml", *_files(root / "functions"), *site_files, *tools]


def fingerprint(port: int, root: Path = ROOT) -> str:
    digest = hashlib.sha256(f"port={port}\n".encode())
    for path in deploy_inputs(root):
        digest.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stack_matches(cloud: Cloud, wanted: str) -> dict[str, Any] | None:
    """The stack info of the last deploy when it was made from exactly these inputs and the cloud still
    has that stack in a finished state; None when a deploy is needed."""
    try:
        recorded = json.loads((cloud.state_dir / DEPLOYED).read_text())
        info: dict[str, Any] = json.loads(STACK_FILE.read_text())
    except (OSError, ValueError):
        return None
    if recorded.get("fingerprint") != wanted or info.get("localstack_url") != cloud.url:
        return None
    cfn = cloud.client("cloudformation")
    try:
        stack = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    except cfn.exceptions.ClientError:
        return None
    outputs = {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}
    if stack["StackStatus"] not in {"CREATE_COMPLETE", "UPDATE_COMPLETE"} or outputs != info.get("outputs"):
        return None
    return info


def print_urls(info: dict[str, Any], took: float, deployed: bool) -> None:
    how = "deployed" if deployed else "unchanged, not redeployed"
    print(f"\nArhan Financial is up in {took:.1f}s ({how})")
    print(f"  site:        {info['site_url']}")
    print(f"  API:         {info['api_url']}")
    print(f"  LocalStack:  {info['localstack_url']}")
    print(f"  admin login: secret {SECRET_PREFIX}/identity/first-admin in the local Secrets Manager")
    print(f"  (all of this is in {STACK_FILE})")


def deploy_and_record(cloud: Cloud, wanted: str) -> dict[str, Any]:
    from tools.deploy import deploy

    (cloud.state_dir / DEPLOYED).unlink(missing_ok=True)
    info = asdict(deploy(cloud))
    STACK_FILE.write_text(json.dumps(info, indent=2))
    (cloud.state_dir / DEPLOYED).write_text(json.dumps({"fingerprint": wanted, "at": time.time()}))
    return info


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make up", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALCLOUD_PORT", "4566")))
    parser.add_argument("--force", action="store_true", help="deploy even when nothing changed")
    parser.add_argument("--no-start", action="store_true", help="deploy to a running cloud only")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cloud = Cloud(port=args.port, state_dir=LOCALCLOUD_DIR / "cloud")
    if args.no_start:
        if cloud.pid() is None or not cloud.healthy():
            print(
                f"LocalStack is not running on port {args.port}: run `make up PORT={args.port}`",
                file=sys.stderr,
            )
            return 1
    elif not ensure_running(cloud):
        return 1
    wanted = fingerprint(args.port)
    info = None if args.force else stack_matches(cloud, wanted)
    if info is None:
        try:
            info = deploy_and_record(cloud, wanted)
        except Exception as exc:  # one line, not a traceback: the log has the details
            print(f"deploy failed: {exc} (LocalStack's log: {cloud.log_path})", file=sys.stderr)
            return 1
        print_urls(info, time.monotonic() - started, deployed=True)
    else:
        print_urls(info, time.monotonic() - started, deployed=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
