"""``ecoguard audit | restore ACTION_ID | report | advise | doctor | policy | regions | kpi-alarms``, on a deployed
stack. Every expected error ends in one line (``ecoguard_cli.errors``); ``--debug`` keeps the traceback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

import boto3
import yaml
from rich.console import Console

from ecoguard.audit import AuditTrail
from ecoguard.clock import utc_now
from ecoguard.policy import build_policy
from ecoguard_cli import operations
from ecoguard_cli.advice import advice_table, commitments_table, open_advice, open_commitments
from ecoguard_cli.audit_view import audit_view
from ecoguard_cli.doctor.deployment import Deployment
from ecoguard_cli.doctor.run import doctor_table, exit_code, run_checks
from ecoguard_cli.errors import USAGE, UserError, user_error
from ecoguard_cli.guardrails import GUARDRAILS
from ecoguard_cli.kpi_alarms import kpi_alarm_resources
from ecoguard_cli.policy_file import effective_policy_yaml, problems, read_policy_file
from ecoguard_cli.reporting import guardrails_table, regions_table, report_from_table, report_table, write_report

# What `ecoguard restore` exits 0 on: done, previewed, or already done before. Another restore of the same
# record in progress exits 75 (EX_TEMPFAIL): try again later.
RESTORE_SUCCESS = ("restored", "would-apply", "duplicate")
RESTORE_IN_PROGRESS = 75


def action_id(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an action id is required (`ecoguard audit` lists them)")
    return text


class Parser(argparse.ArgumentParser):
    """A usage error is one line, with where to read more, and exit code 2 (argparse's own)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    root = Parser(prog="ecoguard", description="Operate a deployed ecoguard stack.")
    root.add_argument("--debug", action="store_true", help="show the traceback of an error")
    # Every command takes these too; SUPPRESS keeps a value given before the command.
    common = Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show an error's traceback")
    common.add_argument("--region", default=None, help="the AWS region (default: AWS_DEFAULT_REGION or your profile's)")
    common.add_argument("--profile", default=None, help="a profile of ~/.aws/config (default: AWS_PROFILE)")
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=text, description=text, parents=[common])

    listing = command("audit", "list the audit records of a deployed stack")
    listing.add_argument("--guardrail", default=None, choices=GUARDRAILS, help="only this guardrail's records")
    listing.add_argument("--json", action="store_true", help="print the records as JSON, for machines")
    restoring = command("restore", "restore a resource from its audit record")
    restoring.add_argument("action_id", type=action_id, help="the record's action_id (shown by `ecoguard audit`)")
    acting = restoring.add_mutually_exclusive_group()
    acting.add_argument("--apply", action="store_true", help="make the change (default: show what it would do)")
    acting.add_argument("--dry-run", action="store_true", help="only print what it would do (the default)")
    restoring.add_argument(
        "--record-key",
        default=None,
        help="with --table: the stack's AuditRecordKey (KMS key id or ARN), to verify the record's MAC "
        "(--stack looks it up)",
    )
    reporting = command("report", "the impact report from a deployed stack's audit table")
    reporting.add_argument("--html", type=Path, default=None, help="also write the HTML report to this file")
    reporting.add_argument("--json", type=Path, default=None, help="also write the JSON report to this file")
    reporting.add_argument("--csv", type=Path, default=None, help="also write the actions and findings as CSV")
    advising = command("advise", "open serving and right-sizing recommendations, by monthly saving")
    advising.add_argument("--json", action="store_true", help="print the recommendations as JSON, for machines")
    for sub in (listing, restoring, reporting, advising):
        where = sub.add_mutually_exclusive_group(required=True)
        where.add_argument("--stack", help="the deployed stack (its AuditTable is looked up)")
        where.add_argument("--table", help="the audit table's name")
    doctor = command("doctor", "read-only checks of a deployed stack (docs/DOCTOR.md)")
    doctor.add_argument("--stack", required=True, help="the deployed stack")
    policy_text = "validate a policy override file, or show the effective policy"
    policy = commands.add_parser("policy", help=policy_text, description=policy_text)
    policies = policy.add_subparsers(dest="policy_command", required=True)
    validate = policies.add_parser("validate", help="every invalid field of a policy override file, with its line",
                                   parents=[common])  # fmt: skip
    validate.add_argument("file", type=Path, help="the override file (YAML or JSON), as put in the SSM parameter")
    show = policies.add_parser("show", help="the effective policy: the bundled defaults merged with the overrides",
                               parents=[common])  # fmt: skip
    source = show.add_mutually_exclusive_group()
    source.add_argument("file", type=Path, nargs="?", default=None, help="an override file (YAML or JSON)")
    source.add_argument("--stack", default=None, help="a deployed stack: its policy parameter and LogRetentionDays")
    command("regions", "rank AWS regions by grid carbon intensity, with sources")
    alarms = command("kpi-alarms", "print CloudFormation for the retraining gate's KPI alarms")
    alarms.add_argument("--policy", type=Path, default=None, help="policy override file (YAML or JSON)")
    alarms.add_argument("--period", type=int, default=300, help="seconds; shorter than the interval between runs")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except Exception as exc:
        error = user_error(exc)
        if error is None or args.debug:
            raise
        print(f"ecoguard: {error}", file=sys.stderr)
        return error.exit_code


