"""The organization member template (make org-template) deploys as a StackSet hands it to an account:
CreateStack by TemplateURL, its code in the artifact bucket. Here the artifact bucket is LocalStack's S3,
where tools/org_template.py packages the code (with ARTIFACT_BUCKET unset it would use a moto_server)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.deploy.conftest import Clients
from tests.deploy.expected import expected_resources
from tests.deploy.localstack import REGION, LocalStack
from tests.deploy.probes import PROBES, exists
from tests.deploy.stack import stack_resources, stack_status

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
BUCKET = "ecoguard-artifacts-smoke"
KEY = "ecoguard-member.yaml"
OUTPUT = ROOT / ".aws-sam" / "deploy-smoke-org" / KEY
# A StackSet names its instances; the member template fixes the names it gives (tools/org_template.py).
STACK = "ecoguard"
INLINE_LIMIT = 51_200
CODE = {"AWS::Lambda::Function": "Code", "AWS::Lambda::LayerVersion": "Content"}


def build_member_template(localstack: LocalStack) -> dict[str, Any]:
    env = {**os.environ, **localstack.client_environment(), "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [str(SAM_PYTHON), "tools/org_template.py", "build", "--bucket", BUCKET, "--region", REGION,
         "--output", str(OUTPUT)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"org_template.py build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    template: dict[str, Any] = yaml.safe_load(OUTPUT.read_text())
    return template


def test_the_member_template_deploys_by_url_with_its_code_in_the_artifact_bucket(
    localstack: LocalStack, aws: Clients
) -> None:
    s3, cfn = aws("s3"), aws("cloudformation")
    s3.create_bucket(Bucket=BUCKET)
    template = build_member_template(localstack)
    assert "Transform" not in template
    body = OUTPUT.read_text()
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=body.encode())
    if len(body.encode()) > INLINE_LIMIT:
        with pytest.raises(ClientError, match=r"51200|length"):
            cfn.create_stack(StackName=f"{STACK}-inline", TemplateBody=body, Capabilities=["CAPABILITY_IAM"])

    for resource in template["Resources"].values():
        if resource["Type"] in CODE:
            location = resource["Properties"][CODE[resource["Type"]]]
            assert location["S3Bucket"] == BUCKET, location
            s3.head_object(Bucket=BUCKET, Key=location["S3Key"])

    cfn.create_stack(
        StackName=STACK,
        TemplateURL=f"https://{BUCKET}.s3.amazonaws.com/{KEY}",
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    try:
        cfn.get_waiter("stack_create_complete").wait(StackName=STACK, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
        expected = expected_resources(template, {})
        actual = stack_resources(aws, STACK)
        assert set(actual) == set(expected), (sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected)))
        for logical_id, resource in actual.items():
            assert resource.status == "CREATE_COMPLETE", f"{logical_id}: {resource.status}"
            if resource.type in PROBES:
                assert exists(aws, resource.type, resource.physical_id), logical_id
        functions = [r for r in actual.values() if r.type == "AWS::Lambda::Function"]
        assert functions
        for function in functions:
            configuration = aws("lambda").get_function_configuration(FunctionName=function.physical_id)
            assert configuration["State"] == "Active", function.logical_id
            assert configuration["Environment"]["Variables"]["ECOGUARD_MODE"] == "dry-run"
    finally:
        cfn.delete_stack(StackName=STACK)
        cfn.get_waiter("stack_delete_complete").wait(StackName=STACK, WaiterConfig={"Delay": 2, "MaxAttempts": 150})
    assert stack_status(aws, STACK) in {None, "DELETE_COMPLETE"}
