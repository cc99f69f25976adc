"""Print the IAM statements SAM gives each function, as JSON: ``{function: [statement, ...]}``.

Runs in the SAM CLI's own virtualenv (.venv-sam), whose aws-sam-translator pins a pydantic the
project's runtime does not use; the least-privilege test calls it as a subprocess.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samtranslator.translator.transform import transform

from tools.simulator.template import load_template

RUNTIME_MANAGED_POLICY = "AWSLambdaBasicExecutionRole"


class ManagedPolicies:
    def load(self) -> dict[str, str]:
        return {RUNTIME_MANAGED_POLICY: f"arn:aws:iam::aws:policy/service-role/{RUNTIME_MANAGED_POLICY}"}


def expanded(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    packaged = copy.deepcopy(template)
    for resource in packaged["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://artifacts/code.zip"  # what `sam package` puts there
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    output = transform(packaged, {"AWS::Region": "us-east-1"}, ManagedPolicies())
    statements: dict[str, list[dict[str, Any]]] = {}
    for logical_id, resource in output["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        policies = output["Resources"][role]["Properties"].get("Policies", [])
        statements[logical_id] = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    return statements


def invoke_permissions(template: dict[str, Any]) -> dict[str, Any]:
    """Each AWS::Lambda::Permission SAM generates (logical id -> properties), and the type of each resource a
    permission's SourceArn names (logical id -> type): who may invoke which function."""
    packaged = copy.deepcopy(template)
    for resource in packaged["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://artifacts/code.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    output = transform(packaged, {"AWS::Region": "us-east-1"}, ManagedPolicies())
    resources = output["Resources"]
    return {
        "permissions": {k: r["Properties"] for k, r in resources.items() if r["Type"] == "AWS::Lambda::Permission"},
        "types": {k: r["Type"] for k, r in resources.items()},
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["--invoke-permissions"]:
        print(json.dumps(invoke_permissions(load_template()), default=str))
    else:
        print(json.dumps(expanded(load_template()), default=str))
