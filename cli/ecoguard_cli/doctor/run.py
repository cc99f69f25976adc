"""Run every registered check on a deployed stack and render the table."""

from __future__ import annotations

import importlib
import pkgutil

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError
from rich.table import Table

from ecoguard_cli.doctor import checks
from ecoguard_cli.doctor.deployment import Deployment
from ecoguard_cli.doctor.model import CHECKS, Row, Status

STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "red", Status.UNKNOWN: "cyan"}


def load_checks() -> None:
    for info in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{info.name}")


def run_checks(deployment: Deployment) -> list[Row]:
    """Each check's rows, in order; a check that cannot read what it needs gives one ``unknown`` row."""
    load_checks()
    rows: list[Row] = []
    for registered in sorted(CHECKS.values(), key=lambda c: (c.order, c.name)):
        try:
            rows += registered.run(deployment)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "?")
            operation = error.operation_name
            rows.append(Row(registered.name, Status.UNKNOWN, f"{operation}: {code}",
                            f"allow the caller to {operation} (read-only) and run doctor again"))  # fmt: skip
        except ResponseParserError:
            # Not an AWS answer: an endpoint (AWS_ENDPOINT_URL, e.g. make sandbox) that lacks the call.
            rows.append(Row(registered.name, Status.UNKNOWN, "the endpoint's answer is not the API's",
                            "run doctor against AWS itself (unset AWS_ENDPOINT_URL)"))  # fmt: skip
    return rows


def doctor_table(rows: list[Row], stack: str) -> Table:
    table = Table(title=f"ecoguard doctor: {stack}")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail")
    table.add_column("what to do")
    for row in rows:
        table.add_row(row.check, f"[{STYLE[row.result]}]{row.result.value}[/]", row.detail, row.todo)
    return table


def exit_code(rows: list[Row]) -> int:
    return 1 if any(row.result is Status.FAIL for row in rows) else 0
