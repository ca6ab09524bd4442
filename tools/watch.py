"""`make watch`: keep the running bank in step with the files you edit (decision 0022).

- `functions/`: the local cloud runs the folder in place (tools/deploy.py points every function at it
  through LocalStack's hot-reload bucket) and each function process re-imports changed modules before its
  next invoke (localcloud/bootstrap.py). Nothing to upload: this prints which functions pick the edit up.
- `frontend_site/`: the site is rebuilt into dist/ (no npm unless package-lock.json changed) and only the
  files whose content changed are uploaded to the site bucket (config.js, written by the deploy, is kept).
- `infra/template.yaml`: the stack is redeployed (`make up`'s deploy).

    python -m tools.watch [--port N] [--stack NAME] [--root DIR]

`--root` watches another copy of the project (the hot-code test uses a temporary one).
"""

from __future__ import annotations

import argparse
import hashlib
import mimetypes
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from tools.build_site import BUILD_STAMP, build_if_changed, npm_ci_if_changed
from tools.cloud import ROOT, Cloud
from tools.stack import ToolError, running_cloud

KEEP_KEYS = {"config.js"}  # written by the deploy with the API's URL
IGNORED_PARTS = {"__pycache__", "node_modules", "dist", ".mypy_cache", ".pytest_cache"}


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Watcher:
    def __init__(self, cloud: Cloud, stack: str, root: Path) -> None:
        self.cloud = cloud
        self.stack = stack
        self.root = root
        self.functions_dir = root / "functions"
        self.site_dir = root / "frontend_site"
        self.template = root / "infra" / "template.yaml"
        outputs = self._outputs()
        self.bucket = outputs.get("SiteBucketName", "")
        self.s3 = cloud.client("s3")
        self.uploaded = self._bucket_digests()
        self.handlers = self._handlers()

    def _outputs(self) -> dict[str, str]:
        cfn = self.cloud.client("cloudformation")
        try:
            stack = cfn.describe_stacks(StackName=self.stack)["Stacks"][0]
        except cfn.exceptions.ClientError as exc:
            raise ToolError(f"no stack {self.stack} on {self.cloud.url}: run `make up` first") from exc
        return {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}

    def _handlers(self) -> dict[str, str]:
        """Deployed function name → its handler (`identity.app.app`)."""
        lam = self.cloud.client("lambda")
        cfn = self.cloud.client("cloudformation")
        names = [
            summary["PhysicalResourceId"]
            for page in cfn.get_paginator("list_stack_resources").paginate(StackName=self.stack)
            for summary in page["StackResourceSummaries"]
            if summary["ResourceType"] == "AWS::Lambda::Function"
        ]
        return {
            name: str(lam.get_function_configuration(FunctionName=name).get("Handler", "")) for name in names
        }

    def _bucket_digests(self) -> dict[str, str]:
        if not self.bucket:
            return {}
        digests: dict[str, str] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                digests[obj["Key"]] = str(obj["ETag"]).strip('"')
        return digests

    # -- reactions

    def functions_changed(self, paths: list[Path]) -> None:
        services = {path.relative_to(self.functions_dir).parts[0] for path in paths}
        if "core" in services or any(len(path.relative_to(self.functions_dir).parts) == 1 for path in paths):
            affected = sorted(self.handlers)
        else:
            affected = sorted(
                name for name, handler in self.handlers.items() if handler.split(".", 1)[0] in services
            )
        names = ", ".join(str(path.relative_to(self.root)) for path in paths[:3])
        more = f" (+{len(paths) - 3})" if len(paths) > 3 else ""
        print(
            f"{_now()} {names}{more}: live on the next request of {len(affected)} function(s)"
            " (each reloads its code in place)",
            flush=True,
        )

    def site_changed(self, lock_changed: bool) -> None:
        started = time.monotonic()
        if lock_changed:  # new front-end libraries: the one case that needs npm
            npm_ci_if_changed(self.site_dir)
        build_if_changed(run_npm=False, site_dir=self.site_dir)
        dist = self.site_dir / "dist"
        current: dict[str, bytes] = {
            str(path.relative_to(dist)): path.read_bytes()
            for path in sorted(dist.rglob("*"))
            if path.is_file() and not path.name.startswith(".")
        }
        changed = [key for key, data in current.items() if self.uploaded.get(key) != _md5(data)]
        for key in changed:
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=current[key], ContentType=content_type)
            self.uploaded[key] = _md5(current[key])
        gone = [key for key in self.uploaded if key not in current and key not in KEEP_KEYS]
        for key in gone:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
            del self.uploaded[key]
        took = time.monotonic() - started
        what = ", ".join(changed[:4]) + (f" (+{len(changed) - 4})" if len(changed) > 4 else "")
        print(f"{_now()} site: {len(changed)} file(s) uploaded{f' ({what})' if changed else ''}"
              f"{f', {len(gone)} removed' if gone else ''} in {took:.1f}s", flush=True)  # fmt: skip

    def template_changed(self) -> None:
        if self.root != ROOT:
            print(
                f"{_now()} {self.template.relative_to(self.root)} changed: deploy it with `make up`",
                flush=True,
            )
            return
        from tools.up import deploy_and_record, fingerprint

        started = time.monotonic()
        print(f"{_now()} infra/template.yaml changed: redeploying ...", flush=True)
        try:
            deploy_and_record(self.cloud, fingerprint(self.cloud.port))
        except Exception as exc:  # keep watching; the next save may fix it
            print(f"{_now()} deploy failed: {exc}", flush=True)
            return
        self.handlers = self._handlers()
        print(f"{_now()} redeployed in {time.monotonic() - started:.1f}s", flush=True)

    def dispatch(self, paths: Iterable[Path]) -> None:
        functions, site, template, lock = [], False, False, False
        for path in paths:
            if IGNORED_PARTS.intersection(path.relative_to(self.root).parts) or path.name == BUILD_STAMP:
                continue
            if path == self.template:
                template = True
            elif path.is_relative_to(self.functions_dir):
                functions.append(path)
            elif path.is_relative_to(self.site_dir):
                site = True
                lock = lock or path.name == "package-lock.json"
        if template:
            self.template_changed()
        if functions:
            self.functions_changed(sorted(functions))
        if site and self.bucket:
            self.site_changed(lock)

    def run(self) -> None:
        from watchfiles import watch

        watched = [self.functions_dir, self.site_dir, self.template]
        print(
            f"watching {', '.join(str(p.relative_to(self.root)) for p in watched)} for {self.stack} on"
            f" {self.cloud.url} (Ctrl-C stops)",
            flush=True,
        )
        for changes in watch(*watched, debounce=150, step=50, rust_timeout=1000):
            self.dispatch(Path(path) for _, path in changes)


def _now() -> str:
    return time.strftime("%H:%M:%S")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make watch", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCALCLOUD_PORT", "4566")))
    parser.add_argument("--stack", default="arhan-bank")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    try:
        watcher = Watcher(running_cloud(args.port), args.stack, args.root.resolve())
        watcher.run()
    except ToolError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
