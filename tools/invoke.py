"""`make invoke FN=<logical id or name> EVENT=events/<svc>/<file>.json`: run one function, show its logs."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

from tools.stack import developer_cloud, function_name


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0] or not argv[1]:
        print("usage: make invoke FN=IdentityFunction EVENT=events/identity/health.json", file=sys.stderr)
        return 2
    cloud = developer_cloud()
    name = function_name(cloud, argv[0])
    response = cloud.client("lambda").invoke(
        FunctionName=name, Payload=Path(argv[1]).read_bytes(), LogType="Tail"
    )
    print(base64.b64decode(response.get("LogResult", "")).decode(errors="replace"))
    payload = response["Payload"].read().decode()
    try:
        print(json.dumps(json.loads(payload), indent=2))
    except ValueError:
        print(payload)
    return 1 if response.get("FunctionError") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
