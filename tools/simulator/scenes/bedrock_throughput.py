"""Demo scene: an idle Bedrock Provisioned Throughput bought without a commitment (noticed, then deleted in
enforce), and one bought with a six-month commitment (reported with the end of its term, never deleted)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import yaml

from ecoguard.decisions import Mode
from tools.simulator.bedrock_shim import throughput_exists
from tools.simulator.identity import REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed_bedrock import DEMO, seed_throughputs

FUNCTION = "BedrockThroughputFunction"


class BedrockThroughputScene:
    title = "BedrockThroughputFunction: idle Bedrock Provisioned Throughput"
    guardrail = "bedrock-throughput"
    restore_action = "delete-provisioned-throughput"  # restore refuses it: re-buying is a purchase

    def __init__(self) -> None:
        self.arns: dict[str, str] = {}

    def seed(self, ctx: DemoContext) -> str:
        self.arns = seed_throughputs(DEMO)
        ssm = boto3.client("ssm", region_name=REGION)
        name = ctx.resolver.refs["PolicyParameter"]
        policy = yaml.safe_load(ssm.get_parameter(Name=name)["Parameter"]["Value"]) or {}
        # The demo's operator asserts that no datapoint means no request, and takes no grace period.
        policy["bedrock_throughput"] = {"grace_hours": 0, "no_data_is_idle": True}
        ssm.put_parameter(Name=name, Value=json.dumps(policy), Overwrite=True, Type="String")
        return (
            f"{len(DEMO)} Provisioned Throughputs bought 30 days ago, no request since: one without a commitment, "
            "one for six months (policy: no datapoint is idle, no grace)"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        # Two sweeps, as scheduled: the first notices the idle throughput, the second may delete it.
        for sweep in (1, 2):
            event = ctx.router.scheduled_event(FUNCTION) | {"id": f"bedrock-throughput-{mode.value}-{sweep}"}
            ctx.invoke(FUNCTION, event, mode)
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        for record in sorted(records, key=lambda r: (r.action, r.resource.name)):
            ctx.console.print(f"  {record.outcome.value}: {record.action} {record.resource.name}: {record.reason}")
        exists = {name: throughput_exists(arn) for name, arn in self.arns.items()}
        ctx.console.print(
            "Provisioned Throughputs now: "
            + ", ".join(f"{name} {'exists' if alive else 'deleted'}" for name, alive in exists.items())
            + "."
        )
        return {"exists": exists, "actions": sorted({(r.action, r.outcome.value) for r in records})}
