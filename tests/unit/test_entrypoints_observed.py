"""Every non-HTTP entry point carries Powertools' `@logger.inject_lambda_context` and
`@metrics.log_metrics`: its log lines name the invocation, and its metrics are flushed by the decorator
at the end of the invocation (also when it raises), so no entry point flushes by hand."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from core.observability import MetricUnit, logger, metrics
from identity.models import FirstAdmin
from tests.unit.conftest import FakeContext

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
CONTEXT_KEYS = ["cold_start", "function_name", "function_memory_size", "function_arn", "function_request_id"]
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/me"
UNKNOWN_ACTION = {"action": "no_such_action", "payload": {}}


class NothingCreated(BaseModel):
    """What the payments bootstrap answers when the bank exists already (its `opening` left out)."""

    created_positions: list[str]


# How to invoke each entry point without AWS: the event, and the one call it makes stubbed out.
Stub = Callable[[pytest.MonkeyPatch, Any], None]
CASES: dict[str, tuple[dict[str, Any], Stub | None]] = {
    "identity.entrypoints.authorizer.handler": (
        {"type": "TOKEN", "authorizationToken": None, "methodArn": METHOD_ARN},  # refused: raises
        None,
    ),
    "identity.entrypoints.bootstrap.handler": (
        {},
        lambda mp, module: mp.setattr(
            module.staff,
            "bootstrap_first_admin",
            lambda: FirstAdmin(created=False, user_id="usr_root", username="rootadmin"),
        ),
    ),
    "accounts.entrypoints.internal.handler": (UNKNOWN_ACTION, None),
    "accounts.entrypoints.interest.handler": (
        {"source": "aws.events"},
        lambda mp, module: mp.setattr(module, "interest_run_done", lambda month: True),
    ),
    "payments.entrypoints.internal.handler": (UNKNOWN_ACTION, None),
    "payments.entrypoints.queries.handler": (UNKNOWN_ACTION, None),
    "payments.entrypoints.bootstrap.handler": (
        {},
        lambda mp, module: mp.setattr(
            module.positions, "bootstrap", lambda: NothingCreated(created_positions=[])
        ),
    ),
    "payments.entrypoints.hold_expiry.handler": (
        {},
        lambda mp, module: mp.setattr(module.cards, "expire_holds", lambda batch: 0),
    ),
    "payments.entrypoints.outbox.handler": (
        {
            "Records": [  # a MODIFY (the stream filter sends INSERTs only) is skipped without touching AWS
                {
                    "eventID": "1",
                    "eventName": "MODIFY",
                    "eventSource": "aws:dynamodb",
                    "dynamodb": {"SequenceNumber": "1", "StreamViewType": "NEW_IMAGE"},
                }
            ]
        },
        None,
    ),
    "ledger.entrypoints.consumer.handler": (
        {
            "Records": [  # an unreadable message fails alone, before any AWS call
                {
                    "messageId": "msg-0",
                    "receiptHandle": "rh-0",
                    "body": "not json",
                    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767225600000"},
                    "messageAttributes": {},
                    "md5OfBody": "",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ledger-queue",
                    "awsRegion": "us-east-1",
                }
            ]
        },
        None,
    ),
}


def template_entry_points() -> set[str]:
    handlers = re.findall(r"^\s+Handler: (\S+)\s*$", TEMPLATE.read_text(), re.MULTILINE)
    return {name for name in handlers if not name.endswith(".app.app")}  # the HTTP apps flush per request


def invoke(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module_name, _, attribute = path.rpartition(".")
    module = importlib.import_module(module_name)
    event, stub = CASES[path]
    if stub is not None:
        stub(monkeypatch, module)
    try:
        getattr(module, attribute)(event, FakeContext())
    except Exception as error:  # the authorizer refuses by raising; the decorators must still have run
        assert str(error) == "Unauthorized", error


def flushed_metric_names(out: str) -> set[str]:
    names: set[str] = set()
    for line in out.splitlines():
        blob = json.loads(line) if line.startswith("{") else {}
        for directive in blob.get("_aws", {}).get("CloudWatchMetrics", []):
            names |= {metric["Name"] for metric in directive["Metrics"]}
    return names


def test_every_entry_point_of_the_template_is_checked_here() -> None:
    assert template_entry_points() == set(CASES)


@pytest.mark.parametrize("path", sorted(CASES))
def test_an_invocation_names_itself_in_the_logs_and_flushes_its_metrics(
    path: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a metric recorded during the invocation's work and no invocation keys on the logger yet
    logger.remove_keys(CONTEXT_KEYS)
    capsys.readouterr()
    metrics.add_metric(name="Probe", unit=MetricUnit.Count, value=1)
    # When the entry point is invoked
    invoke(path, monkeypatch)
    # Then the decorator flushed the metric, and the log lines carry the invocation's request id
    assert "Probe" in flushed_metric_names(capsys.readouterr().out)
    assert not metrics.metric_set
    keys = logger.get_current_keys()
    assert (keys.get("function_request_id"), keys.get("function_name")) == ("req-unit", "unit")


def test_an_invocation_that_records_no_metric_warns_of_nothing() -> None:
    # A fresh interpreter, as in Lambda: pytest resets the warning filters a module sets on import.
    script = (
        "from tests.unit.conftest import FakeContext\n"
        "from payments.entrypoints import queries\n"
        f"print(queries.handler({UNKNOWN_ACTION!r}, FakeContext())['error']['code'])\n"
    )
    run = subprocess.run(
        [sys.executable, "-W", "default", "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "functions")])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.stdout.splitlines()[-1:] == ["unknown_action"], run.stderr
    assert "No application metrics" not in run.stderr
