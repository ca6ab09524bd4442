"""`make up`'s deploy fingerprint (tools/up.py): what changes it and what does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import deploy, up
from tools.cloud import ROOT


def test_the_quick_path_names_the_same_stack_and_secrets_as_the_deploy() -> None:
    assert (up.STACK_NAME, up.SECRET_PREFIX) == (deploy.STACK_NAME, deploy.SECRET_PREFIX)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("functions/identity", "frontend_site/dist/css", "infra", "tools"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "functions/identity/app.py").write_text("app = 1\n")
    (tmp_path / "frontend_site/dist/index.html").write_text("<html></html>\n")
    (tmp_path / "frontend_site/dist/css/app.css").write_text("body {}\n")
    (tmp_path / "infra/template.yaml").write_text("Resources: {}\n")
    for name in ("deploy.py", "secrets_bootstrap.py"):
        shutil.copy2(ROOT / "tools" / name, tmp_path / "tools" / name)
    return tmp_path


@pytest.mark.parametrize(
    "edit",
    ["functions/identity/app.py", "frontend_site/dist/css/app.css", "infra/template.yaml", "tools/deploy.py"],
)
def test_an_edit_to_anything_a_deploy_reads_changes_the_fingerprint(project: Path, edit: str) -> None:
    before = up.fingerprint(4566, project)

    path = project / edit
    path.write_text(path.read_text() + "\n# edited\n")

    assert up.fingerprint(4566, project) != before


def test_caches_and_another_port_are_told_apart(project: Path) -> None:
    before = up.fingerprint(4566, project)
    (project / "functions/identity/__pycache__").mkdir()
    (project / "functions/identity/__pycache__/app.cpython-313.pyc").write_bytes(b"\0")

    assert up.fingerprint(4566, project) == before  # bytecode is not code
    assert up.fingerprint(4600, project) != before  # the URLs in the site's config differ
