"""The running developer bank: its cloud and the names of deployed resources.

`ToolError` carries the one line a `tools/` command prints (and exits 1 with) when it cannot do its job:
the cloud is down, the bank is not deployed, a function or a file does not exist. Each says what to do.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tools.cloud import LOCALCLOUD_DIR, Cloud
from tools.deploy import STACK_NAME

FUNCTION_TYPE = "AWS::Lambda::Function"


class ToolError(Exception):
    """What went wrong and what to do, in one line."""


def developer_cloud(port: int | None = None) -> Cloud:
    if port is None:
        port = int(os.environ.get("LOCALCLOUD_PORT", "4566"))
    return Cloud(port=port, state_dir=LOCALCLOUD_DIR / "cloud")


def running_cloud(port: int | None = None) -> Cloud:
    """The developer's cloud, or ToolError when nothing answers on its port."""
    cloud = developer_cloud(port)
    if not cloud.healthy():
        suffix = "" if cloud.port == 4566 else f" PORT={cloud.port}"
        raise ToolError(f"the local cloud is not running on port {cloud.port}: run `make up{suffix}`")
    return cloud


def stack_resources(cloud: Cloud) -> dict[str, dict[str, Any]]:
    """Logical id → resource summary (PhysicalResourceId, ResourceType); ToolError without a stack."""
    cfn = cloud.client("cloudformation")
    resources: dict[str, dict[str, Any]] = {}
    try:
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=STACK_NAME):
            for summary in page["StackResourceSummaries"]:
                resources[summary["LogicalResourceId"]] = summary
    except cfn.exceptions.ClientError as exc:
        raise ToolError(f"the bank is not deployed on {cloud.url} ({STACK_NAME}): run `make up`") from exc
    return resources


def function_names(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Logical id → deployed name of every function of the stack."""
    return {
        logical: str(summary["PhysicalResourceId"])
        for logical, summary in resources.items()
        if summary.get("ResourceType") == FUNCTION_TYPE
    }


def function_name(cloud: Cloud, name: str) -> str:
    """Accept a logical id (IdentityFunction) or a deployed function name; ToolError for anything else."""
    functions = function_names(stack_resources(cloud))
    if name in functions:
        return functions[name]
    if name in functions.values():
        return name
    raise ToolError(f"no function {name!r} in the bank: use one of {', '.join(sorted(functions))}")


def stack_info() -> dict[str, Any]:
    path = LOCALCLOUD_DIR / "stack.json"
    return json.loads(path.read_text()) if path.exists() else {}
