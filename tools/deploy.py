"""Deploy the bank to a cloud: secrets, package, CloudFormation (SAM), bootstraps, site. Idempotent.

`python -m tools.deploy` deploys to the developer's cloud (`make up`); tests call `deploy()` against
their own LocalStack. The template itself is never edited for the local cloud: like `sam package`, this
tool only rewrites where the code lives (the local cloud runs `functions/` in place through LocalStack's
hot-reload bucket, so an edited handler is live on the next request; `make package` builds the zip
that real AWS takes).
"""

from __future__ import annotations

import json
import mimetypes
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

from tools.cloud import LOCALCLOUD_DIR, ROOT, Cloud
from tools.secrets_bootstrap import ensure_secrets

STACK_NAME = "arhan-bank"
TEMPLATE = ROOT / "infra" / "template.yaml"
FUNCTIONS_DIR = ROOT / "functions"
SITE_DIR = ROOT / "frontend_site"
HOT_RELOAD_BUCKET = "hot-reload"  # LocalStack's BUCKET_MARKER_LOCAL: code used in place from the host
SECRET_PREFIX = "arhan"  # noqa: S105 - a name prefix, not a secret
DONE_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
FAILED_STATES = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_FAILED",
    "DELETE_COMPLETE",
}


@dataclass
class StackInfo:
    api_url: str
    site_url: str
    localstack_url: str
    api_id: str
    stage: str
    site_bucket: str
    outputs: dict[str, str]


@contextmanager
def step(title: str) -> Iterator[None]:
    started = time.monotonic()
    print(f"- {title} ...", flush=True)
    yield
    print(f"  {title}: done in {time.monotonic() - started:.1f}s", flush=True)


def local_template() -> str:
    """The template as JSON with every function's code pointed at `functions/` in place."""
    template = cfn_yaml.loads(TEMPLATE.read_text())
    code = {"Bucket": HOT_RELOAD_BUCKET, "Key": str(FUNCTIONS_DIR)}
    template["Globals"]["Function"]["CodeUri"] = code
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {}):
            resource["Properties"]["CodeUri"] = code
    return json.dumps(template)


