"""``ecoguard audit | restore ACTION_ID | report | advise | regions | kpi-alarms | doctor``, on a deployed stack."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import boto3
import yaml
from rich.console import Console

from ecoguard.policy import build_policy
from ecoguard_cli import operations
from ecoguard_cli.advice import advice_table, open_advice
from ecoguard_cli.audit_view import audit_table
from ecoguard_cli.doctor.deployment import Deployment
from ecoguard_cli.doctor.run import doctor_table, exit_code, run_checks
from ecoguard_cli.kpi_alarms import kpi_alarm_resources
from ecoguard_cli.reporting import guardrails_table, regions_table, report_from_table, report_table, write_report

# What `ecoguard restore` exits 0 on: done, previewed, or already done before. Another restore of the same
# record in progress exits 75 (EX_TEMPFAIL): try again later.
RESTORE_SUCCESS = ("restored", "would-apply", "duplicate")
RESTORE_IN_PROGRESS = 75


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ecoguard", description="Operate a deployed ecoguard stack.")
    commands = root.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("audit", help="list the audit records of a deployed stack")
    listing.add_argument("--guardrail", default=None, help="only this guardrail's records, e.g. log-retention")
    listing.add_argument("--json", action="store_true", help="print the records as JSON, for machines")
    restoring = commands.add_parser("restore", help="restore a resource from its audit record")
    restoring.add_argument("action_id", help="the record's action_id (shown by `ecoguard audit`)")
    acting = restoring.add_mutually_exclusive_group()
    acting.add_argument("--apply", action="store_true", help="make the change (default: show what it would do)")
    acting.add_argument("--dry-run", action="store_true", help="only print what it would do (the default)")
    reporting = commands.add_parser("report", help="the impact report from a deployed stack's audit table")
    reporting.add_argument("--html", type=Path, default=None, help="also write the HTML report to this file")
    reporting.add_argument("--json", type=Path, default=None, help="also write the JSON report to this file")
    reporting.add_argument("--csv", type=Path, default=None, help="also write the actions and findings as CSV")
    advising = commands.add_parser("advise", help="open serving and right-sizing recommendations, by monthly saving")
    advising.add_argument("--json", action="store_true", help="print the recommendations as JSON, for machines")
    for sub in (listing, restoring, reporting, advising):
        where = sub.add_mutually_exclusive_group(required=True)
        where.add_argument("--stack", help="the deployed stack (its AuditTable is looked up)")
        where.add_argument("--table", help="the audit table's name")
    doctor = commands.add_parser("doctor", help="read-only checks of a deployed stack (docs/DOCTOR.md)")
    doctor.add_argument("--stack", required=True, help="the deployed stack")
    commands.add_parser("regions", help="rank AWS regions by grid carbon intensity, with sources")
    alarms = commands.add_parser("kpi-alarms", help="print CloudFormation for the retraining gate's KPI alarms")
    alarms.add_argument("--policy", type=Path, default=None, help="policy override file (YAML or JSON)")
    alarms.add_argument("--period", type=int, default=300, help="seconds; shorter than the interval between runs")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "regions":
        Console().print(regions_table())
        return 0
    if args.command == "kpi-alarms":
        return print_kpi_alarms(args.policy, args.period)
    session = boto3.session.Session()
    if args.command == "doctor":
        return print_doctor(session, args.stack)
    table = args.table or operations.audit_table_of(session, args.stack)
    if args.command == "audit":
        return print_audit(session, table, args.guardrail, as_json=args.json)
    if args.command == "report":
        return print_report(session, table, args.html, args.json, args.csv)
    if args.command == "advise":
        return print_advice(session, table, as_json=args.json)
    result = operations.restore_record(session, table, args.action_id, apply=args.apply and not args.dry_run)
    console = Console()
    console.print(f"{result.outcome.value}: {result.message}", markup=False)
    if result.not_restored:
        console.print(f"cannot be brought back: {result.not_restored}", markup=False)
    if result.pending_step:
        console.print(f"pending: {result.pending_step} (run `ecoguard restore {args.action_id} --apply` again)")
    if result.outcome.value == "in-progress":
        return RESTORE_IN_PROGRESS
    return 0 if result.outcome.value in RESTORE_SUCCESS else 1


def print_audit(session: boto3.session.Session, table: str, guardrail: str | None, *, as_json: bool) -> int:
    rows = operations.list_records(session, table, guardrail)
    if as_json:
        Console().print_json(json.dumps(rows, default=str))
    else:
        Console().print(audit_table(rows, title=f"audit trail of {table}"))
    return 0


def print_report(
    session: boto3.session.Session, table: str, html: Path | None, json_path: Path | None, csv_path: Path | None = None
) -> int:
    console = Console()
    report = report_from_table(session.client("dynamodb"), table, console)
    console.print(report_table(report))
    console.print(guardrails_table(report))
    for path in write_report(report, html, json_path, csv_path):
        console.print(f"wrote {path}")
    return 0


def print_doctor(session: boto3.session.Session, stack: str) -> int:
    """One table (check, result, what to do); exit 1 if any check fails, 2 if there is no such stack."""
    deployment = Deployment(session, stack)
    missing = deployment.missing()
    if missing:
        Console(stderr=True).print(missing, markup=False)
        return 2
    rows = run_checks(deployment)
    Console(width=200).print(doctor_table(rows, stack))
    return exit_code(rows)


def print_advice(session: boto3.session.Session, table: str, *, as_json: bool) -> int:
    lines = open_advice(session.client("dynamodb"), table)
    if as_json:
        Console().print_json(json.dumps([line.as_dict() for line in lines], default=str))
    else:
        Console().print(advice_table(lines, f"open serving and right-sizing advice in {table} ({len(lines)})"))
    return 0


def print_kpi_alarms(policy_file: Path | None, period: int) -> int:
    policy = build_policy(override_text=policy_file.read_text() if policy_file else None)
    resources, notes = kpi_alarm_resources(policy.retraining_gate, period=period)
    for note in notes:
        print(f"# not generated: {note}")
    print(yaml.safe_dump({"Resources": resources}, sort_keys=False) if resources else "# no KPI alarms to generate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
