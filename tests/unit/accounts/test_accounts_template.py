"""The template's accounts routes equal the Chalice app's routes (method and path), both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from accounts.app import app

TEMPLATE = Path(__file__).resolve().parents[3] / "infra" / "template.yaml"


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML is untyped
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CfnLoader.add_multi_constructor("!", _tag)


def test_template_routes_match_the_app() -> None:
    template = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506  (SafeLoader subclass)
    events = template["Resources"]["AccountsFunction"]["Properties"]["Events"]
    in_template = {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in events.values()
        if e["Type"] == "Api"
    }
    in_app = {(method, path) for path, entries in app.routes.items() for method in entries}
    assert in_template == in_app


def test_only_health_and_the_banks_rules_are_public() -> None:
    template = yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506
    events = template["Resources"]["AccountsFunction"]["Properties"]["Events"]
    public = [e["Properties"]["Path"] for e in events.values() if "Auth" in e["Properties"]]
    assert public == ["/accounts/health", "/config"]
