"""Every `tools/` command answers a wrong function name, a missing event file or a cloud that is not up
with one line that says what to do, and an exit status, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tools import invoke, logs, stack
from tools.cloud import ROOT, Cloud, free_port

RESOURCES = {
    "IdentityFunction": {
        "PhysicalResourceId": "arhan-bank-IdentityFunction-1",
        "ResourceType": "AWS::Lambda::Function",
    },
    "PaymentsFunction": {
        "PhysicalResourceId": "arhan-bank-PaymentsFunction-2",
        "ResourceType": "AWS::Lambda::Function",
    },
    "UsersTable": {"PhysicalResourceId": "users", "ResourceType": "AWS::DynamoDB::Table"},
}


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'functions'}"}
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def down_port() -> int:
    """A port nothing listens on: a cloud that is not up."""
    return free_port()


@pytest.mark.parametrize(
    "command",
    [
        ("tools.invoke", "IdentityFunction", "events/identity/health.json"),
        ("tools.logs",),
        ("tools.logs", "--function", "IdentityFunction"),
        ("tools.watch",),
        ("tools.up", "--no-start"),
    ],
)
def test_a_cloud_that_is_not_up_is_one_line_that_says_make_up(
    command: tuple[str, ...], down_port: int
) -> None:
    result = run_tool(command[0], "--port", str(down_port), *command[1:])

    assert result.returncode == 1
    line = one_line(result)
    assert f"not running on port {down_port}" in line
    assert f"make up PORT={down_port}" in line


def test_a_missing_event_file_is_one_line_naming_the_examples(down_port: int) -> None:
    result = run_tool(
        "tools.invoke", "--port", str(down_port), "IdentityFunction", "events/identity/nope.json"
    )

    assert result.returncode == 1
    line = one_line(result)
    assert "events/identity/nope.json not found" in line
    assert "events/identity/health.json" in line  # an example that exists


def test_an_event_file_that_is_not_json_is_one_line(tmp_path: Path, down_port: int) -> None:
    event = tmp_path / "broken.json"
    event.write_text("{not json")

    result = run_tool("tools.invoke", "--port", str(down_port), "IdentityFunction", str(event))

    assert result.returncode == 1
    assert "is not JSON" in one_line(result)


def test_invoke_without_a_function_or_an_event_prints_its_usage() -> None:
    result = run_tool("tools.invoke", "", "")

    assert result.returncode == 2
    assert one_line(result) == invoke.USAGE


def test_a_wrong_function_name_is_one_line_listing_the_real_ones(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud = Cloud(port=1, state_dir=Path("/nonexistent"))
    monkeypatch.setattr(invoke, "running_cloud", lambda port: cloud)
    monkeypatch.setattr(stack, "stack_resources", lambda _: RESOURCES)

    code = invoke.main(["IdentityFuncton", "events/identity/health.json"])

    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err == "no function 'IdentityFuncton' in the bank: use one of IdentityFunction, PaymentsFunction"


def test_a_function_is_found_by_logical_id_or_by_deployed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    cloud = Cloud(port=1, state_dir=Path("/nonexistent"))
    monkeypatch.setattr(stack, "stack_resources", lambda _: RESOURCES)

    assert stack.function_name(cloud, "PaymentsFunction") == "arhan-bank-PaymentsFunction-2"
    assert stack.function_name(cloud, "arhan-bank-IdentityFunction-1") == "arhan-bank-IdentityFunction-1"
    with pytest.raises(stack.ToolError):
        stack.function_name(cloud, "UsersTable")  # a resource, but not a function


def test_logs_with_a_wrong_function_name_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class NoLogs:
        def get_paginator(self, name: str) -> Any:
            raise AssertionError("no log call before the function name is known")

    cloud = Cloud(port=1, state_dir=Path("/nonexistent"))
    monkeypatch.setattr(cloud, "client", lambda service: NoLogs())
    monkeypatch.setattr(logs, "running_cloud", lambda port: cloud)
    monkeypatch.setattr(stack, "stack_resources", lambda _: RESOURCES)

    assert logs.main(["--function", "Nope"]) == 1
    assert capsys.readouterr().err.startswith("no function 'Nope' in the bank: use one of IdentityFunction")


def test_a_cloud_without_the_bank_is_one_line_that_says_make_up() -> None:
    class NoStack:
        class exceptions:  # noqa: N801 - boto3's attribute name
            ClientError = RuntimeError

        def get_paginator(self, name: str) -> Any:
            class Pages:
                def paginate(self, **_: Any) -> Any:
                    raise RuntimeError("Stack with id arhan-bank does not exist")

            return Pages()

    cloud = Cloud(port=1, state_dir=Path("/nonexistent"))
    cloud.client = lambda service: NoStack()  # type: ignore[method-assign]

    with pytest.raises(
        stack.ToolError, match=r"the bank is not deployed on http://127.0.0.1:1 .*: run `make up`"
    ):
        stack.stack_resources(cloud)
