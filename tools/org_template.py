"""Build dist/org/ecoguard-member.yaml: template.yaml as plain CloudFormation, ready for a
service-managed StackSet (which accepts no macros, and the SAM transform is one).

    sam build -> sam package (code to the artifact bucket) -> aws-sam-translator -> cfn-lint

Runs in the SAM CLI's virtualenv (.venv-sam), whose aws-sam-translator pins its own pydantic.
With no ``--bucket`` (``make org-template`` without ARTIFACT_BUCKET) the artifact bucket is served
by a local ``moto_server`` on 127.0.0.1, so the target runs offline and in CI; the template is the
same, only the code locations name the local bucket.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "dist" / "org" / "ecoguard-member.yaml"
# StackSet instances are named StackSet-<set name>-<uuid>, over 45 characters, and the function names
# are "${AWS::StackName}-<function>" (Lambda allows 64): members use this fixed name instead. One
# member stack per account and region, so the names stay unique where they must be.
MEMBER_NAME = "ecoguard"
LOCAL_BUCKET = "ecoguard-artifacts-local"


class ManagedPolicies:
    """The managed policies SAM attaches by name, resolved without calling IAM (ARNs are fixed)."""

    def load(self) -> dict[str, str]:
        names = ("AWSLambdaBasicExecutionRole", "AWSLambdaDynamoDBExecutionRole")
        return {n: f"arn:aws:iam::aws:policy/service-role/{n}" for n in names}


def _fix_stack_name(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        if value == {"Ref": "AWS::StackName"}:
            return name
        if "Fn::Sub" in value and len(value) == 1:
            arg = value["Fn::Sub"]
            if isinstance(arg, str):
                text = arg.replace("${AWS::StackName}", name)
                return {"Fn::Sub": text} if "${" in text else text
            return {"Fn::Sub": [arg[0].replace("${AWS::StackName}", name), _fix_stack_name(arg[1], name)]}
        return {k: _fix_stack_name(v, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_fix_stack_name(v, name) for v in value]
    return value


REGION_VARIABLE = "${AWS::Region}"


CODE_PROPERTY = {"AWS::Lambda::Function": "Code", "AWS::Lambda::LayerVersion": "Content"}


def regional_code(template: dict[str, Any], bucket_pattern: str) -> None:
    """Lambda reads function and layer code only from a bucket in the function's own region: point every
    code location at ``bucket_pattern`` (e.g. ``my-artifacts-${AWS::Region}``), one bucket per region."""
    for resource in template["Resources"].values():
        key = CODE_PROPERTY.get(resource["Type"])
        if key:
            resource["Properties"][key]["S3Bucket"] = {"Fn::Sub": bucket_pattern}


def member_template(
    packaged: dict[str, Any], name: str = MEMBER_NAME, bucket_pattern: str | None = None
) -> dict[str, Any]:
    """The packaged SAM template (CodeUri/ContentUri in S3) as plain CloudFormation."""
    template = copy.deepcopy(packaged)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    output: dict[str, Any] = transform(template, {}, ManagedPolicies())
    output.pop("Transform", None)
    output = _fix_stack_name(output, name)
    if bucket_pattern:
        regional_code(output, bucket_pattern)
    output["Description"] = f"{output.get('Description', '').strip()} (StackSet member; built by make org-template)"
    return output


def fake_packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` leaves, without building: code locations in S3 (for tests, offline)."""
    packaged = copy.deepcopy(template)
    for resource in packaged["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://{LOCAL_BUCKET}/ecoguard-member/{key.lower()}.zip"
    return packaged


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_artifact_bucket() -> Iterator[dict[str, str]]:
    """A moto_server on 127.0.0.1 standing in for S3, with the bucket created; yields the environment."""
    moto_server = ROOT / ".venv" / "bin" / "moto_server"
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own virtualenv's moto_server
        [str(moto_server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }
        request = urllib.request.Request(f"{endpoint}/{LOCAL_BUCKET}", method="PUT")  # noqa: S310
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback only
        yield env
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(*args: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, env={**os.environ, **(env or {})}, check=True)  # noqa: S603


def build(bucket: str | None, region: str, name: str, output: Path = OUTPUT) -> Path:
    """``bucket`` may name one bucket per region with ``{region}`` in it (make would expand ``${...}``):
    the code is packaged into the one for ``region``; copy it to the others (docs/ORGANIZATIONS.md)."""
    bucket = bucket.replace("{region}", REGION_VARIABLE) if bucket else None
    pattern = bucket if bucket and REGION_VARIABLE in bucket else None
    bucket = bucket.replace(REGION_VARIABLE, region) if bucket else None
    sam = str(Path(sys.executable).parent / "sam")
    build_dir = ROOT / ".aws-sam" / "org-build"
    output.parent.mkdir(parents=True, exist_ok=True)
    packaged_path = output.parent / "packaged.yaml"
    run(sam, "build", "--template-file", "template.yaml", "--build-dir", str(build_dir))
    with contextlib.ExitStack() as stack:
        env = {} if bucket else stack.enter_context(local_artifact_bucket())
        if not bucket:
            print(f"no ARTIFACT_BUCKET: packaging into a local moto_server ({env['AWS_ENDPOINT_URL_S3']})")
        run(
            sam, "package", "--template-file", str(build_dir / "template.yaml"),
            "--s3-bucket", bucket or LOCAL_BUCKET, "--s3-prefix", "ecoguard-member",
            "--output-template-file", str(packaged_path), "--region", region, "--no-progressbar",
            env=env,
        )  # fmt: skip
    packaged = yaml_parse(packaged_path.read_text())
    member = member_template(packaged, name, pattern)
    output.write_text(yaml.safe_dump(member, sort_keys=False, width=200))
    run(str(Path(sys.executable).parent / "cfn-lint"), str(output))
    print(f"wrote {output}: {len(member['Resources'])} resources, no Transform")
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="sam build + package + translate + cfn-lint")
    b.add_argument("--bucket", default=os.environ.get("ARTIFACT_BUCKET") or None)
    b.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    b.add_argument("--name", default=MEMBER_NAME)
    b.add_argument("--output", type=Path, default=OUTPUT, help=f"default {OUTPUT.relative_to(ROOT)}")
    t = sub.add_parser("translate", help="translate a template with code in S3 (or fake it) and print JSON")
    t.add_argument("template", type=Path)
    t.add_argument("--fake-package", action="store_true", help="put placeholder S3 code locations first")
    t.add_argument("--bucket-pattern", default=None, help="one artifact bucket per region, e.g. 'a-${AWS::Region}'")
    args = parser.parse_args()
    if args.command == "build":
        build(args.bucket, args.region, args.name, args.output)
        return
    from tools.simulator.template import load_template

    template = load_template(args.template)
    packaged = fake_packaged(template) if args.fake_package else template
    print(json.dumps(member_template(packaged, bucket_pattern=args.bucket_pattern), default=str))


if __name__ == "__main__":
    main()
