"""Every service has the same rooms, so a newcomer who learns one knows all four (docs/architecture.md).

What may import what inside them is import-linter's job (`make lint`, [tool.importlinter]).
"""

from __future__ import annotations

from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
SERVICES = ("identity", "accounts", "payments", "ledger")
ROOMS = {
    "__init__.py",
    "app.py",  # creates the app and registers the blueprints
    "settings.py",  # the service's settings and its one accessor, conf()
    "models.py",  # request and response models (the edge)
    "routes",  # one Chalice blueprint per area
    "entrypoints",  # internal invokes, scheduled, stream and queue handlers
    "service",  # use cases
    "domain",  # pure rules
    "store",  # tables and queries
    "clients",  # calls to other services
}


def rooms(service: str) -> set[str]:
    return {
        path.name
        for path in (FUNCTIONS / service).iterdir()
        if path.name != "__pycache__" and (path.suffix == ".py" or (path / "__init__.py").exists())
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_rooms(service: str) -> None:
    assert rooms(service) == ROOMS


@pytest.mark.parametrize("service", SERVICES)
def test_settings_have_one_accessor_named_conf(service: str) -> None:
    source = (FUNCTIONS / service / "settings.py").read_text()
    assert "\ndef conf() -> " in source
