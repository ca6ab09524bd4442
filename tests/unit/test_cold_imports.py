"""Cold starts import only what a first request needs (decision 0045): no handler of the template imports
boto3 (clients are botocore's), s3transfer, Powertools' data classes, batch or parameters packages,
Babel or python-stdnum. Those are imported where they are used, or not at all. One exception is kept on
purpose: the authorizer builds its answer with Powertools' `APIGatewayAuthorizerResponse` (decision 0039),
whose package brings every data class (≈ 15 ms; decision 0045).

A fresh interpreter imports the handlers one after another, as the template names them, and after each
one reports the heavy modules it brought: the first handler to bring one is the one named. No timing is
asserted (the machine is shared); the measured figures are in the decision record."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
HEAVY = [
    "boto3",
    "s3transfer",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.parameters",
    "babel",
    "stdnum",
]
# What a handler may bring, and why: see the module docstring. Those handlers are imported last, so that
# no other handler's import of the same module hides behind theirs.
ALLOWED = {"identity.entrypoints.authorizer": ["aws_lambda_powertools.utilities.data_classes"]}
PROBE = """
import importlib, json, sys
heavy, modules = json.loads(sys.argv[1])
brought, seen = {}, set()
for module in modules:
    importlib.import_module(module)
    brought[module] = [name for name in heavy if name in sys.modules and name not in seen]
    seen.update(brought[module])
print(json.dumps(brought))
"""


def handler_modules() -> list[str]:
    handlers = re.findall(r"^\s+Handler: (\S+)\s*$", TEMPLATE.read_text(), re.MULTILINE)
    return sorted(
        {handler.rsplit(".", 1)[0] for handler in handlers}, key=lambda module: (module in ALLOWED, module)
    )


def test_no_handler_imports_a_module_its_cold_start_does_not_need() -> None:
    modules = handler_modules()
    assert "identity.entrypoints.authorizer" in modules  # the template was read
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([HEAVY, modules])],
        cwd=ROOT / "functions",
        capture_output=True,
        text=True,
        check=True,
    )
    brought = json.loads(probe.stdout)
    assert brought == {module: ALLOWED.get(module, []) for module in modules}
