"""A deployed stack in the simulated account, for ``ecoguard doctor``: template.yaml as SAM translates it
(tools/org_template.py, in the SAM CLI's virtualenv), created through moto's CloudFormation, keeping what
moto can create and the doctor reads: the functions, their roles and layer, and the stack's own table,
topic, key, queue, bucket, parameter and log groups. Event rules, alarms and the dashboard are left out (the doctor
reads none of them)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = Path(os.environ.get("SAM_CLI") or ROOT / ".venv-sam" / "bin" / "sam").parent / "python"
DEPLOYED_TYPES = {
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::DynamoDB::Table",
    "AWS::SNS::Topic",
    "AWS::KMS::Key",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::SSM::Parameter",
    "AWS::Logs::LogGroup",
}
CODE_BUCKET = "ecoguard-simulated-artifacts"
CODE_KEY = "code.zip"


@cache
def translated_template() -> dict[str, Any]:
    """template.yaml as SAM translates it (once a process: the SAM CLI's virtualenv takes a second or two)."""
    command = [str(SAM_PYTHON), str(ROOT / "tools" / "org_template.py"), "translate", "template.yaml", "--fake-package"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)  # noqa: S603
    output = run.stdout
    result: dict[str, Any] = json.loads(output)
    return result


def deployable(translated: dict[str, Any]) -> dict[str, Any]:
    """The part of the translated template moto's CloudFormation creates; code from one simulated bucket."""
    resources = {}
    for logical_id, resource in translated["Resources"].items():
        if resource["Type"] not in DEPLOYED_TYPES:
            continue
        properties = dict(resource.get("Properties", {}))
        if resource["Type"] == "AWS::Lambda::Function":
            properties["Code"] = {"S3Bucket": CODE_BUCKET, "S3Key": CODE_KEY}
            properties.pop("DeadLetterConfig", None)
        if resource["Type"] == "AWS::Lambda::LayerVersion":
            properties["Content"] = {"S3Bucket": CODE_BUCKET, "S3Key": CODE_KEY}
        resources[logical_id] = {**resource, "Properties": properties}
        resources[logical_id].pop("Metadata", None)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": translated.get("Parameters", {}),
        "Conditions": translated.get("Conditions", {}),
        "Resources": resources,
    }


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return None\n")
    return buffer.getvalue()


def deploy(stack: str, template: dict[str, Any], parameters: dict[str, str] | None = None) -> str:
    """Create ``stack`` from ``template`` (``deployable``'s) in the simulated account; returns its id."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=CODE_BUCKET)
    s3.put_object(Bucket=CODE_BUCKET, Key=CODE_KEY, Body=code_zip())
    response = boto3.client("cloudformation").create_stack(
        StackName=stack,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    return str(response["StackId"])


def moto_cfn_drops_function_layers_and_architectures(stack: str, translated: dict[str, Any]) -> None:
    """moto 5.2.5's CloudFormation creates each AWS::Lambda::Function without its ``Layers`` and
    ``Architectures`` (x86_64, no layer) and the LayerVersion without a version ARN. Publish the layer as
    ``sam deploy`` would and give each function the layer and architectures its template names."""
    lam = boto3.client("lambda")
    layer = translated["Resources"][
        next(k for k, r in translated["Resources"].items() if r["Type"] == "AWS::Lambda::LayerVersion")
    ]
    properties = layer["Properties"]
    published = lam.publish_layer_version(
        LayerName=f"{stack}-ecoguard",
        Description=str(properties.get("Description", "")),
        Content={"S3Bucket": CODE_BUCKET, "S3Key": CODE_KEY},
        CompatibleRuntimes=list(properties.get("CompatibleRuntimes", [])),
        CompatibleArchitectures=list(properties.get("CompatibleArchitectures", [])),
    )
    cloudformation = boto3.client("cloudformation")
    resources = cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    for summary in resources:
        if summary["ResourceType"] != "AWS::Lambda::Function":
            continue
        declared = translated["Resources"][summary["LogicalResourceId"]]["Properties"]
        name = summary["PhysicalResourceId"]
        lam.update_function_configuration(FunctionName=name, Layers=[published["LayerVersionArn"]])
        lam.update_function_code(
            FunctionName=name,
            S3Bucket=CODE_BUCKET,
            S3Key=CODE_KEY,
            Architectures=declared.get("Architectures", ["x86_64"]),
        )


def moto_cfn_creates_every_kms_key_symmetric(stack: str, translated: dict[str, Any]) -> None:
    """moto 5.2.5's CloudFormation creates each AWS::KMS::Key as SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT, whatever
    its ``KeySpec`` and ``KeyUsage``, and keeps its ``KeyPolicy`` as an object that its own policy check then
    cannot parse. CloudFormation creates the key the template declares (AWS::KMS::Key, KeySpec and KeyUsage):
    give each key its declared spec and usage, and its (resolved) policy as the JSON document KMS keeps."""
    from moto.kms.models import kms_backends

    account = boto3.client("sts").get_caller_identity()["Account"]
    backend = kms_backends[account][boto3.session.Session().region_name or "us-east-1"]
    summaries = boto3.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    for summary in summaries:
        if summary["ResourceType"] != "AWS::KMS::Key":
            continue
        declared = translated["Resources"][summary["LogicalResourceId"]]["Properties"]
        key = backend.keys[summary["PhysicalResourceId"]]
        key.key_spec = declared.get("KeySpec", key.key_spec)
        key.key_usage = declared.get("KeyUsage", key.key_usage)
        key.policy = key.policy if isinstance(key.policy, str) else json.dumps(key.policy)


def deploy_simulated_stack(stack: str = "ecoguard") -> str:
    """template.yaml, as ``sam deploy`` would leave it, in the simulated account (see the module's doc)."""
    translated = translated_template()
    stack_id = deploy(stack, deployable(translated))
    moto_cfn_drops_function_layers_and_architectures(stack, translated)
    moto_cfn_creates_every_kms_key_symmetric(stack, translated)
    return stack_id
