"""`make package`: what real AWS takes — build/lambda.zip (functions/ + the locked runtime packages
as manylinux wheels for Python 3.13 x86_64) and build/template.yaml pointing every function at it,
ready for `sam deploy --template-file build/template.yaml --resolve-s3`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from cfnlint.decode import cfn_yaml

from tools.cloud import ROOT
from tools.venvs import uv_binary

BUILD = ROOT / "build"
LOCK = ROOT / "requirements" / "functions.lock"


def build_zip() -> Path:
    staging = BUILD / "lambda"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # uv, like the venvs (decision 0020): manylinux wheels for CPython 3.13 on x86_64, whatever this host is.
    subprocess.run(
        [
            uv_binary(),
            "pip",
            "install",
            "--quiet",
            "--target",
            str(staging),
            "--python-platform",
            "x86_64-manylinux2014",
            "--python-version",
            "3.13",
            "--only-binary",
            ":all:",
            "-r",
            str(LOCK),
        ],
        check=True,
    )
    shutil.copytree(
        ROOT / "functions", staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    archive = BUILD / "lambda.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(staging))
    return archive


def packaged_template(archive: Path) -> Path:
    template = cfn_yaml.loads((ROOT / "infra" / "template.yaml").read_text())
    template["Globals"]["Function"]["CodeUri"] = archive.name
    out = BUILD / "template.yaml"
    out.write_text(json.dumps(template, indent=1))
    return out


def main() -> int:
    archive = build_zip()
    template = packaged_template(archive)
    size = archive.stat().st_size / 1_000_000
    print(f"built {archive.relative_to(ROOT)} ({size:.1f} MB) and {template.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
