"""Create or update the three Python 3.13 venvs with uv, in parallel, from the locks (decision 0020).

    python3.13 tools/venvs.py [--python PATH]

Standard library only: it runs before any venv exists. Each venv's `.stamp` holds a hash of what it was
built from (its lock files, the plugin package's pyproject.toml, the interpreter); a venv whose stamp
matches is left alone, so an up-to-date run takes a few milliseconds. uv is the one on PATH or, failing
that, the version pinned in requirements/uv.txt pip-installed into `.localcloud/uv`. Every step prints
one line with its time, and a line every few seconds while installs run, so nothing is silent for long.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
UV_HOME = ROOT / ".localcloud" / "uv"
HEARTBEAT_SECONDS = 5.0


@dataclass(frozen=True)
class Venv:
    title: str
    path: Path
    # Requirement files `uv pip sync` gets: the lock, and for LocalStack our plugins (editable).
    sources: tuple[Path, ...]
    # Other inputs whose change needs a re-sync (the plugins' entry points live in pyproject.toml).
    also_hashed: tuple[Path, ...] = ()
    reinstall: tuple[str, ...] = ()

    @property
    def stamp(self) -> Path:
        return self.path / ".stamp"

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


VENVS = (
    Venv("dev venv", ROOT / ".venv", (REQUIREMENTS / "dev.lock",)),
    Venv(
        "LocalStack venv",
        ROOT / ".localcloud" / "ls-venv",
        (REQUIREMENTS / "localstack.lock", REQUIREMENTS / "localcloud.txt"),
        also_hashed=(ROOT / "infra" / "localcloud" / "pyproject.toml",),
        # An editable's entry points are copied at install time: rebuild it whenever the stamp changes.
        reinstall=("localcloud",),
    ),
    Venv("Lambda runtime venv", ROOT / ".localcloud" / "fn-venv", (REQUIREMENTS / "functions.lock",)),
)


def fingerprint(venv: Venv, python: str) -> str:
    digest = hashlib.sha256(f"python={python}\n".encode())
    for path in (*venv.sources, *venv.also_hashed):
        digest.update(f"{path.relative_to(ROOT)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def up_to_date(venv: Venv, python: str) -> bool:
    try:
        return venv.python.exists() and venv.stamp.read_text().strip() == fingerprint(venv, python)
    except OSError:
        return False


def find_python(explicit: str | None) -> str:
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates: list[str | None] = [
        explicit,
        f"{pyenv_root}/versions/3.13.0/bin/python3.13",
        shutil.which("python3.13"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("Python 3.13 not found: `pyenv install 3.13.0`, or put python3.13 on PATH (make doctor)")


def pinned_uv() -> str:
    """The `uv==X` line of requirements/uv.txt."""
    for line in (REQUIREMENTS / "uv.txt").read_text().splitlines():
        if line.strip().startswith("uv=="):
            return line.strip()
    raise SystemExit("requirements/uv.txt has no `uv==` pin")


def uv_binary() -> str:
    """The uv `make venvs` uses (it bootstraps one when there is none)."""
    found = shutil.which("uv") or str(UV_HOME / "bin" / "uv")
    if not os.access(found, os.X_OK):
        raise SystemExit("uv not found: run `make venvs` first")
    return found


def find_uv(python: str) -> str:
    """uv from PATH, else our own copy (pip-installed once into .localcloud/uv)."""
    on_path = shutil.which("uv")
    if on_path:
        return on_path
    ours = UV_HOME / "bin" / "uv"
    pin = pinned_uv()
    marker = UV_HOME / ".stamp"
    if ours.exists() and marker.exists() and marker.read_text().strip() == pin:
        return str(ours)
    started = time.monotonic()
    print(f"- bootstrapping {pin} (pip, into {UV_HOME.relative_to(ROOT)}) ...", flush=True)
    run([python, "-m", "venv", "--clear", str(UV_HOME)], "create the uv venv")
    run(
        [str(UV_HOME / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", pin],
        f"pip install {pin}",
    )
    marker.write_text(pin + "\n")
    print(f"  uv: {time.monotonic() - started:.1f}s", flush=True)
    return str(ours)


def run(command: list[str], what: str) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{tail}")


def build(uv: str, python: str, venv: Venv) -> None:
    if not venv.python.exists():
        run([uv, "venv", "--quiet", "--python", python, str(venv.path)], f"{venv.title}: uv venv")
    command = [uv, "pip", "sync", "--quiet", "--python", str(venv.python)]
    for package in venv.reinstall:
        command += ["--reinstall-package", package]
    run([*command, *(str(source.relative_to(ROOT)) for source in venv.sources)], f"{venv.title}: uv pip sync")
    venv.stamp.write_text(fingerprint(venv, python) + "\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools/venvs.py", description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="the Python 3.13 interpreter (default: pyenv's 3.13.0 or PATH)")
    args = parser.parse_args(argv)
    python = find_python(args.python)
    stale = [venv for venv in VENVS if not up_to_date(venv, python)]
    if not stale:
        return 0
    os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")  # use the given 3.13, never fetch one
    uv = find_uv(python)
    started = time.monotonic()
    names = ", ".join(venv.title for venv in stale)
    print(f"- {names}: uv pip sync from the locks, in parallel ...", flush=True)
    errors: dict[str, str] = {}
    running = {venv.title for venv in stale}
    lock = threading.Lock()

    def work(venv: Venv) -> None:
        begun = time.monotonic()
        try:
            build(uv, python, venv)
        except (RuntimeError, OSError) as exc:
            errors[venv.title] = str(exc)
        else:
            print(
                f"  {venv.title} ({venv.path.relative_to(ROOT)}): {time.monotonic() - begun:.1f}s", flush=True
            )
        finally:
            with lock:
                running.discard(venv.title)

    threads = [threading.Thread(target=work, args=(venv,)) for venv in stale]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=HEARTBEAT_SECONDS)
            if thread.is_alive():
                break
        with lock:
            left = sorted(running)
        if left:
            print(
                f"  ... still installing: {', '.join(left)} ({time.monotonic() - started:.0f}s)", flush=True
            )
    for title, error in errors.items():
        print(f"{title}: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"  venvs ready in {time.monotonic() - started:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