def deploy_stack(cloud: Cloud, parameters: dict[str, str] | None = None) -> dict[str, str]:
    """Create or update the stack through a change set; a no-op update is fine."""
    cfn = cloud.client("cloudformation")
    exists = _stack_status(cfn) not in (None, "DELETE_COMPLETE", "ROLLBACK_COMPLETE")
    if _stack_status(cfn) == "ROLLBACK_COMPLETE":
        cfn.delete_stack(StackName=STACK_NAME)
        _wait_stack(cfn, allow_missing=True)
    name = f"deploy-{int(time.time() * 1000)}"
    cfn.create_change_set(
        StackName=STACK_NAME,
        ChangeSetName=name,
        ChangeSetType="UPDATE" if exists else "CREATE",
        TemplateBody=local_template(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    status = _wait_change_set(cfn, name)
    if status == "FAILED":
        print("  no changes to deploy")
    else:
        cfn.execute_change_set(StackName=STACK_NAME, ChangeSetName=name)
        _wait_stack(cfn)
    stack = cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    return {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}


def _stack_status(cfn: Any) -> str | None:
    try:
        return str(cfn.describe_stacks(StackName=STACK_NAME)["Stacks"][0]["StackStatus"])
    except cfn.exceptions.ClientError:
        return None


def _wait_change_set(cfn: Any, name: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        change_set = cfn.describe_change_set(StackName=STACK_NAME, ChangeSetName=name)
        status = str(change_set["Status"])
        if status == "FAILED":
            reason = str(change_set.get("StatusReason", ""))
            if "didn't contain changes" in reason or "No updates" in reason or not change_set.get("Changes"):
                return status
            raise RuntimeError(f"change set failed: {reason}")
        if status == "CREATE_COMPLETE":
            return status
        time.sleep(0.3)
    raise TimeoutError("change set did not complete")


def _wait_stack(cfn: Any, timeout: float = 300, allow_missing: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _stack_status(cfn)
        if status is None and allow_missing:
            return
        if status in DONE_STATES:
            if status == "UPDATE_ROLLBACK_COMPLETE":
                raise RuntimeError(f"update rolled back: {_failure_reasons(cfn)}")
            return
        if status in FAILED_STATES:
            if allow_missing and status == "DELETE_COMPLETE":
                return
            raise RuntimeError(f"stack {status}: {_failure_reasons(cfn)}")
        time.sleep(0.3)
    raise TimeoutError("stack did not settle")


def _failure_reasons(cfn: Any) -> str:
    events = cfn.describe_stack_events(StackName=STACK_NAME)["StackEvents"]
    failed = [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
        for e in events
        if "FAILED" in e.get("ResourceStatus", "")
    ]
    return "; ".join(failed[:5]) or "unknown"


def run_bootstraps(cloud: Cloud, outputs: dict[str, str]) -> None:
    """Invoke every `*BootstrapFunctionName` output once (each is idempotent)."""
    lam = cloud.client("lambda")
    for key, function_name in sorted(outputs.items()):
        if not key.endswith("BootstrapFunctionName"):
            continue
        response = lam.invoke(FunctionName=function_name, Payload=b"{}")
        payload = response["Payload"].read().decode()
        if response.get("FunctionError"):
            raise RuntimeError(f"{function_name} failed: {payload}")
        print(f"  {key.removesuffix('BootstrapFunctionName')}: {payload}")


def site_source() -> Path:
    """The built site when there is a build, else the folder as it is."""
    dist = SITE_DIR / "dist"
    return dist if dist.is_dir() else SITE_DIR


def upload_site(cloud: Cloud, bucket: str, api_url: str) -> int:
    s3 = cloud.client("s3")
    source = site_source()
    count = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or relative.parts[0] in {"node_modules", "src", "dist"} or path.name.startswith("."):
            continue
        if path.name in {"package.json", "package-lock.json"}:
            continue
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=str(relative), Body=path.read_bytes(), ContentType=content_type)
        count += 1
    config = f"window.ARHAN_CONFIG = {json.dumps({'apiUrl': api_url})};\n"
    s3.put_object(Bucket=bucket, Key="config.js", Body=config.encode(), ContentType="text/javascript")
    return count + 1


def site_origin(cloud: Cloud) -> str:
    """The S3 website origin of the stack's site bucket (its name is fixed by the template)."""
    account = cloud.client("sts").get_caller_identity()["Account"]
    return f"http://{STACK_NAME}-site-{account}.s3-website.localhost:{cloud.port}"


def deploy(cloud: Cloud, parameters: dict[str, str] | None = None, quiet: bool = False) -> StackInfo:
    with step("secrets"):
        created = ensure_secrets(cloud.client("secretsmanager"), SECRET_PREFIX)
        print(f"  created {len(created)} secret(s)" if created else "  all present")
    with step("deploy stack"):
        # Browsers may call the API only from the site (CORS), unless the caller says otherwise.
        outputs = deploy_stack(cloud, {"AllowedOrigin": site_origin(cloud), **(parameters or {})})
    with step("bootstrap"):
        run_bootstraps(cloud, outputs)
    stage = outputs["StageName"]
    api_id = outputs["ApiId"]
    bucket = outputs["SiteBucketName"]
    info = StackInfo(
        api_url=f"{cloud.url}/_aws/execute-api/{api_id}/{stage}",
        site_url=f"http://{bucket}.s3-website.localhost:{cloud.port}/",
        localstack_url=cloud.url,
        api_id=api_id,
        stage=stage,
        site_bucket=bucket,
        outputs=outputs,
    )
    with step("upload site"):
        print(f"  {upload_site(cloud, bucket, info.api_url)} file(s)")
    return info


def main() -> int:
    started = time.monotonic()
    cloud = Cloud(port=int(os.environ.get("LOCALCLOUD_PORT", "4566")), state_dir=LOCALCLOUD_DIR / "cloud")
    if not cloud.healthy():
        print("LocalStack is not running: use `make up`", file=sys.stderr)
        return 1
    info = deploy(cloud)
    (LOCALCLOUD_DIR / "stack.json").write_text(json.dumps(asdict(info), indent=2))
    print(f"\nArhan Financial is up in {time.monotonic() - started:.1f}s")
    print(f"  site:        {info.site_url}")
    print(f"  API:         {info.api_url}")
    print(f"  LocalStack:  {info.localstack_url}")
    print(f"  admin login: secret {SECRET_PREFIX}/identity/first-admin in the local Secrets Manager")
    print(f"  (all of this is in {LOCALCLOUD_DIR / 'stack.json'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
