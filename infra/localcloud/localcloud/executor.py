"""The `process` Lambda runtime executor: Python functions run as local processes, no Docker.

Selected with LAMBDA_RUNTIME_EXECUTOR=process. Each LocalStack execution environment is one
`<python> bootstrap.py` process in its own session; bootstrap.py speaks LocalStack's runtime-init
protocol (see its docstring). The interpreter is chosen per function:
LAMBDA_PROCESS_PYTHON_MAPPING (a JSON object of glob -> python, matched against the function name
first, then the runtime), then LAMBDA_PROCESS_PYTHON, then LocalStack's own interpreter.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future, InvalidStateError
from pathlib import Path
from typing import Any

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.http import Response
from localstack.services.lambda_.invocation.docker_runtime_executor import HOT_RELOADING_ENV_VARIABLE
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint, StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import (
    FunctionVersion,
    HotReloadingCode,
    InvocationResult,
    S3Code,
)
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor
from werkzeug import Request

from localcloud.bootstrap import exit_error, exit_reason

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Host variables a Python process needs; LocalStack's own environment is not passed on.
HOST_VARIABLES = ("PATH", "LANG", "HOME", "TMPDIR", "SSL_CERT_FILE")
LOG_TAIL_BYTES = 64 * 1024


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "process"

    def load(self, *args: Any, **kwargs: Any) -> type[RuntimeExecutor]:
        return ProcessRuntimeExecutor


def choose_python(function_name: str, runtime: str) -> str:
    mapping = json.loads(os.environ.get("LAMBDA_PROCESS_PYTHON_MAPPING") or "{}")
    if not isinstance(mapping, dict):
        raise LambdaRuntimeException("LAMBDA_PROCESS_PYTHON_MAPPING must be a JSON object of glob -> python")
    for subject in (function_name, runtime):
        for pattern, python in mapping.items():
            if fnmatch.fnmatchcase(subject, pattern):
                return str(python)
    return os.environ.get("LAMBDA_PROCESS_PYTHON") or sys.executable


def gateway_host() -> str:
    """LocalStack's address as seen from a local process: an IP, so boto3 needs no DNS for S3."""
    host = config.GATEWAY_LISTEN[0].host
    wildcard = ("", "0.0.0.0", "::", "[::]")  # noqa: S104 - comparing, not binding
    return "127.0.0.1" if host in wildcard else host


def set_future(
    future: Future[Any] | None, *, result: Any = None, exception: BaseException | None = None
) -> None:
    """Complete a future unless it is already done (a callback may have won the race)."""
    if future is None or future.done():
        return
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


class ProcessExecutorEndpoint(ExecutorEndpoint):
    """The stock endpoint, except that the runtime reports the port it bound in its ready call."""

    def status_ready(self, request: Request, executor_id: str) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("port"), int):
            return Response("ready needs a JSON body {'port': N}", status=400)
        self.container_port = body["port"]
        set_future(self.startup_future, result=True)
        return Response(status=202)

    def status_error(self, request: Request, executor_id: str) -> Response:
        LOG.warning(
            "Execution environment %s failed to start: %s", executor_id, request.get_data(as_text=True)
        )
        set_future(
            self.startup_future, exception=StatusErrorException("Environment startup failed", request.data)
        )
        return Response(status=202)


