"""A Python Lambda runtime for LocalStack's `process` executor: one execution environment per process.

Run as `<python> bootstrap.py` by `localcloud.executor`, with the code folder as cwd and
LAMBDA_TASK_ROOT. It speaks the protocol LocalStack's Go runtime-init speaks to LocalStack:

- binds 127.0.0.1:0, imports the handler (init), then POSTs `{"port": N}` to `.../status/<id>/ready`,
  or the init error to `.../status/<id>/error` and exits;
- accepts `POST /invoke` (one at a time, on the main thread) and answers 200 *before* the handler
  runs, so that a handler killing the process cannot make LocalStack, and then boto3, retry it;
- POSTs the invocation's logs, then the result to `.../invocations/<id>/response` (or `/error`).

Standard library only, so that it runs in whatever interpreter the function is mapped to.
`localcloud.executor` imports `exit_error`/`exit_reason` from here, so keep the module import-safe.
"""

from __future__ import annotations

import contextlib
import decimal
import http.client
import importlib
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

# Set when the runtime re-executes itself after a timeout: the inherited listening socket's fd.
LISTEN_FD_ENV = "LOCALCLOUD_LISTEN_FD"
# LocalStack-internal variables the Go runtime-init unsets before starting the runtime.
INTERNAL_ENV = (
    "LOCALSTACK_RUNTIME_ENDPOINT",
    "LOCALSTACK_RUNTIME_ID",
    "LOCALSTACK_HOT_RELOADING_PATHS",
    "LOCALSTACK_FUNCTION_ACCOUNT_ID",
    "LOCALSTACK_INIT_LOG_LEVEL",
    "LOCALSTACK_POST_INVOKE_WAIT_MS",
    "LOCALSTACK_MAX_PAYLOAD_SIZE",
    "LOCALSTACK_CHMOD_PATHS",
    "LOCALSTACK_USER",
    LISTEN_FD_ENV,
)
HOT_RELOAD_POLL_SECONDS = 1.0


def exit_reason(returncode: int) -> str:
    """How AWS words a runtime process exit (Go's exec error text for signals)."""
    if returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode < 0:
        return f"Runtime exited with error: signal: {signal.strsignal(-returncode) or -returncode}".lower()
    return f"Runtime exited with error: exit status {returncode}"


def exit_error(request_id: str, returncode: int) -> dict[str, str]:
    """The function error AWS returns when the runtime process dies."""
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: {exit_reason(returncode)}",
    }


def make_error(
    error_type: str, message: str, request_id: str = "", stack: list[str] | None = None
) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack or [],
    }


def error_from_exception(exc: BaseException, request_id: str) -> dict[str, Any]:
    """AWS's error JSON for an exception raised by user code, without this file's frames."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename != __file__]
    return make_error(type(exc).__name__, str(exc), request_id, traceback.format_list(frames))


def error_log_text(error: dict[str, Any]) -> str:
    """The `[ERROR] Type: message` + traceback block the AWS Python runtime logs for an error."""
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(line for element in error["stackTrace"] for line in element.splitlines())
    return "\n".join(lines) + "\n"


def note(text: str) -> None:
    """A runtime problem: into the environment's log file, not into any invocation's logs."""
    os.write(2, f"bootstrap: {text}\n".encode())


class InitError(Exception):
    """The handler could not be loaded; carries the AWS error JSON."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error["errorMessage"])
        self.error = error


def load_handler(handler: str) -> Callable[[Any, Any], Any]:
    """Import `module.function` the way the AWS Python runtime does, with its init error types."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        message = f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)"
        raise InitError(make_error("Runtime.MalformedHandlerName", message))
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise InitError(
            make_error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}")
        ) from None
    except SyntaxError as exc:
        stack = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        message = f"Syntax error in module '{module_name}': {exc}"
        raise InitError(make_error("Runtime.UserCodeSyntaxError", message, stack=stack)) from None
    except Exception as exc:
        raise InitError(error_from_exception(exc, "")) from exc
    function = getattr(module, function_name, None)
    if function is None:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        raise InitError(make_error("Runtime.HandlerNotFound", message))
    return function  # type: ignore[no-any-return]


class LogCapture:
    """Collects everything the function writes (stdout, stderr, logging) for the current invocation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self.request_id = ""

    def append(self, text: str) -> None:
        with self._lock:
            self._parts.append(text)

    def take(self) -> str:
        with self._lock:
            text, self._parts = "".join(self._parts), []
        return text


