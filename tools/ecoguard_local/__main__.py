"""The ``ecoguard`` command: ``demo``, ``invoke FN EVENT``, ``audit``, ``restore ACTION_ID``, ``kpi-alarms``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecoguard")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="the guided demo on a simulated account")
    commands.add_parser("org-demo", help="the demo across simulated member accounts and regions, reporting centrally")
    run = commands.add_parser("invoke", help="invoke one function's handler, like sam local invoke")
    run.add_argument("function", help="logical id in template.yaml, e.g. LogRetentionFunction")
    run.add_argument("event", type=Path, help="event file, e.g. events/log_retention/scheduled-sweep.json")
    run.add_argument("--aws", action="store_true", help="use the real account of your credentials, not the simulator")
    run.add_argument("--stack", default=None, help="with --aws: the deployed stack to read resource names from")
    run.add_argument("--mode", choices=["dry-run", "enforce"], default=None, help="override the stack's Mode")
    run.add_argument("--no-seed", action="store_true", help="simulator: do not seed the demo log groups")
    listing = commands.add_parser("audit", help="list the audit records of a deployed stack")
    restoring = commands.add_parser("restore", help="restore a resource from its audit record")
    reporting = commands.add_parser("report", help="the impact report from a deployed stack's audit table")
    reporting.add_argument("--html", type=Path, default=None, help="also write the HTML report to this file")
    reporting.add_argument("--json", type=Path, default=None, help="also write the JSON report to this file")
    commands.add_parser("regions", help="rank AWS regions by grid carbon intensity, with sources")
    for sub in (listing, restoring, reporting):
        where = sub.add_mutually_exclusive_group(required=True)
        where.add_argument("--stack", help="the deployed stack (its AuditTable is looked up)")
        where.add_argument("--table", help="the audit table's name")
    listing.add_argument("--guardrail", default=None)
    restoring.add_argument("action_id", help="the record's action_id (shown by `ecoguard audit`)")
    restoring.add_argument("--apply", action="store_true", help="make the change (default: show what it would do)")
    alarms = commands.add_parser("kpi-alarms", help="print CloudFormation for the retraining gate's KPI alarms")
    alarms.add_argument("--policy", type=Path, default=None, help="policy override file (YAML or JSON)")
    alarms.add_argument("--period", type=int, default=300, help="seconds; shorter than the interval between runs")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from tools.ecoguard_local.demo import main as demo

        demo()
        return 0
    if args.command == "org-demo":
        from tools.ecoguard_local.org_demo import main as org_demo

        org_demo()
        return 0
    if args.command == "regions":
        from tools.ecoguard_local.reporting import regions_table

        Console().print(regions_table())
        return 0
    if args.command in ("audit", "restore", "report"):
        return operate(args)
    if args.command == "kpi-alarms":
        return print_kpi_alarms(args.policy, args.period)
    from tools.ecoguard_local.cli_invoke import run_invoke

    results = run_invoke(
        args.function,
        json.loads(args.event.read_text()),
        aws=args.aws,
        stack=args.stack,
        mode=args.mode,
        seed=not args.no_seed,
    )
    Console().print_json(json.dumps(results, default=str))
    return 0


def operate(args: argparse.Namespace) -> int:
    import boto3

    from tools.ecoguard_local import operations

    session = boto3.session.Session()
    table = args.table or operations.audit_table_of(session, args.stack)
    console = Console()
    if args.command == "audit":
        console.print_json(json.dumps(operations.list_records(session, table, args.guardrail), default=str))
        return 0
    if args.command == "report":
        from tools.ecoguard_local.reporting import report_from_table, report_table, write_report

        report = report_from_table(session.client("dynamodb"), table, console)
        console.print(report_table(report))
        for path in write_report(report, args.html, args.json):
            console.print(f"wrote {path}")
        return 0
    result = operations.restore_record(session, table, args.action_id, apply=args.apply)
    console.print(f"{result.outcome.value}: {result.message}")
    return 0 if result.outcome.value in ("restored", "would-apply", "duplicate") else 1


def print_kpi_alarms(policy_file: Path | None, period: int) -> int:
    import yaml

    from ecoguard.policy import build_policy
    from tools.ecoguard_local.kpi_alarms import kpi_alarm_resources

    policy = build_policy(override_text=policy_file.read_text() if policy_file else None)
    resources, notes = kpi_alarm_resources(policy.retraining_gate, period=period)
    for note in notes:
        print(f"# not generated: {note}")
    print(yaml.safe_dump({"Resources": resources}, sort_keys=False) if resources else "# no KPI alarms to generate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
