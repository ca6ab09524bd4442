"""`make invoke FN=<logical id or name> EVENT=events/<svc>/<file>.json`: run one function, show its logs.

Anything in the way (no cloud, no stack, an unknown function, a missing or broken event file) is one line
on stderr that says what to do, and exit status 1 (2 for a wrong command line).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from tools.cloud import ROOT
from tools.stack import ToolError, function_name, running_cloud

USAGE = "usage: make invoke FN=IdentityFunction EVENT=events/identity/health.json"


def read_event(path: str) -> bytes:
    event = Path(path)
    if not event.is_absolute() and not event.exists():
        event = ROOT / path
    if not event.is_file():
        examples = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "events").glob("*/*health*.json"))
        raise ToolError(f"event file {path} not found: use one under events/ (e.g. {', '.join(examples)})")
    data = event.read_bytes()
    try:
        json.loads(data)
    except ValueError as exc:
        raise ToolError(f"event file {path} is not JSON ({exc})") from exc
    return data


def invoke(port: int | None, fn: str, event_path: str) -> int:
    payload = read_event(event_path)
    cloud = running_cloud(port)
    name = function_name(cloud, fn)
    response = cloud.client("lambda").invoke(FunctionName=name, Payload=payload, LogType="Tail")
    print(base64.b64decode(response.get("LogResult", "")).decode(errors="replace"))
    body = response["Payload"].read().decode()
    try:
        print(json.dumps(json.loads(body), indent=2))
    except ValueError:
        print(body)
    return 1 if response.get("FunctionError") else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make invoke", usage=USAGE)
    parser.add_argument("--port", type=int)
    parser.add_argument("fn", nargs="?", default="")
    parser.add_argument("event", nargs="?", default="")
    args = parser.parse_args(argv)
    if not args.fn or not args.event:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        return invoke(args.port, args.fn, args.event)
    except ToolError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
