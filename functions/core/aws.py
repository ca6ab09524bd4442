"""Cached boto3 clients. The endpoint comes only from the environment (`AWS_ENDPOINT_URL`, which boto3
reads itself), so the same code runs on AWS and on the local cloud."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Fail fast inside a Lambda: a hung dependency must not eat the function's whole timeout.
_CONFIG = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]