class Tee:
    """Replaces sys.stdout/sys.stderr: writes through to the environment's log file and the capture."""

    def __init__(self, stream: Any, capture: LogCapture) -> None:
        self._stream = stream
        self._capture = capture

    def write(self, text: str) -> int:
        self._stream.write(text)
        # Flushed at once, so the executor's log tail is current when the process dies.
        self._stream.flush()
        self._capture.append(text)
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        # fileno, encoding, buffer, isatty...: behave like the real stream.
        return getattr(self._stream, name)


class AwsLogFormatter(logging.Formatter):
    """`[LEVEL]\\t<ISO time>Z\\t<request id>\\t<message>`, the AWS Python runtime's text format."""

    def __init__(self, capture: LogCapture) -> None:
        super().__init__()
        self._capture = capture

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        text = f"[{record.levelname}]\t{stamp}Z\t{self._capture.request_id}\t{record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class LocalStack:
    """The callback side of the protocol: LOCALSTACK_RUNTIME_ENDPOINT routes."""

    def __init__(self, endpoint: str, runtime_id: str) -> None:
        url = urllib.parse.urlsplit(endpoint)
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port or 80
        self._prefix = url.path.rstrip("/")
        self._runtime_id = runtime_id

    def post(self, path: str, body: bytes) -> None:
        # A fresh connection per call: loopback connects are cheap, and it avoids stale keep-alives.
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
        try:
            connection.request("POST", self._prefix + path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                note(f"POST {path} answered {response.status}")
        finally:
            connection.close()

    def ready(self, port: int) -> None:
        self.post(f"/status/{self._runtime_id}/ready", json.dumps({"port": port}).encode())

    def init_error(self, error: dict[str, Any]) -> None:
        self.post(f"/status/{self._runtime_id}/error", json.dumps(error).encode())

    def logs(self, request_id: str, logs: str) -> None:
        self.post(f"/invocations/{request_id}/logs", json.dumps({"logs": logs}).encode())

    def result(self, request_id: str, logs: str, body: bytes, is_error: bool) -> None:
        # Logs first: LocalStack attaches the logs it holds when the result arrives.
        self.logs(request_id, logs)
        self.post(f"/invocations/{request_id}/{'error' if is_error else 'response'}", body)


class CodeWatcher(threading.Thread):
    """Polls the mtimes of the .py files under the hot-reloading paths; `changed` is set on any change."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__(name="hot-reload", daemon=True)
        self.paths = paths
        self.changed = threading.Event()
        self._snapshot = self._scan()

    def _scan(self) -> dict[str, int]:
        mtimes = {}
        for root in self.paths:
            for folder, subfolders, files in os.walk(root):
                subfolders[:] = [name for name in subfolders if name != "__pycache__"]
                for name in files:
                    if name.endswith(".py"):
                        path = os.path.join(folder, name)
                        with contextlib.suppress(FileNotFoundError):
                            mtimes[path] = os.stat(path).st_mtime_ns
        return mtimes

    def run(self) -> None:
        while True:
            time.sleep(HOT_RELOAD_POLL_SECONDS)
            snapshot = self._scan()
            if snapshot != self._snapshot:
                self._snapshot = snapshot
                self.changed.set()

    def purge_modules(self) -> None:
        """Forget every module loaded from the watched paths, so the next import re-reads them."""
        roots = tuple(os.path.realpath(path) + os.sep for path in self.paths)
        for name, module in list(sys.modules.items()):
            filename = getattr(module, "__file__", None)
            if filename and os.path.realpath(filename).startswith(roots):
                del sys.modules[name]
        importlib.invalidate_caches()


class CognitoIdentity:
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


class LambdaContext:
    """The `context` argument, with the attributes and methods of the AWS Python runtime's."""

    def __init__(self, request_id: str, invoked_arn: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = CognitoIdentity()
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def log(self, message: str) -> None:
        sys.stdout.write(message)


class Invocation:
    """One invoke; the handler's thread and the timeout watchdog race to `claim` reporting it."""

    def __init__(self, request: dict[str, Any], timeout: int) -> None:
        self.request_id: str = request["invoke-id"]
        self.invoked_arn: str = request.get("invoked-function-arn", "")
        self.payload: str = request.get("payload") or "{}"
        self.trace_id: str = request.get("trace-id", "")
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self._claimed = False
        self._lock = threading.Lock()

    def claim(self) -> bool:
        with self._lock:
            claimed, self._claimed = self._claimed, True
        return not claimed

    def duration_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000


def max_memory_mb() -> int:
    """Peak RSS of this process. VmHWM, because ru_maxrss survives fork+exec from LocalStack."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return math.ceil(int(line.split()[1]) / 1024)
    except OSError:
        pass
    import resource  # not on /proc systems (macOS), where ru_maxrss is in bytes

    return math.ceil(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024)


def json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class Runtime:
    def __init__(self, listener: socket.socket, exec_env: dict[str, str], capture: LogCapture) -> None:
        self.listener = listener
        self.exec_env = exec_env
        self.capture = capture
        self.localstack = LocalStack(
            exec_env["LOCALSTACK_RUNTIME_ENDPOINT"], exec_env["LOCALSTACK_RUNTIME_ID"]
        )
        self.handler_name = exec_env.get("_HANDLER", "")
        self.timeout = int(exec_env.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
        self.memory_size = exec_env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.version = exec_env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.handler: Callable[[Any, Any], Any] | None = None
        self.init_duration_ms: float | None = None
        paths = [path for path in exec_env.get("LOCALSTACK_HOT_RELOADING_PATHS", "").split(",") if path]
        self.watcher = CodeWatcher(paths) if paths else None

    def init(self) -> None:
        """Load the handler; raises InitError."""
        started = time.monotonic()
        self.handler = load_handler(self.handler_name)
        self.init_duration_ms = (time.monotonic() - started) * 1000

    def serve(self) -> NoReturn:
        if self.watcher:
            self.watcher.start()
        threading.Thread(target=exit_when_orphaned, args=(os.getppid(),), name="orphan", daemon=True).start()
        while True:
            connection, _ = self.listener.accept()
            try:
                with connection, connection.makefile("rb") as reader:
                    request = receive_invoke(connection, reader)
            except (OSError, ValueError) as exc:  # a broken request must not end the runtime
                note(f"bad invoke request: {exc!r}")
                continue
            if request is not None:
                self.invoke(Invocation(request, self.timeout))

    def invoke(self, invocation: Invocation) -> None:
        self.capture.request_id = invocation.request_id
        os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
        print(f"START RequestId: {invocation.request_id} Version: {self.version}")
        watchdog = threading.Timer(invocation.deadline - time.monotonic(), self.time_out, (invocation,))
        watchdog.daemon = True
        watchdog.start()
        try:
            body, is_error = self.run_handler(invocation)
        except BaseException as exc:  # SystemExit and friends: the process ends, as on AWS
            watchdog.cancel()
            self.exit(invocation, exc)
        watchdog.cancel()
        self.report(invocation, body, is_error)

    def run_handler(self, invocation: Invocation) -> tuple[bytes, bool]:
        """Returns the result body and whether it goes to /error. Only non-Exception errors escape."""
        try:
            self.reload_if_changed()
            if self.handler is None:
                self.init()
            assert self.handler is not None
            event = json.loads(invocation.payload)
            context = LambdaContext(invocation.request_id, invocation.invoked_arn, invocation.deadline)
            result = self.handler(event, context)
        except InitError as exc:
            error = dict(exc.error, requestId=invocation.request_id)
            sys.stdout.write(error_log_text(error))
            return json.dumps(error).encode(), True
        except Exception as exc:
            error = error_from_exception(exc, invocation.request_id)
            sys.stdout.write(error_log_text(error))
            return json.dumps(error).encode(), True
        try:
            body = json.dumps(result, default=json_default, ensure_ascii=False).encode()
        except (TypeError, ValueError, OverflowError) as exc:
            error = make_error(
                "Runtime.MarshalError", f"Unable to marshal response: {exc}", invocation.request_id
            )
            sys.stdout.write(error_log_text(error))
            return json.dumps(error).encode(), True
        # As the reference runtime-init does: an object with errorType is reported as an error.
        return body, isinstance(result, dict) and "errorType" in result

    def reload_if_changed(self) -> None:
        if self.watcher and self.watcher.changed.is_set():
            self.watcher.changed.clear()
            self.watcher.purge_modules()
            self.handler = None

    def end_lines(self, invocation: Invocation, status: str = "", error_type: str = "") -> str:
        duration = min(invocation.duration_ms(), self.timeout * 1000)
        report = (
            f"REPORT RequestId: {invocation.request_id}\tDuration: {duration:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration)} ms\tMemory Size: {self.memory_size} MB\t"
            f"Max Memory Used: {max_memory_mb()} MB\t"
        )
        if self.init_duration_ms is not None:
            report += f"Init Duration: {self.init_duration_ms:.2f} ms\t"
            self.init_duration_ms = None
        if status:
            report += f"Status: {status}" + (f"\tError Type: {error_type}" if error_type else "")
        return f"END RequestId: {invocation.request_id}\n{report}\n"

    def report(self, invocation: Invocation, body: bytes, is_error: bool) -> None:
        if not invocation.claim():
            # The watchdog reported a timeout and is replacing this process.
            threading.Event().wait()
        sys.stdout.write(self.end_lines(invocation))
        self.localstack.result(invocation.request_id, self.capture.take(), body, is_error)

    def time_out(self, invocation: Invocation) -> None:
        """Watchdog thread: report the timeout as the Go runtime-init words it, then start afresh."""
        if not invocation.claim():
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = f"{stamp} {invocation.request_id} Task timed out after {self.timeout}.00 seconds"
        sys.stdout.write(f"{message}\n" + self.end_lines(invocation, status="timeout"))
        body = json.dumps({"errorMessage": message}).encode()
        try:
            self.localstack.result(invocation.request_id, self.capture.take(), body, is_error=True)
        finally:
            self.reexec()

    def reexec(self) -> NoReturn:
        """Replace this process (same pid, same listening socket) with a fresh runtime.

        Invokes that arrive meanwhile wait in the socket's backlog, so none is lost or refused.
        """
        sys.stdout.flush()
        sys.stderr.flush()
        fd = self.listener.fileno()
        os.set_inheritable(fd, True)
        env = dict(self.exec_env, **{LISTEN_FD_ENV: str(fd)})
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)], env)  # noqa: S606

    def exit(self, invocation: Invocation, exc: BaseException) -> NoReturn:
        """The handler ended the process (sys.exit...): log as AWS does, then really exit.

        The executor notices the exit and reports Runtime.ExitError itself, after the process is
        gone, so the next invoke can never reach this dying process.
        """
        if not invocation.claim():
            threading.Event().wait()
        returncode = exit_code(exc)
        sys.stdout.write(
            f"RequestId: {invocation.request_id} Error: {exit_reason(returncode)}\nRuntime.ExitError\n"
            + self.end_lines(invocation, status="error", error_type="Runtime.ExitError")
        )
        self.localstack.logs(invocation.request_id, self.capture.take())
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(returncode)


def exit_code(exc: BaseException) -> int:
    """The status Python itself would exit with for this uncaught exception."""
    if not isinstance(exc, SystemExit):
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        return 1
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def exit_when_orphaned(parent: int) -> None:
    """Do not outlive LocalStack if it dies without stopping its environments (e.g. SIGKILL)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def receive_invoke(connection: socket.socket, reader: Any) -> dict[str, Any] | None:
    """Read one HTTP request and acknowledge it with 200 before anything else happens."""
    connection.settimeout(30)
    request_line = reader.readline().split()
    length = 0
    while True:
        line = reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = reader.read(length)
    if request_line[:2] != [b"POST", b"/invoke"]:
        connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return None
    request: dict[str, Any] = json.loads(body)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
    return request


def open_listener(env: dict[str, str]) -> socket.socket:
    if LISTEN_FD_ENV in env:
        return socket.socket(fileno=int(env[LISTEN_FD_ENV]))
    # Bound before init: invokes sent while the handler imports wait in the backlog.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


def install_log_capture(capture: LogCapture) -> None:
    sys.stdout = Tee(sys.stdout, capture)
    sys.stderr = Tee(sys.stderr, capture)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(AwsLogFormatter(capture))
    root = logging.getLogger()
    root.addHandler(handler)
    # As on AWS, the root level stays WARNING unless the function's log level says otherwise.
    level = logging.getLevelName(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
    if isinstance(level, int):
        root.setLevel(level)


def main() -> NoReturn:
    exec_env = dict(os.environ)
    exec_env.pop(LISTEN_FD_ENV, None)
    # The function's folder, not this script's, comes first: our module names must not shadow its.
    sys.path[0] = exec_env.get("LAMBDA_TASK_ROOT", os.getcwd())
    listener = open_listener(dict(os.environ))
    restarted = LISTEN_FD_ENV in os.environ
    for name in INTERNAL_ENV:
        os.environ.pop(name, None)
    os.environ["AWS_EXECUTION_ENV"] = f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}"
    capture = LogCapture()
    install_log_capture(capture)
    runtime = Runtime(listener, exec_env, capture)
    if runtime.watcher:
        # Never trust a .pyc of code that is being edited (mtime resolution is one second).
        sys.dont_write_bytecode = True
    try:
        runtime.init()
    except InitError as exc:
        # After a timeout restart LocalStack expects no second ready: the next invoke reports it.
        if not restarted:
            sys.stdout.write(error_log_text(exc.error))
            runtime.localstack.init_error(exc.error)
            os._exit(1)
    if not restarted:
        runtime.localstack.ready(listener.getsockname()[1])
    runtime.serve()


if __name__ == "__main__":
    main()
