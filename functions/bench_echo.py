"""The benchmark's echo function: the cheapest possible Lambda proxy handler, to measure the gateway's
own ceiling (`make bench` deploys it on its own cloud; it is not part of the bank's template)."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok":true}'}
