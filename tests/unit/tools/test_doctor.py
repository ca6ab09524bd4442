"""`make doctor` (tools/doctor.py): each check passes on what a new machine needs and fails, with what to
do, on what gets in the way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import doctor, venvs
from tools.cloud import ROOT


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_port_used_by_another_program_fails_with_another_port_to_use(
    busy_port: int, tmp_path: Path
) -> None:
    check = doctor.check_port(busy_port, state_dir=tmp_path)

    assert check.status == doctor.FAIL
    assert f"make up PORT={busy_port + 34}" in check.todo


def test_a_free_port_passes(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    assert doctor.check_port(port, state_dir=tmp_path).status == doctor.OK


def test_a_pid_file_of_a_process_that_is_not_localstack_is_stale(tmp_path: Path) -> None:
    (tmp_path / "localstack.pid").write_text(str(os.getpid()))  # alive, but pytest, not LocalStack

    check = doctor.check_pid(tmp_path)

    assert check.status == doctor.FAIL
    assert "stale pid file" in check.what
    assert "make down" in check.todo


def test_a_pid_file_of_a_dead_process_is_stale(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    (tmp_path / "localstack.pid").write_text(finished.stdout.strip())

    assert doctor.check_pid(tmp_path).status == doctor.FAIL


def test_no_pid_file_passes(tmp_path: Path) -> None:
    assert doctor.check_pid(tmp_path).status == doctor.OK


def test_too_little_disk_fails_with_how_much_to_free(tmp_path: Path) -> None:
    check = doctor.check_disk(tmp_path, minimum_gib=10**9)

    assert check.status == doctor.FAIL
    assert "free at least" in check.todo


def test_missing_node_is_a_warning_that_make_up_installs_it() -> None:
    check = doctor.check_node(which=lambda name: None)

    assert check.status == doctor.WARN
    assert "node and npm not found" in check.what


def test_a_missing_chromium_is_a_warning_that_make_test_installs_it(tmp_path: Path) -> None:
    check = doctor.check_chromium(tmp_path / "chromium")

    assert check.status == doctor.WARN
    assert "make test" in check.todo


def test_the_python_it_finds_is_3_13() -> None:
    check = doctor.check_python()

    assert check.status == doctor.OK, check.line()
    assert "Python 3.13." in check.what


def test_a_python_that_is_not_3_13_fails(tmp_path: Path) -> None:
    fake = tmp_path / "python3.13"
    fake.write_text("#!/bin/sh\necho 3.12.7\n")
    fake.chmod(0o755)

    check = doctor.check_python(str(fake))

    assert check.status == doctor.FAIL
    assert "pyenv install 3.13.0" in check.todo


def test_a_venv_older_than_its_lock_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    lock.write_text("a==1\n")
    venv = venvs.Venv("test venv", tmp_path / "venv", (lock,))
    (venv.path / "bin").mkdir(parents=True)
    venv.python.write_text("")
    python = venvs.find_python(None)
    monkeypatch.setattr(venvs, "ROOT", tmp_path)
    venv.stamp.write_text(venvs.fingerprint(venv, python))
    monkeypatch.setattr(venvs, "VENVS", (venv,))
    assert [c.status for c in doctor.check_venvs()] == [doctor.OK]

    lock.write_text("a==2\n")  # the lock moved on

    checks = doctor.check_venvs()
    assert [c.status for c in checks] == [doctor.WARN]
    assert "make venvs" in checks[0].todo


def test_doctor_runs_as_make_doctor_does_and_says_what_it_checked() -> None:
    # Standard library only: the interpreter make doctor uses, with no project path set.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [venvs.find_python(None), "tools/doctor.py", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert "Traceback" not in result.stderr, result.stderr
    for what in ("Python 3.13", "port 1", "GiB free", "dev venv"):
        assert what in result.stdout, result.stdout
