"""A LocalStack venv without our plugins must never start (it would silently fall back to Docker)."""

from __future__ import annotations

from pathlib import Path

from tools.cloud import LOCALCLOUD_DIR, missing_plugins


def test_the_project_venv_has_every_plugin_registered() -> None:
    assert missing_plugins(LOCALCLOUD_DIR / "ls-venv") == []


def test_a_venv_without_the_plugin_package_is_refused(tmp_path: Path) -> None:
    assert len(missing_plugins(tmp_path)) == 3


def test_a_venv_with_a_partial_registration_is_refused(tmp_path: Path) -> None:
    dist = tmp_path / "lib/python3.13/site-packages/localcloud-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "entry_points.txt").write_text(
        "[localstack.aws.provider]\ndynamodb:moto = localcloud.dynamodb:x\n"
    )
    assert missing_plugins(tmp_path) == ["process = localcloud.executor", "localcloud_require_executor"]
