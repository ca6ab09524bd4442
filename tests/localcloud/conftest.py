"""Plugin tests: each session starts its own LocalStack (free port, throw-away state) with our plugins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.cloud import Cloud, free_port


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    """One LocalStack shared by the plugin tests that do not restart it."""
    instance = Cloud(port=free_port(), state_dir=tmp_path_factory.mktemp("localcloud"))
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def fresh_cloud_factory(tmp_path: Path) -> Iterator[object]:
    """Builds clouds on a private state dir (for restart and start-up failure tests); stops them after."""
    started: list[Cloud] = []

    def make(state_dir: Path | None = None) -> Cloud:
        instance = Cloud(port=free_port(), state_dir=state_dir or tmp_path / f"cloud{len(started)}")
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()
