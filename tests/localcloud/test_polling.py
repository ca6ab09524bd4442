"""localcloud.polling: an event source mapping's first back-off after an empty poll is capped by
LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC, like the ones after it."""

from __future__ import annotations

import json
import subprocess

import pytest

from tools.cloud import LOCALSTACK_PYTHON

pytestmark = pytest.mark.localcloud

# Runs in LocalStack's venv: the worker's back-off before and after the plugin's hook, as the worker builds it.
BACKOFFS = r"""
import json
from importlib.metadata import entry_points
from localstack.services.lambda_.event_source_mapping import esm_worker

def first_waits(max_interval):
    waits = []
    for _ in range(200):
        backoff = esm_worker.ExponentialBackoff(initial_interval=1, max_interval=max_interval)
        waits.append(backoff.next_backoff())
    return waits

before = first_waits(0.2)
hooks = {e.name: e.value for e in entry_points(group="localstack.hooks.on_infra_start")}
module, _, name = hooks["localcloud_polling"].partition(":")
getattr(__import__(module, fromlist=[name]), name)()
print(json.dumps({"before": before, "after": first_waits(0.2), "roomy": first_waits(10.0)}))
"""


def test_the_first_empty_poll_backoff_respects_the_configured_maximum() -> None:
    # Given LocalStack's ESM back-off with a 0.2 s maximum, When the registered hook has run
    done = subprocess.run(
        [str(LOCALSTACK_PYTHON), "-c", BACKOFFS], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    waits = json.loads(done.stdout.splitlines()[-1])
    # Then LocalStack alone waits 0.5-1.5 s first; with the hook every first wait is the jittered maximum
    assert min(waits["before"]) >= 0.5
    assert max(waits["after"]) <= 0.3 + 1e-9
    # And a maximum above the initial interval leaves the initial interval alone (jitter of 1 s)
    assert min(waits["roomy"]) >= 0.5 and max(waits["roomy"]) <= 1.5
