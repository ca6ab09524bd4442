"""Refuse to start LocalStack when LAMBDA_RUNTIME_EXECUTOR names an executor that cannot be loaded.

Stock LocalStack only logs a warning and falls back to the Docker executor; on a machine without
Docker every invoke then fails much later with an unrelated error. This hook runs before the
gateway starts and makes the process exit non-zero with the reason in its log instead.
"""

from __future__ import annotations

import logging
from importlib import metadata

from localstack import config
from localstack.runtime import hooks
from localstack.runtime.exceptions import LocalstackExit

LOG = logging.getLogger(__name__)


@hooks.on_infra_start(priority=100)
def require_known_executor() -> None:
    name = config.LAMBDA_RUNTIME_EXECUTOR or "docker"
    problem = executor_problem(name)
    if problem:
        message = (
            f"LAMBDA_RUNTIME_EXECUTOR={name!r} cannot be used: {problem}. "
            "Refusing to start instead of silently falling back to the Docker executor."
        )
        LOG.error(message)
        raise LocalstackExit(message, code=1)


def executor_problem(name: str) -> str | None:
    """Why LocalStack's own plugin manager cannot give the executor `name`, or None if it can."""
    # The manager LocalStack's Lambda service uses, so we see exactly what it will see.
    from localstack.services.lambda_.invocation.runtime_executor import EXECUTOR_PLUGIN_MANAGER

    if not EXECUTOR_PLUGIN_MANAGER.exists(name):
        return missing_reason(name, EXECUTOR_PLUGIN_MANAGER.namespace, EXECUTOR_PLUGIN_MANAGER.list_names())
    try:
        EXECUTOR_PLUGIN_MANAGER.load(name).load()
    except Exception as exc:
        return f"its plugin failed to load ({type(exc).__name__}: {exc})"
    return None


def missing_reason(name: str, namespace: str, installed: list[str]) -> str:
    """plux drops entry points that fail to import, so tell that case apart from a missing install."""
    for entry_point in metadata.entry_points(group=namespace, name=name):
        try:
            entry_point.load()
        except Exception as exc:
            return f"its plugin {entry_point.value} failed to import ({type(exc).__name__}: {exc})"
        return f"its entry point {entry_point.value} imports, but plux did not list it (stale ~/.cache/plux?)"
    return (
        f"no executor plugin of that name is installed (installed: {', '.join(sorted(installed))}; "
        "`process` comes from the localcloud package, pip-installed into LocalStack's venv)"
    )
