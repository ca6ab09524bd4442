"""The ledger's configuration, read from the environment once per cold start."""

from __future__ import annotations

from core.config import EnvSettings, settings
from core.errors import ServiceUnavailable


class LedgerSettings(EnvSettings):
    # Each function gets only what it uses (the consumer has no queue URLs), so all default to "".
    ledger_queue_url: str = ""
    ledger_dlq_url: str = ""
    payments_query_function: str = ""
    # How often one event is re-planned when a concurrent posting moved a head it touches.
    posting_attempts: int = 5


def conf() -> LedgerSettings:
    config: LedgerSettings = settings(LedgerSettings)  # @cache erases the generic return type
    return config


def required(value: str, name: str) -> str:
    if not value:
        # A deployment mistake, not a client's: answer 503 and say which variable is missing in the log.
        raise ServiceUnavailable(f"{name} is not configured")
    return value
