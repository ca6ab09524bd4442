"""At most LAMBDA_PROCESS_MAX_ENVIRONMENTS execution environments per function version; more invokes wait.

LocalStack starts another environment whenever all of a function's are busy, as AWS does. On AWS each
one is a micro-VM with its own CPU share; here each is a ~65 MB Python process on the laptop's few
cores. At 16 concurrent clients the bank ran 16 PaymentsFunction and 16 AccountsInternalFunction
processes on 2 cores: 2.6-3.0 GiB, while LocalStack's one process serialises the work anyway. So each
function's on-demand environments are capped, by default at one per core plus one (decision 0007 has
the measurements: half the memory, the same throughput at 4 clients, 10-45 % less at 16), and an invoke
over the cap waits for a busy environment to free up, as with a connection pool. The wait is not part
of the function's timeout, as with AWS's own queueing.

A cap means a function must never wait synchronously on itself, directly or through another function
(it would wait for its own slot). The bank's invoke graph is acyclic: public functions invoke the
internal ones, and those invoke nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from localstack.runtime import hooks
from localstack.runtime.exceptions import LocalstackExit
from localstack.services.lambda_.invocation.assignment import AssignmentService
from localstack.services.lambda_.invocation.execution_environment import ExecutionEnvironment
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InitializationType

LOG = logging.getLogger(__name__)
SETTING = "LAMBDA_PROCESS_MAX_ENVIRONMENTS"

GetEnvironment = Callable[
    [AssignmentService, str, FunctionVersion, InitializationType],
    contextlib.AbstractContextManager[ExecutionEnvironment],
]


def max_environments() -> int:
    """The configured cap, or one per core plus one; a cap below 1 or not a number is an error."""
    configured = os.environ.get(SETTING, "").strip()
    if not configured:
        return (os.cpu_count() or 1) + 1
    if not configured.isdigit() or int(configured) < 1:
        raise ValueError(f"{SETTING} must be a whole number of environments, at least 1: {configured!r}")
    return int(configured)


def capped(original: GetEnvironment, limit: int) -> GetEnvironment:
    """`AssignmentService.get_environment`, entered only by `limit` invokes of a version at a time."""
    slots: dict[str, threading.Semaphore] = {}
    slots_lock = threading.Lock()

    def slot(version_manager_id: str) -> threading.Semaphore:
        with slots_lock:
            return slots.setdefault(version_manager_id, threading.Semaphore(limit))

    @contextlib.contextmanager
    def get_environment(
        service: AssignmentService,
        version_manager_id: str,
        function_version: FunctionVersion,
        provisioning_type: InitializationType,
    ) -> Iterator[ExecutionEnvironment]:
        # Provisioned environments are sized by their own setting, not started on demand.
        gate = (
            slot(version_manager_id)
            if provisioning_type == InitializationType.on_demand
            else contextlib.nullcontext()
        )
        with gate, original(service, version_manager_id, function_version, provisioning_type) as environment:
            yield environment

    return get_environment


@hooks.on_infra_start()
def cap_environments_per_function() -> None:
    original: Any = AssignmentService.get_environment
    if getattr(original, "capped", False):  # the hook ran already in this process
        return
    try:
        limit = max_environments()
    except ValueError as exc:
        LOG.error("%s", exc)
        raise LocalstackExit(str(exc), code=1) from exc
    LOG.debug("At most %d execution environments per function version", limit)
    get_environment: Any = capped(original, limit)
    get_environment.capped = True
    AssignmentService.get_environment = get_environment  # type: ignore[method-assign]
