"""``make invoke``: one function, one event, against the simulator or (``AWS=1``) a real account.

On the simulator, the account is seeded as the demo seeds it for that function (the scenes whose title names
it: endpoints for IdleEndpointFunction, training jobs for TrainingGuardFunction, ...), so that every example
of the README shows its function at work; a function no scene names gets the demo's log groups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from rich.console import Console

from ecoguard.audit import AuditTrail
from tools.simulator.account import provision, simulated_aws
from tools.simulator.demo import fake_credentials
from tools.simulator.identity import ACCOUNT, REGION, STACK
from tools.simulator.invoke import invoke, reset_caches
from tools.simulator.router import EventRouter
from tools.simulator.scenes import scenes
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed import seed_log_groups
from tools.simulator.seed_serving import create_serving_endpoints
from tools.simulator.template import Resolver, load_template, parameter_defaults
from tools.simulator.training_jobs import RunningTrainingJobs


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
        audit = AuditTrail(boto3.client("dynamodb", region_name=REGION), resolver.refs["AuditTable"])
        router = EventRouter.from_template(template, region=REGION, account=ACCOUNT, stack=STACK)
        ctx = DemoContext(Console(quiet=True), resolver, router, audit, template)
        seeded = [scene for scene in scenes() if scene.title.startswith(f"{function}:")] if seed else []
        for scene in seeded:
            scene.seed(ctx)
        if seed and not seeded:
            seed_log_groups()
        with while_invoked(function):
            results = invoke(function, event, resolver, env=env, template=template)
        for scene in seeded:
            getattr(scene, "teardown", lambda: None)()
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


@contextmanager
def while_invoked(function: str) -> Iterator[None]:
    """What the function's demo scene sets up around its invocation, not at seeding."""
    if function == "TrainingGuardFunction":  # moto has no StopTrainingJob: the named shim supplies it
        with RunningTrainingJobs.install():
            yield
        return
    if function == "ServingAdvisorFunction":  # the scene creates the advised endpoints only while it runs
        create_serving_endpoints()
    yield


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
            logical, physical = resource["LogicalResourceId"], resource["PhysicalResourceId"]
            resolver.refs[logical] = physical
            arn = arn_of(resource["ResourceType"], physical, region, account)
            if arn is not None:
                resolver.attributes[(logical, "Arn")] = arn
    return resolver


def arn_of(resource_type: str, physical_id: str, region: str, account: str) -> str | None:
    """``!GetAtt <resource>.Arn`` of a deployed resource, from what ListStackResources tells: its physical id is
    the ARN itself for some types; a KMS key's is its key id (CloudFormation, AWS::KMS::Key return values)."""
    if physical_id.startswith("arn:"):
        return physical_id
    if resource_type == "AWS::KMS::Key":
        return f"arn:aws:kms:{region}:{account}:key/{physical_id}"
    return None
