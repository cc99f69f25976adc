"""``make demo``: ecoguard on a simulated ML account, in dry-run and then in enforce mode.

Everything runs in-process: moto stands in for AWS, the stack's resources come from
template.yaml, events reach the functions through EventBridge rules built from the
template's own patterns, and the handlers are the ones ``sam deploy`` ships.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from rich.console import Console

from ecoguard.actions import interruptions
from ecoguard.audit import AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard.report import build_report
from ecoguard_cli.operations import restore_record, restore_sentence
from ecoguard_cli.reporting import guardrails_table, report_table, write_report
from tools.simulator.account import provision, simulated_aws
from tools.simulator.digest import SummaryConsole, print_digest
from tools.simulator.identity import ACCOUNT, REGION, STACK
from tools.simulator.invoke import reset_caches
from tools.simulator.router import EventRouter
from tools.simulator.scenes import scenes
from tools.simulator.scenes.context import DemoContext
from tools.simulator.teams import tag_demo_teams
from tools.simulator.template import ROOT, Resolver, load_template

REPORT_DIR = ROOT / "dist"


def fake_credentials() -> None:
    # Placeholder credentials for the in-process simulator; nothing leaves the machine.
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106
        AWS_SESSION_TOKEN="testing",  # noqa: S106
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
    )


def scene_console(console: Console, *, verbose: bool) -> Console:
    """Where scenes print: everything with ``verbose``, else only their sentences (the digest says the rest)."""
    if verbose:
        return console
    return SummaryConsole(file=console.file, width=console.width, force_terminal=console.is_terminal)


def run_demo(console: Console, *, verbose: bool = False) -> dict[str, Any]:
    """The demo; ``verbose`` prints every scene's tables and records (``make demo VERBOSE=1``)."""
    fake_credentials()
    template = load_template()
    with simulated_aws():
        reset_caches()
        resolver = provision(template, stack=STACK)
        return play(console, template, resolver, stack=STACK, verbose=verbose)


def play(
    console: Console, template: dict[str, Any], resolver: Resolver, *, stack: str, verbose: bool
) -> dict[str, Any]:
    """Seed the current (simulated) account, run every scene in dry-run then enforce, restore, report."""
    router = EventRouter.from_template(template, region=REGION, account=ACCOUNT, stack=stack)
    audit = AuditTrail(boto3.client("dynamodb", region_name=REGION), resolver.refs["AuditTable"])
    ctx = DemoContext(scene_console(console, verbose=verbose), resolver, router, audit, template)
    console.rule("[bold]ecoguard demo: a simulated ML account")
    console.print(
        f"Stack resources provisioned from template.yaml: audit table [cyan]{resolver.refs['AuditTable']}[/], "
        f"notification topic, policy parameter, dead-letter queue. EventBridge rules from the template: "
        f"{len(router.queues)} event pattern(s), {sum(map(len, router.schedules.values()))} schedule(s)."
    )
    all_scenes = scenes()
    for scene in all_scenes:
        console.print(f"Seeded for {scene.guardrail}: {scene.seed(ctx)}.")
    console.print(f"Tagged {tag_demo_teams()} resources with the team they are charged to (tag `team`).")

    results: dict[str, Any] = {}
    for mode in (Mode.DRY_RUN, Mode.ENFORCE):
        for scene in all_scenes:
            console.rule(f"[bold]{mode.value}[/]: {scene.title}")
            results[f"{scene.guardrail}/{mode.value}"] = scene.run(ctx, mode)
            if not verbose:
                records = list(audit.records(scene.guardrail))
                mine = [r for r in records if r.mode is mode]
                print_digest(console, mine, mode, [r for r in records if r.mode is Mode.DRY_RUN and r not in mine])

    console.rule("[bold]restore from the audit trail")
    session = boto3.session.Session(region_name=REGION)
    for scene in all_scenes:
        # A scene may name the action its restore demonstrates (attribute restore_action); else the first.
        wanted = getattr(scene, "restore_action", None)
        applied = next(
            (r for r in audit.records(scene.guardrail) if r.outcome is Outcome.APPLIED and wanted in (None, r.action)),
            None,
        )
        if applied is None:
            continue
        # What `ecoguard restore <action_id> --apply` does on a deployed stack.
        result = restore_record(
            session,
            resolver.refs["AuditTable"],
            applied.action_id,
            apply=True,
            record_key=resolver.attributes.get(("AuditRecordKey", "Arn")),
        )
        sentence = restore_sentence(applied.resource.name, applied.action_id, result)
        console.print(f"{scene.guardrail}: {sentence}", markup=False)
        results[f"{scene.guardrail}/restore"] = result.outcome.value
    console.print("On a deployed stack: [bold]ecoguard restore <action_id> --stack <stack> --apply[/]")

    console.rule("[bold]impact")
    records = list(audit.records())
    report = build_report(records, utc_now(), interruptions=interruptions())
    console.print(report_table(report))
    console.print(guardrails_table(report))
    [html_path, _, csv_path] = write_report(
        report,
        REPORT_DIR / "ecoguard-report.html",
        REPORT_DIR / "ecoguard-report.json",
        REPORT_DIR / "ecoguard-report.csv",
    )
    console.print(f"HTML report (open it in a browser): [bold]{html_path.resolve()}[/]")
    console.print(f"CSV of the actions and findings: [bold]{csv_path.resolve()}[/]")
    results["report"] = {
        "path": str(html_path.resolve()),
        "csv": str(csv_path.resolve()),
        "records": report.records,
        "generated_at": report.generated_at,
        "audit_records": records,  # what the report was built from, for tests to recompute its figures
        "report": report,
    }
    for scene in all_scenes:
        getattr(scene, "teardown", lambda: None)()  # e.g. simulator shims (s3_shim) end with the demo
    return results


def main(*, verbose: bool = False) -> None:
    run_demo(Console(width=max(Console().width, 120)), verbose=verbose)


if __name__ == "__main__":
    main()
