"""``make invoke``: one function, one event, against the simulator or (``AWS=1``) a real account."""

from __future__ import annotations

from typing import Any

import boto3

from ecoguard.audit import AuditTrail
from tools.simulator.account import provision, simulated_aws
from tools.simulator.demo import fake_credentials
from tools.simulator.identity import ACCOUNT, REGION, STACK
from tools.simulator.invoke import invoke, reset_caches
from tools.simulator.s3_shim import FakeS3ConfigStore
from tools.simulator.seed import seed_log_groups
from tools.simulator.seed_inference import seed_endpoints, seed_notebooks
from tools.simulator.seed_s3 import seed_buckets
from tools.simulator.template import Resolver, load_template, parameter_defaults


def run_invoke(
    function: str, event: dict[str, Any], *, aws: bool, stack: str | None, mode: str | None, seed: bool
) -> dict[str, Any]:
    env = {"ECOGUARD_MODE": mode} if mode else {}
    template = load_template()
    if aws:
        resolver = deployed_stack(template, stack or STACK)
        results = invoke(function, event, resolver, env=env, template=template)
        return {"results": results}
    fake_credentials()
    with simulated_aws():
        reset_caches()
        resolver = provision(template)
        if seed:
            seed_log_groups()
        if seed and function == "StorageLifecycleFunction":
            # moto stores no Intelligent-Tiering configurations and drops some lifecycle fields: see s3_shim.
            FakeS3ConfigStore().install()
            seed_buckets()
            seed_endpoints()
            seed_notebooks()
        results = invoke(function, event, resolver, env=env, template=template)
        audit = AuditTrail(boto3.client("dynamodb", region_name=REGION), resolver.refs["AuditTable"])
        records = [
            {
                "resource": r.resource.name,
                "outcome": r.outcome.value,
                "reason": r.reason,
                "before": r.before,
                "after": r.after,
            }
            for r in audit.records()
        ]
        return {"results": results, "audit_records": records}


def deployed_stack(template: dict[str, Any], stack: str) -> Resolver:
    """Resolve the function's environment from a stack deployed with ``sam deploy``."""
    session = boto3.session.Session()
    region = session.region_name or REGION
    account = session.client("sts").get_caller_identity().get("Account", ACCOUNT)
    cfn = session.client("cloudformation")
    resolver = Resolver(
        parameters=parameter_defaults(template),
        pseudo={"AWS::StackName": stack, "AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"},
    )
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    resolver.parameters = {
        **resolver.parameters,
        **{p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])},
    }
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            resolver.refs[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return resolver
