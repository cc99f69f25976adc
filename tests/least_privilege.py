"""Least privilege, measured: the IAM actions each function's tests made, against the policy its role
gets from template.yaml once SAM has expanded it (aws-sam-translator).

Run by ``make test`` (``ECOGUARD_LEAST_PRIVILEGE=1``): at the end of the session, every function must
have been invoked, every operation it made must be granted, and every granted action must have been
used, apart from the actions AWS services use on the function's behalf (listed below, with why).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# botocore signing name -> IAM service prefix, where they differ.
SERVICE_PREFIX = {"monitoring": "cloudwatch", "tagging": "tag", "events": "events"}
# Operations whose IAM action is not "<prefix>:<OperationName>" (Service Authorization Reference).
ACTION_OF_OPERATION = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3", "PutBucketLifecycleConfiguration"): "s3:PutLifecycleConfiguration",
    ("s3", "DeleteBucketLifecycle"): "s3:PutLifecycleConfiguration",
    ("s3", "GetBucketIntelligentTieringConfiguration"): "s3:GetIntelligentTieringConfiguration",
    ("s3", "PutBucketIntelligentTieringConfiguration"): "s3:PutIntelligentTieringConfiguration",
    ("s3", "DeleteBucketIntelligentTieringConfiguration"): "s3:PutIntelligentTieringConfiguration",
    ("s3", "ListBucketIntelligentTieringConfigurations"): "s3:GetIntelligentTieringConfiguration",
    ("s3", "GetBucketLocation"): "s3:GetBucketLocation",
    ("lambda", "Invoke"): "lambda:InvokeFunction",
    # A transaction is authorized as the actions in it (DynamoDB developer guide, "Using IAM with DynamoDB
    # transactions"); ecoguard's hold only Puts (ecoguard/audit_batch.py).
    ("dynamodb", "TransactWriteItems"): "dynamodb:PutItem",
}
# Granted but never an API call of ecoguard's code: used by AWS on the function's behalf, or
# authorized implicitly as part of another call.
SERVICE_SIDE = {
    "sqs:SendMessage": "Lambda writes failed asynchronous events to the dead-letter queue",
    "kms:GenerateDataKey": "SNS encrypts a published message with the topic's key, as the publisher",
    "kms:Decrypt": "SNS encrypts a published message with the topic's key, as the publisher",
    "iam:PassRole": "SageMaker checks it when CreateTrainingJob passes the job's role, or CreateEndpointConfig its "
    "ExecutionRoleArn; it is not an API call",
    "kms:CreateGrant": "SageMaker creates a grant on an endpoint configuration's KmsKeyId as the caller of "
    "CreateEndpoint (SageMaker Developer Guide, API permissions reference)",
    "kms:DescribeKey": "SageMaker reads an endpoint configuration's KmsKeyId on the caller's behalf",
    "sagemaker:AddTags": "CreateTrainingJob with Tags is also authorized as sagemaker:AddTags (tag on create)",
    "iam:CreateServiceLinkedRole": "Application Auto Scaling creates its service-linked role on the first "
    "RegisterScalableTarget in an account",
    "sagemaker:UpdateEndpointWeightsAndCapacities": "Application Auto Scaling checks the caller may call it when "
    "RegisterScalableTarget registers a variant (Application Auto Scaling User Guide, permissions for SageMaker)",
    "sagemaker:UpdateInferenceComponentRuntimeConfig": "Application Auto Scaling checks the caller may call it when "
    "RegisterScalableTarget registers an inference component",
    "sagemaker:DescribeInferenceComponent": "Application Auto Scaling checks the caller may call it when "
    "RegisterScalableTarget registers an inference component (RestoreFunction: its only use)",
    "application-autoscaling:DeregisterScalableTarget": "SageMaker deregisters an autoscaled endpoint's targets as "
    "the caller deletes it (IdleEndpointFunction: its only use)",
}


def iam_action(signing_name: str, operation: str) -> str:
    prefix = SERVICE_PREFIX.get(signing_name, signing_name)
    return ACTION_OF_OPERATION.get((prefix, operation), f"{prefix}:{operation}")


def expanded_policies() -> dict[str, list[dict[str, Any]]]:
    """Function logical id -> its role's inline statements, as SAM would deploy them (tools/sam_expand.py,
    run in the SAM CLI's virtualenv, whose aws-sam-translator pins its own pydantic)."""
    sam = Path(os.environ.get("SAM_CLI") or ROOT / ".venv-sam" / "bin" / "sam")
    python = sam.parent / "python"
    output = subprocess.run(
        [str(python), str(ROOT / "tools" / "sam_expand.py")], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    result: dict[str, list[dict[str, Any]]] = json.loads(output)
    return result


def allowed_actions(statements: Iterable[Mapping[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def mismatches(used: Mapping[str, Iterable[str]], granted: Mapping[str, set[str]]) -> list[str]:
    problems = []
    for function, actions in sorted(granted.items()):
        if function not in used:
            problems.append(f"{function}: never invoked by the tests, so its grants are unproven")
            continue
        made = set(used[function])
        for action in sorted(made - actions):
            problems.append(f"{function}: calls {action}, which its role does not grant")
        for action in sorted(actions - made - set(SERVICE_SIDE)):
            problems.append(f"{function}: is granted {action}, which no test saw it use")
    return problems


RESTORE_FUNCTION = "RestoreFunction"


def unit_mismatches(observed: Mapping[tuple[str, str], Iterable[str]], granted: Mapping[str, set[str]]) -> list[str]:
    """Each action unit's declared permissions against what it was seen to call (``observed``: IAM actions by
    (action name, phase)), and against the template's grants to the function that applies it and to the
    RestoreFunction that undoes it."""
    from ecoguard.actions import registries
    from ecoguard.units import Phase

    problems = []
    for registry in registries():
        for unit in registry.units:
            declared = {Phase.APPLY: unit.permissions, Phase.RESTORE: unit.restore_permissions}
            # A unit restore refuses (``restorable`` False) is read back (``current``) only where its change is
            # settled (ecoguard.settle), in the function that applies it: RestoreFunction never calls it.
            reader = RESTORE_FUNCTION if unit.restorable else registry.function
            for phase, function in ((Phase.APPLY, registry.function), (Phase.RESTORE, reader)):
                for action in sorted(set(observed.get((unit.name, phase.value), ())) - declared[phase]):
                    problems.append(f"{unit.name} ({phase}): calls {action}, which it does not declare")
                for action in sorted(declared[phase] - granted.get(function, set())):
                    problems.append(f"{unit.name} ({phase}): declares {action}, which {function} is not granted")
    return problems
