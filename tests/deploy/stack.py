"""The SAM CLI against LocalStack, and what a stack holds according to CloudFormation."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from tests.deploy.localstack import REGION, LocalStack
from tests.deploy.probes import Client

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-sam" / "bin" / "sam"
STEP_TIMEOUT_S = 600


def sam(localstack: LocalStack, *args: str) -> None:
    """Run the project's SAM CLI with LocalStack as its only AWS; fail with its output."""
    env = {**os.environ, **localstack.client_environment(), "SAM_CLI_TELEMETRY": "0"}
    started = time.monotonic()
    result = subprocess.run(
        [str(SAM), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False
    )
    print(f"sam {args[0]}: {time.monotonic() - started:.0f} s (exit {result.returncode})")
    assert result.returncode == 0, f"sam {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def deploy(localstack: LocalStack, built: Path, stack: str, overrides: dict[str, str]) -> None:
    parameters = [f'{k}="{v}"' for k, v in overrides.items()]
    sam(
        localstack, "deploy", "--template-file", str(built), "--stack-name", stack, "--resolve-s3",
        "--capabilities", "CAPABILITY_IAM", "--no-confirm-changeset", "--no-fail-on-empty-changeset",
        "--no-progressbar", "--region", REGION, *(["--parameter-overrides", *parameters] if parameters else []),
    )  # fmt: skip


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    type: str
    physical_id: str
    status: str


def stack_status(aws: Client, stack: str) -> str | None:
    """The stack's status, or None when CloudFormation no longer knows it."""
    try:
        stacks = aws("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None


def stack_resources(aws: Client, stack: str) -> dict[str, StackResource]:
    resources: dict[str, StackResource] = {}
    for page in aws("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack):
        for r in page["StackResourceSummaries"]:
            resources[r["LogicalResourceId"]] = StackResource(
                r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId", ""), r["ResourceStatus"]
            )
    return resources


def original_template(aws: Client, stack: str) -> str:
    body: Any = aws("cloudformation").get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    if isinstance(body, str):
        return body
    return json.dumps(body)
