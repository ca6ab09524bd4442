"""Event-source-mapping polling: the first back-off after an empty poll honours the configured maximum.

LocalStack's ESM worker backs off on an empty poll with `ExponentialBackoff(initial_interval=1,
max_interval=LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC)`, and that class caps only the
intervals *after* the first: the first wait is the initial 1 s jittered to 0.5-1.5 s, whatever the
maximum says. A queue that has just been drained is polled empty once, so the next message on a quiet
queue waited up to 1.5 s (measured: SNS publish -> ledger consumer start 1.0-1.1 s with a 0.2 s maximum).
Here the initial interval is clamped to the maximum, which is what the setting promises.
"""

from __future__ import annotations

from localstack.runtime import hooks
from localstack.services.lambda_.event_source_mapping import esm_worker
from localstack.utils.backoff import ExponentialBackoff


class CappedBackoff(ExponentialBackoff):
    """An ExponentialBackoff whose first interval is also capped by `max_interval`."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.initial_interval = min(self.initial_interval, self.max_interval)


@hooks.on_infra_start()
def cap_first_empty_poll_backoff() -> None:
    esm_worker.ExponentialBackoff = CappedBackoff  # type: ignore[misc]
