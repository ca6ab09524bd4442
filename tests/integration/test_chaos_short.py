"""A short seeded chaos run on the session's bank: 16 clients, every fault type but the LocalStack restart
(that one would cut the other integration tests' cloud from under them; `make chaos` runs it on clouds of
its own). All invariants of bench/chaos.py must hold afterwards."""

from __future__ import annotations

import pytest

from bench.chaos import run_chaos
from bench.common import BankCloud
from tests.integration.conftest import Bank, User

pytestmark = pytest.mark.localcloud

SEED = 20261124


def test_a_short_seeded_chaos_run_keeps_every_invariant(bank: Bank, admin: User) -> None:
    # Given the deployed bank and the faults plugin, When 16 clients run 40 s of seeded chaos
    chaos_bank = BankCloud(cloud=bank.cloud, info=bank.info, admin_token=admin.access_token)
    ok, report = run_chaos(chaos_bank, SEED, clients=16, duration=40, restart=False, customers=8)

    # Then every invariant holds, and the faults really were injected and money really moved
    broken = {name: check["detail"] for name, check in report["invariants"].items() if not check["ok"]}
    assert ok, f"seed {SEED}: {broken or report['faults']}"
    assert len(report["faults"]) == 4
    assert report["faults_injected_by_plugin"] >= 3, report["plugin_hits"]
    assert report["outcomes"].get("transfer", 0) > 0
    # And the faults reached the clients: at least one request failed (the function timeout surfaces as a
    # 5xx) and was retried with its Idempotency-Key, and still no key was executed twice (invariants above)
    assert report["client_retries"] >= 1, report["outcomes"]
