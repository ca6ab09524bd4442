"""The `process` Lambda executor and its runtime (localcloud.executor, localcloud.bootstrap), end to end.

Every test deploys real functions (python3.13 zips built in memory) to the shared LocalStack and
invokes them through boto3, as the bank's code and tests do.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.config import Config

from tools.cloud import FUNCTION_PYTHON, REGION, Cloud

pytestmark = pytest.mark.localcloud

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

CONTEXT_APP = """
import json, logging, os, sys
from decimal import Decimal

def handler(event, context):
    print("event", json.dumps(event))
    logging.getLogger().warning("warned %s", event.get("tag"))
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "name": context.function_name,
        "version": context.function_version,
        "memory": context.memory_limit_in_mb,
        "log_group": context.log_group_name,
        "log_stream": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "python": sys.executable,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "decimals": [Decimal("2"), Decimal("1.5")],
        "text": "Zürich €",
    }
"""

# Appends one line per run to the file named in the event, then ends as the event says.
RUNS_APP = """
import os, sys, time, uuid

INIT = uuid.uuid4().hex

def handler(event, context):
    if "log" in event:
        with open(event["log"], "a") as log:
            log.write(f"{event['n']}\\n")
    mode = event.get("mode", "ok")
    if mode == "exit":
        sys.exit(3)
    if mode == "raise":
        raise ValueError(f"boom {event.get('n')}")
    if mode == "sleep":
        time.sleep(event["seconds"])
    return {"pid": os.getpid(), "init": INIT, "environment": context.log_stream_name}
