"""Build the static site into `frontend_site/dist/` (what tools/deploy.py uploads when it exists).

`npm ci` installs the locked front-end libraries from the npm registry (never a CDN at run time); the
site's own files and the vendored library files are copied into dist/. With an API origin (argument
`--api-origin` or env `ARHAN_API_ORIGIN`, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`), the
Content-Security-Policy's connect-src is narrowed to exactly that origin; without one it keeps the
local cloud's loopback origins from the source `index.html`.

    python -m tools.build_site [--api-origin ORIGIN] [--skip-npm] [--force]

Without --force nothing is redone that is up to date: `npm ci` only when package-lock.json changed since
the last one, the copy only when a source file changed (a hash of every input, kept beside node_modules),
so `make up` on an unchanged site costs a few milliseconds.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tools.cloud import ROOT

SITE_DIR = ROOT / "frontend_site"
DIST_DIR = SITE_DIR / "dist"
SITE_FILES = ("index.html", "favicon.svg")
SITE_FOLDERS = ("css", "js")
# node_modules path → dist path. Only what the pages load.
VENDOR_FILES = {"chart.js/dist/chart.umd.js": "vendor/chart.umd.js"}
LOCAL_CONNECT_SRC = "connect-src 'self' http://127.0.0.1:* http://localhost:*"
SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")
# Stamps live in node_modules (git-ignored, and removed with it), never in dist/ (which is uploaded).
NPM_STAMP = ".arhan-npm-ci"
BUILD_STAMP = ".arhan-site-build"


def origin_of(url: str) -> str:
    """`https://host:port/any/path` → `https://host:port` (a CSP source must be an origin)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def npm_ci(site_dir: Path = SITE_DIR) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed: install Node.js 20+ (Debian: apt-get install -y nodejs npm)")
    # --ignore-scripts: vendored libraries need no install scripts, and none should run on a build machine.
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=site_dir,
        check=True,
    )


def _digest(paths: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(f"\0{path.as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def site_inputs(site_dir: Path = SITE_DIR) -> list[Path]:
    """Every file a build reads: the site's own files and the vendored library files."""
    files = [site_dir / name for name in SITE_FILES]
    for folder in SITE_FOLDERS:
        files += sorted(path for path in (site_dir / folder).rglob("*") if path.is_file())
    files += [site_dir / "node_modules" / source for source in VENDOR_FILES]
    return [path for path in files if path.is_file()]


def npm_ci_if_changed(site_dir: Path = SITE_DIR) -> bool:
    """`npm ci` unless node_modules was installed from this very package-lock.json; True when it ran."""
    wanted = _digest([site_dir / "package-lock.json"])
    stamp = site_dir / "node_modules" / NPM_STAMP
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        return False
    npm_ci(site_dir)
    stamp.write_text(wanted + "\n")
    return True


def build_if_changed(
    api_origin: str | None = None, *, run_npm: bool = True, site_dir: Path = SITE_DIR
) -> bool:
    """Build into frontend_site/dist unless it was built from exactly these inputs; True when it built."""
    if run_npm:
        npm_ci_if_changed(site_dir)
    wanted = _digest(site_inputs(site_dir), extra=f"api_origin={api_origin or ''}")
    stamp = site_dir / "node_modules" / BUILD_STAMP
    dist = site_dir / "dist"
    if dist.is_dir() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return False
    build(api_origin, run_npm=False, site_dir=site_dir)
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(wanted + "\n")
    return True


def build(
    api_origin: str | None = None,
    *,
    run_npm: bool = True,
    site_dir: Path = SITE_DIR,
    out_dir: Path | None = None,
) -> Path:
    """Build into `out_dir` (default frontend_site/dist) and return it."""
    dist = out_dir or site_dir / "dist"
    if run_npm:
        npm_ci(site_dir)
    if dist.exists():
        shutil.rmtree(dist)
    dist.mkdir(parents=True)
    for name in SITE_FILES:
        shutil.copy2(site_dir / name, dist / name)
    for folder in SITE_FOLDERS:
        shutil.copytree(site_dir / folder, dist / folder)
    for source, target in VENDOR_FILES.items():
        path = site_dir / "node_modules" / source
        if not path.is_file():
            raise SystemExit(f"{path} is missing: run without --skip-npm")
        (dist / target).parent.mkdir(parents=True, exist_ok=True)
        # The source map is not shipped, so its reference goes too (no 404 in the browser's tools).
        (dist / target).write_text(SOURCE_MAP.sub("\n", path.read_text(encoding="utf-8")), encoding="utf-8")
    index = dist / "index.html"
    html = index.read_text(encoding="utf-8")
    if LOCAL_CONNECT_SRC not in html:
        raise SystemExit("index.html's Content-Security-Policy no longer has the expected connect-src")
    if api_origin:
        html = html.replace(LOCAL_CONNECT_SRC, f"connect-src {origin_of(api_origin)}")
        index.write_text(html, encoding="utf-8")
    return dist


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools.build_site", description=__doc__.splitlines()[0])
    parser.add_argument("--api-origin", default=os.environ.get("ARHAN_API_ORIGIN") or None)
    parser.add_argument("--skip-npm", action="store_true", help="reuse frontend_site/node_modules as it is")
    parser.add_argument("--force", action="store_true", help="npm ci and build even when up to date")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.force:
        dist = build(args.api_origin, run_npm=not args.skip_npm)
    elif not build_if_changed(args.api_origin, run_npm=not args.skip_npm):
        return 0  # up to date: stay quiet, `make up` prints what matters
    dist = SITE_DIR / "dist"
    count = sum(1 for path in dist.rglob("*") if path.is_file())
    print(f"- site built: {count} file(s) in {dist.relative_to(ROOT)} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
