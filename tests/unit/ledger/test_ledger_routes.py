"""The template's gateway paths for the ledger equal the Chalice routes, and the sample events route."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ledger.app import app

ROOT = Path(__file__).resolve().parents[3]


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML is untyped
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub) as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def template_routes() -> set[tuple[str, str]]:
    template: dict[str, Any] = yaml.load((ROOT / "infra/template.yaml").read_text(), Loader=_CfnLoader)  # noqa: S506
    events = template["Resources"]["LedgerFunction"]["Properties"]["Events"]
    return {
        (e["Properties"]["Path"], e["Properties"]["Method"].upper())
        for e in events.values()
        if e["Type"] == "Api"
    }


def test_template_paths_equal_chalice_routes() -> None:
    chalice = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert template_routes() == chalice


def test_every_sample_api_event_reaches_a_route() -> None:
    chalice_paths = set(app.routes)
    for sample in (ROOT / "events/ledger").glob("*.json"):
        event = json.loads(sample.read_text())
        if "resource" in event:
            assert event["resource"] in chalice_paths, sample.name