"""

Deploy = Callable[..., str]


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


def wait_until_updated(lam: Any, name: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        config: dict[str, Any] = lam.get_function_configuration(FunctionName=name)
        if config["State"] != "Pending" and config.get("LastUpdateStatus") != "InProgress":
            return config
        time.sleep(0.05)
    raise AssertionError(f"{name} still pending after {timeout}s")


def invoke(
    lam: Any, name: str, event: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[dict[str, Any], Any]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), **kwargs)
    return response, json.loads(response["Payload"].read())


def tail(response: dict[str, Any]) -> str:
    return base64.b64decode(response["LogResult"]).decode()


@pytest.fixture(scope="module")
def lam(cloud: Cloud) -> Any:
    return cloud.client("lambda")


def create_function(
    lam: Any,
    files: dict[str, str] | None = None,
    *,
    handler: str = "app.handler",
    timeout: int = 10,
    code: dict[str, Any] | None = None,
) -> str:
    """Creates a python3.13 function (zip files or an explicit Code) and waits until it is Active."""
    name = f"exec-{uuid.uuid4().hex[:10]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE,
        Handler=handler,
        Code=code or {"ZipFile": zipped(files or {})},
        Timeout=timeout,
    )
    config = wait_until_updated(lam, name)
    assert config["State"] == "Active", config.get("StateReason")
    return name


@pytest.fixture
def deploy(lam: Any) -> Iterator[Deploy]:
    """Creates functions and deletes them, with their processes, after."""
    created: list[str] = []

    def make(files: dict[str, str] | None = None, **options: Any) -> str:
        created.append(create_function(lam, files, **options))
        return created[-1]

    yield make
    for name in created:
        lam.delete_function(FunctionName=name)


@pytest.fixture(scope="module")
def context_function(lam: Any) -> Iterator[str]:
    name = create_function(lam, {"app.py": CONTEXT_APP})
    yield name
    lam.delete_function(FunctionName=name)


def test_invoke_returns_result_and_aws_context(lam: Any, cloud: Cloud, context_function: str) -> None:
    response, result = invoke(lam, context_function, {"tag": "ctx", "n": 1})

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert result["event"] == {"tag": "ctx", "n": 1}
    assert result["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert result["arn"].endswith(f":function:{context_function}")
    assert result["name"] == context_function
    assert result["version"] == "$LATEST"
    assert result["memory"] == "128"
    assert result["log_group"] == f"/aws/lambda/{context_function}"
    assert "[$LATEST]" in result["log_stream"]
    assert 9000 < result["remaining_ms"] <= 10000
    assert result["decimals"] == [2, 1.5]
    assert result["text"] == "Zürich €"


def test_function_runs_in_function_venv_with_a_clean_environment(
    lam: Any, cloud: Cloud, context_function: str
) -> None:
    _, result = invoke(lam, context_function)
    env = result["env"]

    assert result["python"] == str(FUNCTION_PYTHON)
    assert result["cwd"] == env["LAMBDA_TASK_ROOT"]
    assert (Path(env["LAMBDA_TASK_ROOT"]) / "app.py").is_file()
    assert env["AWS_ENDPOINT_URL"] == cloud.url
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == context_function
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=")
    # Neither LocalStack's own settings nor the runtime protocol's variables leak into the function.
    assert "PROVIDER_OVERRIDE_DYNAMODB" not in env
    assert "GATEWAY_LISTEN" not in env
    assert not [key for key in env if key.startswith("LOCALSTACK_RUNTIME") or key.startswith("LOCALCLOUD")]


def test_tail_log_has_start_output_end_and_report(lam: Any, context_function: str) -> None:
    response, _ = invoke(lam, context_function, {"tag": "tailed"}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    logs = tail(response)

    assert f"START RequestId: {request_id} Version: $LATEST" in logs
    assert 'event {"tag": "tailed"}' in logs
    assert re.search(rf"\[WARNING\]\t\S+Z\t{request_id}\twarned tailed", logs)
    assert f"END RequestId: {request_id}" in logs
    report = re.search(
        rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\t.*Max Memory Used: (\d+) MB", logs
    )
    assert report and int(report.group(1)) > 0
    assert logs.index("START") < logs.index("event") < logs.index("END") < logs.index("REPORT")


def test_first_invoke_reports_init_duration_and_later_ones_do_not(lam: Any, deploy: Deploy) -> None:
    name = deploy({"app.py": RUNS_APP})

    first, _ = invoke(lam, name, LogType="Tail")
    second, _ = invoke(lam, name, LogType="Tail")

    assert "Init Duration:" in tail(first)
    assert "Init Duration:" not in tail(second)


def test_logs_reach_cloudwatch_logs(cloud: Cloud, lam: Any, context_function: str) -> None:
    marker = uuid.uuid4().hex
    invoke(lam, context_function, {"tag": marker})
    logs = cloud.client("logs")

    deadline = time.monotonic() + 15
    events: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not events:
        found = logs.filter_log_events(logGroupName=f"/aws/lambda/{context_function}", filterPattern=marker)
        events = found["events"]
        time.sleep(0.2)

    assert events, "the invocation's output never reached CloudWatch Logs"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", events[0]["logStreamName"])


def test_raised_exception_is_an_unhandled_function_error(lam: Any, deploy: Deploy) -> None:
    name = deploy({"app.py": RUNS_APP})

    response, error = invoke(lam, name, {"mode": "raise", "n": 7}, LogType="Tail")

    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "boom 7"
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert any("app.py" in frame and "in handler" in frame for frame in error["stackTrace"])
    assert not any("bootstrap.py" in frame for frame in error["stackTrace"])
    assert "[ERROR] ValueError: boom 7\nTraceback (most recent call last):" in tail(response)


def test_result_that_is_not_json_is_a_marshal_error(lam: Any, deploy: Deploy) -> None:
    name = deploy({"app.py": "def handler(event, context):\n    return {1, 2}\n"})

    response, error = invoke(lam, name)

    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.MarshalError"
    assert "Object of type set is not JSON serializable" in error["errorMessage"]


def test_timeout_is_reported_like_aws_and_the_next_invoke_gets_a_fresh_runtime(
    cloud: Cloud, deploy: Deploy
) -> None:
    # No client retries: a stuck runtime must fail this test, not be hidden by a retry elsewhere.
    lam = boto3.session.Session().client(
        "lambda",
        endpoint_url=cloud.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=20),
    )
    name = deploy({"app.py": RUNS_APP}, timeout=1)
    _, before = invoke(lam, name)

    response, error = invoke(lam, name, {"mode": "sleep", "seconds": 30}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]

    assert response["FunctionError"] == "Unhandled"
    assert re.fullmatch(rf"\S+Z {request_id} Task timed out after 1\.00 seconds", error["errorMessage"])
    assert "Status: timeout" in tail(response)
    after_response, after = invoke(lam, name)
    assert "FunctionError" not in after_response
    assert after["environment"] == before["environment"], "the environment was not reused"
    assert after["init"] != before["init"], "the timed-out runtime was not replaced"


class InitCase(NamedTuple):
    files: dict[str, str]
    handler: str
    error_type: str
    message: str


INIT_CASES = {
    "missing-dependency": InitCase(
        {"app.py": "import not_a_real_package\n"},
        "app.handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'app': No module named 'not_a_real_package'",
    ),
    "missing-module": InitCase(
        {"app.py": RUNS_APP},
        "missing.handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'missing'",
    ),
    "syntax": InitCase(
        {"app.py": "def handler(event, context)\n    return 1\n"},
        "app.handler",
        "Runtime.UserCodeSyntaxError",
        "Syntax error in module 'app'",
    ),
    "no-handler": InitCase(
        {"app.py": RUNS_APP},
        "app.nothere",
        "Runtime.HandlerNotFound",
        "Handler 'nothere' missing on module 'app'",
    ),
    "malformed": InitCase({"app.py": RUNS_APP}, "app", "Runtime.MalformedHandlerName", "Bad handler 'app'"),
    "raises": InitCase(
        {"app.py": "raise RuntimeError('bad config')\n"}, "app.handler", "RuntimeError", "bad config"
    ),
    "exits": InitCase(
        {"app.py": "import os\nos._exit(2)\n"},
        "app.handler",
        "Runtime.ExitError",
        "Runtime exited with error: exit status 2",
    ),
}


@pytest.mark.parametrize("case", INIT_CASES.values(), ids=INIT_CASES.keys())
def test_init_failures_are_function_errors(lam: Any, deploy: Deploy, case: InitCase) -> None:
    name = deploy(case.files, handler=case.handler)

    response, error = invoke(lam, name)

    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == case.error_type
    assert case.message in error["errorMessage"]


def test_sys_exit_is_an_exit_error_and_the_next_invoke_respawns(lam: Any, deploy: Deploy) -> None:
    name = deploy({"app.py": RUNS_APP})
    _, before = invoke(lam, name)

    response, error = invoke(lam, name, {"mode": "exit"}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]

    assert response["FunctionError"] == "Unhandled"
    assert error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
    }
    assert "Runtime.ExitError" in tail(response)
    after_response, after = invoke(lam, name)
    assert "FunctionError" not in after_response
    assert after["pid"] != before["pid"]


def test_each_invoke_runs_the_handler_exactly_once(lam: Any, deploy: Deploy, tmp_path: Path) -> None:
    """Even when the handler kills its process mid-invoke, nothing (LocalStack, boto3) runs it again."""
    name = deploy({"app.py": RUNS_APP})
    log = tmp_path / "runs.txt"
    modes = ["ok", "exit", "ok", "raise", "exit", "exit", "ok"]

    outcomes = [invoke(lam, name, {"log": str(log), "n": n, "mode": mode})[0] for n, mode in enumerate(modes)]

    assert log.read_text().splitlines() == [str(n) for n in range(len(modes))]
    assert [response.get("FunctionError") for response in outcomes] == [
        None if mode == "ok" else "Unhandled" for mode in modes
    ]


def test_update_function_code_takes_effect(lam: Any, deploy: Deploy) -> None:
    name = deploy({"app.py": "def handler(event, context):\n    return 'v1'\n"})
    assert invoke(lam, name)[1] == "v1"

    lam.update_function_code(
        FunctionName=name, ZipFile=zipped({"app.py": "def handler(e, c):\n    return 'v2'\n"})
    )
    wait_until_updated(lam, name)

    assert invoke(lam, name)[1] == "v2"


def test_concurrent_invokes_run_in_parallel_environments(cloud: Cloud, deploy: Deploy) -> None:
    name = deploy({"app.py": RUNS_APP})

    def call(_: int) -> tuple[dict[str, Any], Any]:
        return invoke(cloud.client("lambda"), name, {"mode": "sleep", "seconds": 0.5})

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(call, range(4)))

    assert all("FunctionError" not in response for response, _ in results)
    assert len({result["pid"] for _, result in results}) > 1


def test_hot_reload_bucket_runs_the_folder_in_place_and_picks_up_edits(
    lam: Any, deploy: Deploy, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(
        "from helper import VALUE\n\ndef handler(event, context):\n    return VALUE\n"
    )
    helper = source / "helper.py"
    helper.write_text("VALUE = 'before'\n")
    name = deploy(code={"S3Bucket": "hot-reload", "S3Key": str(source)})
    assert invoke(lam, name)[1] == "before"

    # A module the handler imports, not the handler itself: everything under the folder is reloaded.
    helper.write_text("VALUE = 'after the edit'\n")
    deadline = time.monotonic() + 10
    result = "before"
    while time.monotonic() < deadline and result == "before":
        result = invoke(lam, name)[1]
        time.sleep(0.2)

    assert result == "after the edit"


def test_non_python_functions_are_rejected_at_creation(lam: Any) -> None:
    # Not through `deploy`: LocalStack cannot delete a function whose version failed to start.
    name = f"exec-node-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": zipped({"index.js": "exports.handler = async () => 1;"})},
    )

    config = wait_until_updated(lam, name)

    assert config["State"] == "Failed"
    assert "Python functions only" in config["StateReason"]


def test_unknown_executor_makes_localstack_refuse_to_start(fresh_cloud_factory: Callable[[], Cloud]) -> None:
    cloud = fresh_cloud_factory()

    with pytest.raises(RuntimeError, match="exited early") as failure:
        cloud.start(extra_env={"LAMBDA_RUNTIME_EXECUTOR": "no-such-executor"}, timeout=60)

    assert "LAMBDA_RUNTIME_EXECUTOR='no-such-executor' cannot be used" in str(failure.value)
    assert "no executor plugin of that name is installed" in str(failure.value)
    assert cloud.process is not None and cloud.process.returncode == 1


def test_environments_per_function_are_capped_and_extra_invokes_wait(
    fresh_cloud_factory: Callable[[], Cloud],
) -> None:
    # Given a cloud that allows 2 environments per function and a function that sleeps 0.5 s
    cloud = fresh_cloud_factory()
    cloud.start(extra_env={"LAMBDA_PROCESS_MAX_ENVIRONMENTS": "2"})
    lam = cloud.client("lambda")
    name = create_function(lam, {"app.py": RUNS_APP})

    # When 6 clients invoke it at once
    def call(_: int) -> tuple[dict[str, Any], Any]:
        return invoke(lam, name, {"mode": "sleep", "seconds": 0.5})

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(call, range(6)))
    elapsed = time.monotonic() - started

    # Then every invoke succeeds, in exactly 2 environments, the extra ones having waited their turn
    assert all("FunctionError" not in response for response, _ in results)
    assert len({result["environment"] for _, result in results}) == 2
    assert elapsed >= 1.5


def test_a_cap_that_is_not_a_positive_number_makes_localstack_refuse_to_start(
    fresh_cloud_factory: Callable[[], Cloud],
) -> None:
    cloud = fresh_cloud_factory()

    with pytest.raises(RuntimeError, match="exited early") as failure:
        cloud.start(extra_env={"LAMBDA_PROCESS_MAX_ENVIRONMENTS": "0"}, timeout=60)

    assert "LAMBDA_PROCESS_MAX_ENVIRONMENTS must be a whole number" in str(failure.value)