def run(args: argparse.Namespace) -> int:
    if args.command == "regions":
        Console().print(regions_table())
        return 0
    if args.command == "kpi-alarms":
        return print_kpi_alarms(args.policy, args.period)
    if args.command == "policy" and (args.policy_command == "validate" or args.stack is None):
        return validate_policy(args.file) if args.policy_command == "validate" else show_policy(args.file)
    session = session_of(args)
    if args.command == "policy":
        overrides, days = operations.stack_policy(session, args.stack)
        print(effective_policy_yaml(overrides, f"the policy parameter of {args.stack}", days), end="")
        return 0
    if args.command == "doctor":
        return print_doctor(session, args.stack)
    table = operations.require_table(session, args.table or operations.audit_table_of(session, args.stack))
    if args.command == "audit":
        return print_audit(session, table, args.guardrail, as_json=args.json)
    if args.command == "report":
        return print_report(session, table, args.html, args.json, args.csv)
    if args.command == "advise":
        return print_advice(session, table, as_json=args.json)
    return print_restore(session, table, args)


def print_restore(session: boto3.session.Session, table: str, args: argparse.Namespace) -> int:
    """Preview or apply the restore of one record; ``--apply`` on a stack goes through its RestoreFunction."""
    record = operations.find_record(AuditTrail(session.client("dynamodb"), table), table, args.action_id)
    if args.apply and args.stack:
        result = operations.restore_through_function(session, args.stack, args.action_id)
    else:
        result = operations.restore_record(
            session, table, args.action_id, apply=args.apply and not args.dry_run, record_key=record_key(session, args)
        )
    # One line each, never wrapped: the outcome in words, what cannot come back, what is still to do.
    print(operations.restore_sentence(record.resource.name, args.action_id, result))
    if result.not_restored:
        print(f"cannot be brought back: {result.not_restored}")
    if result.pending_step:
        print(f"pending: {result.pending_step} (run `ecoguard restore {args.action_id} --apply` again)")
    if result.outcome.value == "in-progress":
        return RESTORE_IN_PROGRESS
    return 0 if result.outcome.value in RESTORE_SUCCESS else 1


def record_key(session: boto3.session.Session, args: argparse.Namespace) -> str | None:
    """The key the record's MAC is checked with, as RestoreFunction checks it: never skipped for want of one."""
    if args.stack:
        return operations.record_key_of(session, args.stack)
    if not args.record_key:  # absent or empty: never a reason to skip the check
        raise UserError(
            "a restore verifies the record's MAC with the stack's record key: pass --stack, or --record-key "
            "with the stack's AuditRecordKey (docs/MIGRATION.md, 'Unsigned audit records')",
            USAGE,
        )
    return str(args.record_key)


def session_of(args: argparse.Namespace) -> boto3.session.Session:
    """A session with --region and --profile where given; else boto3's own lookup (environment, config)."""
    given = {"region_name": args.region, "profile_name": args.profile}
    return boto3.session.Session(**{name: value for name, value in given.items() if value})


def validate_policy(path: Path) -> int:
    """Every invalid field, one line each (``file:line: field: message``); exit 1 if there is any."""
    found = problems(read_policy_file(path), str(path))
    for problem in found:
        print(problem.text(str(path)))
    if not found:
        print(f"{path}: valid")
    return 1 if found else 0


def show_policy(path: Path | None) -> int:
    text = read_policy_file(path) if path is not None else None
    print(effective_policy_yaml(text, str(path) if path else "bundled default"), end="")
    return 0


def print_audit(session: boto3.session.Session, table: str, guardrail: str | None, *, as_json: bool) -> int:
    rows = operations.list_records(session, table, guardrail)
    if as_json:
        Console().print_json(json.dumps(rows, default=str))
    else:
        console = Console()
        console.print(audit_view(rows, f"audit trail of {table}", console.width))
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
    """One table (check, result, what to do); exit 1 if any check fails or there is no such stack."""
    deployment = Deployment(session, stack)
    missing = deployment.missing()
    if missing:
        raise UserError(f"{missing} (pass the stack's name to --stack, or its region to --region)")
    rows = run_checks(deployment)
    Console(width=200).print(doctor_table(rows, stack))
    return exit_code(rows)


def print_advice(session: boto3.session.Session, table: str, *, as_json: bool) -> int:
    lines = open_advice(session.client("dynamodb"), table)
    reserved = open_commitments(session.client("dynamodb"), table, utc_now())
    if as_json:
        unused = [{"recommendation": "use-reserved-capacity", **line.as_dict()} for line in reserved]
        Console().print_json(json.dumps([line.as_dict() for line in lines] + unused, default=str))
    else:
        Console().print(advice_table(lines, f"open serving and right-sizing advice in {table} ({len(lines)})"))
        if reserved:
            title = f"reserved capacity noticed with hours unused, still running ({len(reserved)})"
            Console().print(commitments_table(reserved, title))
    return 0


def print_kpi_alarms(policy_file: Path | None, period: int) -> int:
    policy = build_policy(
        override_text=read_policy_file(policy_file) if policy_file else None,
        override_source=str(policy_file),
    )
    resources, notes = kpi_alarm_resources(policy.retraining_gate, period=period)
    for note in notes:
        print(f"# not generated: {note}")
    print(yaml.safe_dump({"Resources": resources}, sort_keys=False) if resources else "# no KPI alarms to generate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
