"""The running developer bank: its cloud and the names of deployed resources."""

from __future__ import annotations

import json
import os
from typing import Any

from tools.cloud import LOCALCLOUD_DIR, Cloud
from tools.deploy import STACK_NAME


def developer_cloud() -> Cloud:
    return Cloud(port=int(os.environ.get("LOCALCLOUD_PORT", "4566")), state_dir=LOCALCLOUD_DIR / "cloud")


def stack_resources(cloud: Cloud) -> dict[str, dict[str, Any]]:
    """Logical id → resource summary (PhysicalResourceId, ResourceType)."""
    cfn = cloud.client("cloudformation")
    resources: dict[str, dict[str, Any]] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=STACK_NAME):
        for summary in page["StackResourceSummaries"]:
            resources[summary["LogicalResourceId"]] = summary
    return resources


def function_name(cloud: Cloud, name: str) -> str:
    """Accept a logical id (IdentityFunction) or a deployed function name."""
    resource = stack_resources(cloud).get(name)
    return str(resource["PhysicalResourceId"]) if resource else name


def stack_info() -> dict[str, Any]:
    path = LOCALCLOUD_DIR / "stack.json"
    return json.loads(path.read_text()) if path.exists() else {}