class ProcessRuntimeExecutor(RuntimeExecutor):
    """One execution environment: a bootstrap.py process, respawned on the next invoke if it died."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.endpoint = ProcessExecutorEndpoint(id, container_address="127.0.0.1", container_port=None)
        self.log_path = (
            Path(config.dirs.tmp) / "lambda-process" / f"{function_version.id.function_name}-{id}.log"
        )
        self._env: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._invoke_id = ""
        self._log_offset = 0

    # Lifecycle

    def start(self, env_vars: dict[str, str]) -> None:
        self._env = self._process_env(env_vars)
        with self._lock:
            self.endpoint.start()
            self._spawn()
        self.endpoint.wait_for_startup()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            process = self._process
        if process is not None:
            _kill_session(process)
        try:
            self.endpoint.shutdown()
        except Exception as exc:  # never started, or already unregistered
            LOG.debug("Error shutting down endpoint of environment %s: %s", self.id, exc)

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        self._invoke_id = payload["invoke-id"]
        self._ensure_running()
        self._log_offset = self._log_size()
        return self.endpoint.invoke(payload)

    def _ensure_running(self) -> None:
        """Respawn a runtime that exited (sys.exit, crash): AWS re-inits after such an exit."""
        with self._lock:
            if self._stopped:
                raise LambdaRuntimeException(f"Execution environment {self.id} is stopped")
            if self._process is not None and self._process.poll() is None:
                return
            LOG.debug("Respawning the runtime of environment %s", self.id)
            self.endpoint.start()
            self._spawn()
        assert self.endpoint.startup_future is not None
        try:
            self.endpoint.startup_future.result(timeout=config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)
        except TimeoutError:
            self.stop()
            raise LambdaRuntimeException(
                f"Runtime of environment {self.id} did not become ready again"
            ) from None

    def _spawn(self) -> None:
        code_dir = self._code_dir()
        python = choose_python(
            self.function_version.id.function_name, self.function_version.config.runtime or ""
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [python, str(BOOTSTRAP)],
                cwd=code_dir,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so stop() also ends whatever the handler spawned.
                start_new_session=True,
            )
        LOG.debug("Environment %s runs %s %s as pid %s", self.id, python, BOOTSTRAP, self._process.pid)
        threading.Thread(
            target=self._watch, args=(self._process,), name=f"lambda-process-{self.id}", daemon=True
        ).start()

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """Fail fast when the runtime dies, instead of letting LocalStack wait for a ready or result."""
        returncode = process.wait()
        with self._lock:
            if self._stopped or process is not self._process:
                return
        error = exit_error(self._invoke_id, returncode)
        startup = self.endpoint.startup_future
        if startup is not None and not startup.done():
            message = f"{exit_reason(returncode)} before it was ready; log tail:\n{self.get_logs()}"
            set_future(startup, exception=StatusErrorException(message, payload=json.dumps(error).encode()))
            return
        logs = self.endpoint.logs
        if logs is None:  # died without reporting (killed, os._exit): what it wrote since the invoke
            logs = self._log_since(self._log_offset) + f"{error['errorMessage']}\nRuntime.ExitError\n"
        result = InvocationResult(self._invoke_id, json.dumps(error).encode(), is_error=True, logs=logs)
        set_future(self.endpoint.invocation_future, result=result)

    # Configuration

    def _code_dir(self) -> Path:
        return Path(code_of(self.function_version).get_unzipped_code_location())

    def _process_env(self, env_vars: dict[str, Any]) -> dict[str, str]:
        env = {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
        # LocalStack hands over some values as ints.
        env.update({name: str(value) for name, value in env_vars.items()})
        code_dir = str(self._code_dir())
        env["LAMBDA_TASK_ROOT"] = code_dir
        if code_of(self.function_version).is_hot_reloading():
            env[HOT_RELOADING_ENV_VARIABLE] = code_dir
        return env

    # Logs

    def get_logs(self) -> str:
        return self._log_since(max(0, self._log_size() - LOG_TAIL_BYTES))

    def _log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    # Addresses

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return gateway_host()

    def get_runtime_endpoint(self) -> str:
        port = config.GATEWAY_LISTEN[0].port
        return f"http://{gateway_host()}:{port}{self.endpoint.get_endpoint_prefix()}"

    # Versions

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Reject what cannot run as a local Python process, loudly, when the function is created."""
        fn = function_version.config
        name = function_version.id.function_name
        if fn.package_type != PackageType.Zip or not (fn.runtime or "").startswith("python"):
            raise LambdaRuntimeException(
                f"The process executor runs zip-packaged Python functions only; {name} is "
                f"{fn.package_type} {fn.runtime or 'without a runtime'}"
            )
        python = choose_python(name, fn.runtime or "")
        if not os.access(python, os.X_OK):
            raise LambdaRuntimeException(f"Python interpreter {python} for {name} is not executable")
        code = code_of(function_version)
        code.prepare_for_execution()
        if not Path(code.get_unzipped_code_location()).is_dir():
            raise LambdaRuntimeException(
                f"Code folder {code.get_unzipped_code_location()} of {name} is missing"
            )

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing to undo: prepare_version only unzips code, which LocalStack itself cleans up."""


def code_of(function_version: FunctionVersion) -> S3Code | HotReloadingCode:
    code = function_version.config.code
    if code is None:
        raise LambdaRuntimeException(f"{function_version.id.function_name} has no zip code")
    return code


def _kill_session(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)
