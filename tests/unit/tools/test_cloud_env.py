"""The environment LocalStack starts with: the project's settings, plus only the host settings we allow."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.cloud import localstack_env


def test_the_environment_cap_passes_through_from_the_host_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LAMBDA_PROCESS_MAX_ENVIRONMENTS", "5")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://elsewhere:1")

    env = localstack_env(4600, tmp_path)

    assert env["LAMBDA_PROCESS_MAX_ENVIRONMENTS"] == "5"
    assert "AWS_ENDPOINT_URL" not in env
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4600"


def test_without_a_host_setting_the_plugin_default_applies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LAMBDA_PROCESS_MAX_ENVIRONMENTS", raising=False)

    assert "LAMBDA_PROCESS_MAX_ENVIRONMENTS" not in localstack_env(4600, tmp_path)
