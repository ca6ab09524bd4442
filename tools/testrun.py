"""`make test`: every check and test, in lanes that run side by side, with one line per stage and its time
(decision 0023).

Two lanes run at the same time, each taking the next stage of `ORDER` when it is free. The bank-wide integration
tests (`-m bankwide`, see tests/conftest.py) get a bank of their own and run one at a time; every other
integration and browser test runs on one shared bank (tools/testbank.py) with two xdist workers. Each
stage's output goes to `.localcloud/test-logs/<stage>.log` and its lines are echoed with the stage's name;
a failed stage's last lines are shown again at the end. Exit status 1 when any stage failed.

    python -m tools.testrun [STAGE ...]    # default: all of them
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tools.cloud import LOCALCLOUD_DIR, ROOT

LOGS = LOCALCLOUD_DIR / "test-logs"
PY = sys.executable
VENV_BIN = Path(PY).parent
PYTEST = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=15"]
LS_PYTHON = LOCALCLOUD_DIR / "ls-venv" / "bin" / "python"


@dataclass
class Stage:
    name: str
    commands: list[list[str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # Folder per command index, when not the repository's root.
    cwds: dict[int, Path] = field(default_factory=dict)
    # Runs instead of `commands` (the shared bank's set-up and tear-down around its pytest run).
    custom: Callable[[Stage, Callable[[list[str], dict[str, str]], int]], int] | None = None


class SharedBank:
    """The bank stage's bank, started in the background when `make test` starts: its deploy (20-40 s of
    LocalStack's time) overlaps the CPU-bound checks instead of sitting on the critical path."""

    def __init__(self) -> None:
        self.stack_file = LOGS / "shared-bank.json"
        self.ready = threading.Event()
        self.error: str | None = None
        self.took = 0.0

    def start_in_background(self) -> None:
        threading.Thread(target=self._start, name="shared-bank", daemon=True).start()

    def _start(self) -> None:
        # A process of its own: the deploy's step lines go to its log, not between the lanes' lines.
        started = time.monotonic()
        with (LOGS / "shared-bank.log").open("w") as log:
            done = subprocess.run(
                [PY, "-m", "tools.testbank", "start", str(self.stack_file)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            self.error = f"exit {done.returncode}, see {LOGS / 'shared-bank.log'}"
        self.took = time.monotonic() - started
        self.ready.set()

    def stop(self) -> None:
        from tools import testbank

        self.ready.wait()
        testbank.stop(self.stack_file)


SHARED_BANK = SharedBank()


def _bank_stage(stage: Stage, run: Callable[[list[str], dict[str, str]], int]) -> int:
    """Run the parallel integration and browser tests on the shared bank, then stop it."""
    from tools import testbank

    waited = time.monotonic()
    SHARED_BANK.ready.wait()
    if SHARED_BANK.error:
        print(f"[{stage.name}] could not start the shared bank: {SHARED_BANK.error}", flush=True)
        return 1
    print(
        f"[{stage.name}] shared bank deployed in {SHARED_BANK.took:.1f}s (waited {time.monotonic() - waited:.1f}s)",
        flush=True,
    )
    env = {testbank.SHARED_STACK_ENV: str(SHARED_BANK.stack_file)}
    if password := testbank.admin_password(SHARED_BANK.stack_file):
        env["ARHAN_ADMIN_PASSWORD"] = password
    try:
        command = [
            *PYTEST,
            "-n",
            "2",
            "--dist",
            "load",
            "-m",
            "not bankwide",
            "tests/integration",
            "tests/e2e",
        ]
        return run(command, env)
    finally:
        SHARED_BANK.stop()


STAGES = {
    "lint": Stage(
        "lint",
        [
            [str(VENV_BIN / "ruff"), "check", "."],
            # The service shape's import contracts ([tool.importlinter] in pyproject.toml).
            [str(VENV_BIN / "lint-imports")],
            [str(VENV_BIN / "ruff"), "format", "--check", "."],
            [str(VENV_BIN / "cfn-lint"), "infra/template.yaml"],
            [PY, "-m", "tools.openapi", "--check"],
        ],
        env={"PYTHONPATH": "functions"},
    ),
    "typecheck": Stage(
        "typecheck",
        [
            [str(VENV_BIN / "mypy")],
            # The plugins against LocalStack's venv, with their own settings (infra/localcloud/pyproject.toml).
            [str(VENV_BIN / "mypy"), "--python-executable", str(LS_PYTHON), "-p", "localcloud"],
        ],
        env={"MYPYPATH": "functions"},
        cwds={1: ROOT / "infra" / "localcloud"},
    ),
    "unit": Stage("unit", [[*PYTEST, "-n", "2", "tests/unit"]]),
    "plugins": Stage("plugins", [[*PYTEST, "-n", "2", "--dist", "load", "tests/localcloud"]]),
    "bankwide": Stage("bankwide", [[*PYTEST, "-m", "bankwide", "tests/integration", "tests/e2e"]]),
    "bank": Stage("bank", custom=_bank_stage),
}

# Two lanes take the stages in this order, each the next one free when it is done with one: the bank-wide
# tests mostly wait (timeouts, DLQ redelivery, 40 s of chaos) on a LocalStack of their own, so they start at
# once beside the CPU-bound checks, and the parallel bank stage (two workers) goes to whichever lane is
# free first, so neither lane ends alone.
ORDER = ["bankwide", "lint", "typecheck", "unit", "plugins", "bank"]
LANES = 2


class Runner:
    def __init__(self) -> None:
        self.results: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def run_stage(self, stage: Stage) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log_path = LOGS / f"{stage.name}.log"
        started = time.monotonic()
        print(f"- {stage.name}: started", flush=True)
        with log_path.open("w") as log:

            def run(command: list[str], extra_env: dict[str, str], cwd: Path = ROOT) -> int:
                env = {**os.environ, **stage.env, **extra_env}
                log.write(f"$ {' '.join(command)}\n")
                log.flush()
                process = subprocess.Popen(
                    command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
                assert process.stdout is not None
                for line in process.stdout:
                    log.write(line)
                    log.flush()
                    if line.strip():
                        print(f"[{stage.name}] {line.rstrip()}", flush=True)
                return process.wait()

            if stage.custom is not None:
                code = stage.custom(stage, run)
            else:
                code = 0
                for index, command in enumerate(stage.commands):
                    code = run(command, {}, stage.cwds.get(index, ROOT))
                    if code != 0:
                        break
        took = time.monotonic() - started
        with self.lock:
            self.results[stage.name] = (code, took)
        verdict = "passed" if code == 0 else f"FAILED (exit {code}; log {log_path.relative_to(ROOT)})"
        print(f"- {stage.name}: {verdict} in {took:.1f}s", flush=True)

    def run_lane(self, queue: list[str]) -> None:
        while True:
            with self.lock:
                if not queue:
                    return
                name = queue.pop(0)
            self.run_stage(STAGES[name])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make test", description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", metavar="STAGE", help=f"only these: {', '.join(STAGES)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stages) - set(STAGES))
    if unknown:
        print(f"unknown stage(s) {', '.join(unknown)}: choose from {', '.join(STAGES)}", file=sys.stderr)
        return 2
    wanted = set(args.stages or STAGES)
    queue = [name for name in ORDER if name in wanted]
    names = list(queue)
    runner = Runner()
    started = time.monotonic()
    if "bank" in queue:
        LOGS.mkdir(parents=True, exist_ok=True)
        SHARED_BANK.start_in_background()
    threads = [threading.Thread(target=runner.run_lane, args=(queue,)) for _ in range(LANES)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        if SHARED_BANK.stack_file.exists():  # interrupted before the bank stage stopped it
            SHARED_BANK.stop()
    total = time.monotonic() - started
    print(f"\n{'stage':12} {'result':8} time")
    for name in names:
        code, took = runner.results[name]
        print(f"{name:12} {'passed' if code == 0 else 'FAILED':8} {took:6.1f}s")
    failed = [name for name, (code, _) in runner.results.items() if code != 0]
    counts = _pytest_counts(names)
    for name in failed:
        tail = (LOGS / f"{name}.log").read_text(errors="replace").splitlines()[-25:]
        print(f"\n--- last lines of {name} ---\n" + "\n".join(tail))
    print(f"\nmake test: {'FAILED: ' + ', '.join(failed) if failed else 'all stages passed'} in {total:.1f}s")
    # One plain closing line over every pytest stage, for whoever reads only the last line.
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if failed else 0


SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|error|errors)\b")


def _pytest_counts(names: list[str]) -> dict[str, int]:
    """Sums pytest's last summary line ("12 passed, 1 skipped in 3.2s") of every stage's log."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for name in names:
        path = LOGS / f"{name}.log"
        if not path.exists():
            continue
        lines = [line for line in path.read_text(errors="replace").splitlines() if " in " in line]
        summaries = [line for line in lines if SUMMARY.search(line) and re.search(r" in [\d.]+s", line)]
        for line in summaries[-1:]:
            for number, word in SUMMARY.findall(line):
                key = "failed" if word.startswith("error") else word
                counts[key] += int(number)
    return counts


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
