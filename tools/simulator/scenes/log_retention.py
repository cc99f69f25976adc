"""Demo scene: CloudWatch Logs retention on SageMaker and Lambda log groups."""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import boto3
from rich.table import Table

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed import retention_snapshot, seed_log_groups
from tools.simulator.template import ROOT

CREATE_LOG_GROUP_EVENT = ROOT / "events" / "log_retention" / "cloudtrail-createloggroup.json"
FUNCTION = "LogRetentionFunction"


def create_log_group_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads(CREATE_LOG_GROUP_EVENT.read_text()))
    event["detail"]["requestParameters"]["logGroupName"] = name
    event["region"] = event["detail"]["awsRegion"] = REGION
    event["account"] = ACCOUNT
    return event


def outcome_table(title: str, records: Iterable[AuditRecord], compliant: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("outcome", style="bold")
    table.add_column("log groups", justify="right")
    table.add_column("why (count)")
    table.add_column("examples")
    grouped: dict[Outcome, list[AuditRecord]] = defaultdict(list)
    for record in records:
        grouped[record.outcome].append(record)
    for outcome in (Outcome.WOULD_APPLY, Outcome.APPLIED, Outcome.SKIPPED, Outcome.FAILED):
        rows = grouped.get(outcome, [])
        if not rows:
            continue
        reasons = Counter(r.reason.split(" -> ")[0] if r.after else r.reason for r in rows)
        why = "\n".join(f"{reason} ({count})" for reason, count in reasons.most_common())
        examples = "\n".join(
            f"{r.resource.name}: {_days(r.before)} -> {_days(r.after)}" if r.after else r.resource.name
            for r in rows[:3]
        )
        table.add_row(outcome.value, str(len(rows)), why, examples)
    table.add_row("compliant", str(compliant), "explicit retention kept (never shortened)", "")
    return table


def _example(record: AuditRecord) -> str:
    if not record.after:
        return record.resource.name
    return f"{record.resource.name}: {_days(record.before)} -> {_days(record.after)}"


def _days(state: Any) -> str:
    days = state.get("retentionInDays") if isinstance(state, dict) else None
    return "never expire" if days is None else f"{days} d"


class LogRetentionScene:
    title = "LogRetentionFunction: CloudWatch Logs retention"
    guardrail = "log-retention"

    def seed(self, ctx: DemoContext) -> str:
        count = seed_log_groups()
        return f"{count} log groups (SageMaker, Lambda and others; some with a retention, some tagged ecoguard:exempt)"

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        before = retention_snapshot()
        sweep = ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION), mode)
        new_group = f"/aws/sagemaker/Endpoints/new-model-{mode.value}"
        boto3.client("logs", region_name=REGION).create_log_group(logGroupName=new_group)
        event = create_log_group_event(new_group)
        first = ctx.deliver(event, mode)
        again = ctx.redeliver(first, mode)

        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        changed = sorted(n for n, days in retention_snapshot().items() if n in before and days != before[n])
        compliant = sum(int(r.get("compliant", 0)) for r in sweep)
        ctx.console.print(
            f"Daily sweep: {len(sweep)} invocation(s). A CloudTrail CreateLogGroup event for {new_group} was "
            f"routed by EventBridge to {[d.function for d in first]}."
        )
        ctx.console.print(outcome_table(f"log-retention, {mode.value}", records, compliant))
        actions = sum(r.get("applied", 0) + r.get("would-apply", 0) for d in again for r in d.results)
        duplicates = sum(r.get("duplicate", 0) for d in again for r in d.results)
        ctx.console.print(
            f"Log groups whose retention changed: [bold]{len(changed)}[/]"
            + (" (dry-run writes nothing to governed resources)" if mode is Mode.DRY_RUN else "")
            + f". The same event delivered again: {actions} new actions, {duplicates} recognised as duplicates."
        )
        return {"records": len(records), "changed": changed, "redelivery_actions": actions}
