"""`make logs`: the functions' CloudWatch logs, oldest first; `--correlation ID` follows one request
from the gateway through payments, SNS/SQS and the ledger (every service logs `correlation_id`)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from tools.stack import ToolError, function_name, running_cloud


def show(port: int | None, function: str | None, correlation: str | None, minutes: int) -> int:
    cloud = running_cloud(port)
    logs = cloud.client("logs")
    prefix = "/aws/lambda/" + (function_name(cloud, function) if function else "")
    since = int((datetime.now(UTC).timestamp() - minutes * 60) * 1000)
    lines: list[tuple[int, str, str]] = []
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
        for group in page["logGroups"]:
            kwargs = {"logGroupName": group["logGroupName"], "startTime": since}
            if correlation:
                kwargs["filterPattern"] = f'"{correlation}"'
            for events in logs.get_paginator("filter_log_events").paginate(**kwargs):
                for event in events["events"]:
                    # The local cloud's filterPattern is loose; keep only lines that really name the id.
                    if correlation and correlation not in event["message"]:
                        continue
                    name = group["logGroupName"].removeprefix("/aws/lambda/")
                    lines.append((event["timestamp"], name, event["message"].rstrip()))
    for timestamp, name, message in sorted(lines, key=lambda line: (line[0], line[1])):
        moment = datetime.fromtimestamp(timestamp / 1000, UTC).strftime("%H:%M:%S.%f")[:-3]
        print(f"{moment} {name[:40]:40} {message}")
    if not lines:
        what = f" of {function}" if function else ""
        which = f" with {correlation}" if correlation else ""
        print(f"no log lines{what}{which} in the last {minutes} minutes (make a request, or --minutes more)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make logs")
    parser.add_argument("--port", type=int)
    parser.add_argument("--function", help="logical id or function name")
    parser.add_argument("--correlation", help="show only lines with this correlation id")
    parser.add_argument("--minutes", type=int, default=30)
    args = parser.parse_args(argv)
    try:
        return show(args.port, args.function, args.correlation, args.minutes)
    except ToolError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
