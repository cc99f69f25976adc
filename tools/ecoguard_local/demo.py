"""``make demo``: ecoguard on a simulated ML account, in dry-run and then in enforce mode.

Everything runs in-process: moto stands in for AWS, the stack's resources come from
template.yaml, events reach the functions through EventBridge rules built from the
template's own patterns, and the handlers are the ones ``sam deploy`` ships.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import boto3
from moto import mock_aws
from rich.console import Console
from rich.table import Table

from ecoguard.actions import Mode, Outcome
from ecoguard.adapters.logs import LogsAdapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.invocation import utc_now
from ecoguard.restore import restore
from ecoguard.runners.log_retention import LogRetentionRestorer
from tools.ecoguard_local.account import ACCOUNT, REGION, STACK, provision
from tools.ecoguard_local.invoke import invoke, reset_caches
from tools.ecoguard_local.router import EventRouter
from tools.ecoguard_local.seed import retention_snapshot, seed_log_groups
from tools.ecoguard_local.template import ROOT, load_template

CREATE_LOG_GROUP_EVENT = ROOT / "events" / "log_retention" / "cloudtrail-createloggroup.json"
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


def fake_credentials() -> None:
    # Placeholder credentials for the in-process simulator; nothing leaves the machine.
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106
        AWS_SESSION_TOKEN="testing",  # noqa: S106
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
    )


def create_log_group_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads(CREATE_LOG_GROUP_EVENT.read_text()))
    event["detail"]["requestParameters"]["logGroupName"] = name
    event["region"] = event["detail"]["awsRegion"] = REGION
    event["account"] = ACCOUNT
    return event


def outcome_table(title: str, records: Iterable[AuditRecord], compliant: int) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("outcome", style="bold")
    table.add_column("log groups", justify="right")
    table.add_column("why (count)")
    table.add_column("examples")
    grouped: dict[Outcome, list[AuditRecord]] = defaultdict(list)
    for record in records:
        grouped[record.outcome].append(record)
    for outcome in (Outcome.WOULD_APPLY, Outcome.APPLIED, Outcome.SKIPPED, Outcome.FAILED, Outcome.RESTORED):
        rows = grouped.get(outcome, [])
        if not rows:
            continue
        reasons = Counter(_reason_kind(r) for r in rows)
        why = "\n".join(f"{reason} ({count})" for reason, count in reasons.most_common())
        examples = "\n".join(
            f"{r.resource.name}: {_days(r.before)} -> {_days(r.after)}" if r.after else r.resource.name
            for r in rows[:3]
        )
        table.add_row(outcome.value, str(len(rows)), why, examples)
    table.add_row("compliant", str(compliant), "explicit retention kept (never shortened)", "")
    return table


def _reason_kind(record: AuditRecord) -> str:
    return record.reason.split(" -> ")[0] if record.outcome is not Outcome.SKIPPED else record.reason


def _days(state: Any) -> str:
    days = state.get("retentionInDays") if isinstance(state, dict) else None
    return "never expire" if days is None else f"{days} d"


def run_demo(console: Console) -> dict[str, Any]:
    fake_credentials()
    template = load_template()
    with mock_aws():
        reset_caches()
        resolver = provision(template, stack=STACK)
        router = EventRouter.from_template(template, region=REGION, account=ACCOUNT, stack=STACK)
        seeded = seed_log_groups()
        table_name = resolver.refs["AuditTable"]
        audit = AuditTrail(boto3.client("dynamodb", region_name=REGION), table_name)
        console.rule("[bold]ecoguard demo: a simulated ML account")
        console.print(
            f"Seeded {seeded} log groups (SageMaker, Lambda and others; some with a retention, some tagged "
            f"ecoguard:exempt). Stack resources from template.yaml: audit table [cyan]{table_name}[/], "
            f"topic, policy parameter, dead-letter queue. EventBridge rules: "
            f"{', '.join(router.queues)} (patterns), {', '.join(router.schedules)} (schedules)."
        )
        results: dict[str, Any] = {}
        for mode in (Mode.DRY_RUN, Mode.ENFORCE):
            before = retention_snapshot()
            env = {**QUIET, "ECOGUARD_MODE": mode.value}
            console.rule(f"[bold]{mode.value}[/]: LogRetentionFunction")

            sweep_event = router.scheduled_event("LogRetentionFunction")
            sweep = invoke("LogRetentionFunction", sweep_event, resolver, env=env, template=template)
            new_group = f"/aws/sagemaker/Endpoints/new-model-{mode.value}"
            boto3.client("logs", region_name=REGION).create_log_group(logGroupName=new_group)
            event = create_log_group_event(new_group)
            deliveries = router.route(event)
            console.print(
                f"Daily sweep: {len(sweep)} invocation(s). CreateLogGroup event for {new_group}: delivered by "
                f"EventBridge to {[fn for fn, _ in deliveries]}."
            )
            for logical_id, delivered in deliveries:
                invoke(logical_id, delivered, resolver, env=env, template=template)
            duplicate = [invoke(fn, ev, resolver, env=env, template=template) for fn, ev in deliveries]

            after = retention_snapshot()
            records = [
                r for r in audit.records("log-retention") if r.mode is mode and not r.action.startswith("restore")
            ]
            changed = sorted(name for name in after if name in before and after[name] != before[name])
            compliant = sum(r.get("compliant", 0) for r in sweep)
            console.print(outcome_table(f"log-retention, {mode.value}", records, compliant))
            console.print(
                f"Log groups whose retention changed: [bold]{len(changed)}[/]"
                + (" (dry-run writes nothing to governed resources)" if mode is Mode.DRY_RUN else "")
                + f". Same CreateLogGroup event delivered again: {_dup_summary(duplicate)}."
            )
            results[mode.value] = {"records": len(records), "changed": changed}

        console.rule("[bold]restore")
        applied = next(r for r in audit.records("log-retention") if r.outcome is Outcome.APPLIED)
        restorer = LogRetentionRestorer(LogsAdapter(boto3.client("logs", region_name=REGION)))
        result = restore(applied, restorer=restorer, audit=audit, mode=Mode.ENFORCE, clock=utc_now)
        console.print(
            f"Restore {applied.resource.name} from its audit record: {result.outcome.value}: {result.message}. "
            f"Any applied record can be undone with: make restore STACK=<stack> PK=<arn> SK=<sk> APPLY=1"
        )
        results["restore"] = result.outcome.value
        return results


def _dup_summary(results: list[list[dict[str, Any]]]) -> str:
    flat = [r for batch in results for r in batch]
    dupes = sum(r.get("duplicate", 0) for r in flat)
    applied = sum(r.get("applied", 0) + r.get("would-apply", 0) for r in flat)
    return f"{applied} new actions, {dupes} recognised as duplicates"


def main() -> None:
    run_demo(Console())


if __name__ == "__main__":
    main()
