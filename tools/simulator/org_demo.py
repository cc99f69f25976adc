"""``make demo ORG=1``: ecoguard across an organization, simulated: member accounts in two regions run
the demo's scenes, their audit records flow through the DynamoDB stream and AuditForwarderFunction to
the central bus, CentralIngestFunction stores each once, and CentralReportFunction reports across
accounts and regions. The central totals are checked against the members' own reports.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import FunctionType
from typing import Any

import boto3
from rich.console import Console
from rich.table import Table

from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode
from ecoguard.report import Report, build_report
from ecoguard.report.numbers import quantity
from tools.simulator import identity
from tools.simulator.account import provision, simulated_aws
from tools.simulator.demo import fake_credentials
from tools.simulator.identity import STACK
from tools.simulator.invoke import invoke, reset_caches
from tools.simulator.organization import (
    CrossAccountBusShim,
    Organization,
    as_account,
    invoke_central,
    provision_central,
    stream_batches,
)
from tools.simulator.router import EventRouter
from tools.simulator.scenes import scenes
from tools.simulator.scenes.context import QUIET, Delivery, DemoContext, Scene
from tools.simulator.template import ROOT, load_template

CENTRAL_ACCOUNT = "999900000000"
CENTRAL_REGION = "us-east-1"
# (account, region, mode): one OU piloting enforce, the rest in dry-run, as docs/ORGANIZATIONS.md rolls out.
MEMBERS: tuple[tuple[str, str, Mode], ...] = (
    ("111100000001", "us-east-1", Mode.ENFORCE),
    ("111100000001", "eu-west-1", Mode.DRY_RUN),
    ("222200000002", "us-east-1", Mode.DRY_RUN),
    ("333300000003", "eu-west-1", Mode.DRY_RUN),
)
ORG = Organization("o-ecoguard001", frozenset({CENTRAL_ACCOUNT, *(m[0] for m in MEMBERS)}))
# S3 bucket names are global (moto enforces it across accounts too): the storage scene's fixed bucket
# names can exist in one member only.
SINGLE_MEMBER_SCENES = {"storage-lifecycle"}


@contextmanager
def relocated(account: str, region: str) -> Iterator[None]:
    """Run the single-account demo's seeders and scenes as another account in another region.

    They were written for moto's default account in us-east-1 and name both as module constants
    (``REGION``, ``ACCOUNT``, and strings built from them, also as default arguments). This swaps those
    values in every loaded tools.simulator module for the duration, selects the account in moto
    (``MOTO_ACCOUNT_ID``) and the region for the handlers' clients (``AWS_REGION``).
    """
    old = {identity.ACCOUNT: account, identity.REGION: region}

    def moved(value: Any) -> Any:
        if isinstance(value, str):
            for before, after in old.items():
                value = value.replace(before, after)
        return value

    patches: list[tuple[Any, str, Any]] = []
    for name, module in list(sys.modules.items()):
        # identity keeps the local account's values: RelocatedContext moves events from them at run time.
        if not name.startswith("tools.simulator") or name.endswith(
            ("organization", "org_demo", ".account", ".identity")
        ):
            continue
        for attr, value in list(vars(module).items()):
            if attr.isupper() and isinstance(value, str) and moved(value) != value:
                patches.append((module, attr, value))
                setattr(module, attr, moved(value))
            targets = [value] if isinstance(value, FunctionType) else []
            if isinstance(value, type) and getattr(value, "__module__", None) == name:
                targets += [f for f in vars(value).values() if isinstance(f, FunctionType)]
            for function in targets:
                if function.__defaults__ and any(moved(d) != d for d in function.__defaults__):
                    patches.append((function, "__defaults__", function.__defaults__))
                    function.__defaults__ = tuple(moved(d) for d in function.__defaults__)
    environment = {
        "AWS_REGION": os.environ.get("AWS_REGION"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION"),
    }
    os.environ.update(AWS_REGION=region, AWS_DEFAULT_REGION=region)
    try:
        with as_account(account):
            reset_caches()
            yield
    finally:
        for target, attr, value in reversed(patches):
            setattr(target, attr, value)
        for key, value in environment.items():
            if value is not None:
                os.environ[key] = value
        reset_caches()


@dataclass
class RelocatedContext(DemoContext):
    """The scenes' context, for a member: the sample events the scenes send (AWS's, naming moto's default
    account and us-east-1 inside ARNs) are moved to the member's account and region on the way in."""

    account: str = identity.ACCOUNT
    region: str = identity.REGION

    def _moved(self, event: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(event).replace(identity.ACCOUNT, self.account)
        moved: dict[str, Any] = json.loads(text.replace(f":{identity.REGION}:", f":{self.region}:"))
        return moved

    def invoke(self, function: str, event: dict[str, Any], mode: Mode) -> list[dict[str, Any]]:
        return super().invoke(function, self._moved(event), mode)

    def deliver(self, event: dict[str, Any], mode: Mode) -> list[Delivery]:
        return super().deliver(self._moved(event), mode)


@dataclass
class Member:
    account: str
    region: str
    mode: Mode
    table: str
    resolver: Any
    own: Report | None = None
    records: list[AuditRecord] | None = None
    arn_places: set[tuple[str, ...]] | None = None  # (region, account) of the governed resources' ARNs


def run_member(member: Member, template: dict[str, Any], member_scenes: list[Scene]) -> dict[str, Any]:
    router = EventRouter.from_template(template, region=member.region, account=member.account, stack=STACK)
    audit = AuditTrail(boto3.client("dynamodb", region_name=member.region), member.table)
    quiet = Console(file=io.StringIO(), width=160)
    ctx = RelocatedContext(quiet, member.resolver, router, audit, template, member.account, member.region)
    results = {}
    for scene in member_scenes:
        scene.seed(ctx)
    for scene in member_scenes:
        results[scene.guardrail] = scene.run(ctx, member.mode)
    member.records = list(audit.records())
    member.own = build_report(member.records, utc_now())
    member.arn_places = {tuple(r.resource.arn.split(":")[3:5]) for r in audit.records() if r.resource.arn.split(":")[3]}
    for scene in member_scenes:
        getattr(scene, "teardown", lambda: None)()
    return results


def forward(member: Member, template: dict[str, Any]) -> tuple[int, int]:
    """Lambda's part, done here: read the audit table's stream and invoke the forwarder per batch."""
    batches = records = 0
    for batch in stream_batches(member.table, member.region):
        [response] = invoke("AuditForwarderFunction", batch, member.resolver, env=QUIET, template=template)
        if response["batchItemFailures"]:
            raise RuntimeError(f"forwarding failed for {response['batchItemFailures']}")
        batches += 1
        records += len(batch["Records"])
    return batches, records


FIGURES = (("avoided_to_date", "avoided"), ("monthly_run_rate", "run_rate"), ("potential_monthly", "potential"))


def totals_match(central: dict[str, Any], own: list[Report]) -> bool:
    """The central figures equal the sum of the members' own reports (built at the same moment)."""
    if central["records"] != sum(r.records for r in own):
        return False
    for name, attribute in FIGURES:
        for key in ("kwh", "kg_co2e", "usd"):
            amounts = [getattr(r, attribute) for r in own]
            mine = sum(a.get(key) for a in amounts)
            shown = central[name][key]  # None: unknown, which it is only when no member knows it
            if shown is None:
                if any(a.actions and a.figure(key) is not None for a in amounts):
                    return False
            elif not math.isclose(shown, mine, rel_tol=1e-9, abs_tol=1e-9):
                return False
            if central[name]["unknown"][key] != sum(getattr(r, attribute).unknown[key] for r in own):
                return False
    return True


COLUMNS = ("", "records", "applied", "would-apply", "avoided to date", "run rate /month", "potential /month")


def breakdown_table(title: str, rows: dict[str, Any], checks: dict[str, bool]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in (*COLUMNS, "= members' own"):
        table.add_column(column, justify="left" if not column else "right")
    for key, row in sorted(rows.items()):
        table.add_row(
            key,
            str(row["records"]),
            str(row["outcomes"].get("applied", 0)),
            str(row["outcomes"].get("would-apply", 0)),
            *(f"{quantity(row[n]['kg_co2e'], 'kg_co2e')}, {quantity(row[n]['usd'], 'usd')}" for n, _ in FIGURES),
            "[green]yes[/]" if checks[key] else "[red]NO[/]",
        )
    return table


def run_org_demo(console: Console) -> dict[str, Any]:
    fake_credentials()
    template = load_template()
    with simulated_aws(), CrossAccountBusShim(ORG) as shim:
        reset_caches()
        central = provision_central(ORG, account=CENTRAL_ACCOUNT, region=CENTRAL_REGION)
        console.rule("[bold]ecoguard across an organization (simulated)")
        console.print(
            f"Organization [cyan]{ORG.org_id}[/]: central account {CENTRAL_ACCOUNT} ({CENTRAL_REGION}) with the bus "
            f"[cyan]{central.bus_arn}[/] (PutEvents only with aws:PrincipalOrgID = {ORG.org_id}), the central "
            f"audit table and report bucket, from org/management.yaml."
        )
        members: list[Member] = []
        all_scenes = scenes()
        for index, (account, region, mode) in enumerate(MEMBERS):
            with relocated(account, region):
                resolver = provision(
                    template, stack=STACK, region=region, account=account, parameters={"CentralBusArn": central.bus_arn}
                )
                member = Member(account, region, mode, resolver.refs["AuditTable"], resolver)
                chosen = [s for s in all_scenes if index == 0 or s.guardrail not in SINGLE_MEMBER_SCENES]
                run_member(member, template, chosen)
                batches, records = forward(member, template)
            members.append(member)
            assert member.own is not None
            console.print(
                f"member {account} {region} ({mode.value}): {len(chosen)} guardrails ran, {member.own.records} audit "
                f"records; stream -> AuditForwarderFunction: {records} stream records in {batches} batch(es) "
                f"-> PutEvents to the central bus"
            )

        console.rule("[bold]central account")
        deliveries = shim.deliveries(central)
        stored = [invoke_central(central, "CentralIngestFunction", e)["stored"] for e in deliveries]
        # EventBridge delivers at least once: deliver a few again, as it may.
        again = [invoke_central(central, "CentralIngestFunction", e)["stored"] for e in deliveries[:25]]
        console.print(
            f"The central rule delivered {len(deliveries)} audit events to CentralIngestFunction: "
            f"{sum(stored)} stored. "
            f"{len(again)} delivered again: {sum(again)} stored (conditional writes: a duplicate is a no-op)."
        )
        result = invoke_central(central, "CentralReportFunction", central_schedule())
        with as_account(CENTRAL_ACCOUNT):
            s3 = boto3.client("s3", region_name=CENTRAL_REGION)
            data = json.loads(s3.get_object(Bucket=central.bucket, Key="reports/latest.json")["Body"].read())
            html = s3.get_object(Bucket=central.bucket, Key="reports/latest.html")["Body"].read().decode()
        # Avoided-to-date figures grow with time: the members' own reports are rebuilt at the central report's moment.
        at = datetime.fromisoformat(data["generated_at"])
        own = {(m.account, m.region): build_report(m.records or [], at) for m in members}
        by_account = {
            a: totals_match(row, [r for (acc, _), r in own.items() if acc == a])
            for a, row in data["by_account"].items()
        }
        by_region = {
            g: totals_match(row, [r for (_, reg), r in own.items() if reg == g]) for g, row in data["by_region"].items()
        }
        overall = totals_match(data, list(own.values()))
        console.print(breakdown_table("central report: per account", data["by_account"], by_account))
        console.print(breakdown_table("central report: per region", data["by_region"], by_region))
        console.print(
            f"Organization total: {data['records']} records; avoided to date "
            f"{quantity(data['avoided_to_date']['kg_co2e'], 'kg_co2e')}, "
            f"{quantity(data['avoided_to_date']['usd'], 'usd')}; "
            f"monthly run rate {quantity(data['monthly_run_rate']['usd'], 'usd')} per month; "
            f"{quantity(data['potential_monthly']['kg_co2e'], 'kg_co2e')} per month more if the dry-run members "
            f"enforced. Equals the sum of the members' own reports: " + ("[green]yes[/]" if overall else "[red]NO[/]")
        )
        path = ROOT / "dist" / "ecoguard-org-report.html"
        path.parent.mkdir(exist_ok=True)
        path.write_text(html)
        console.print(f"Central HTML report (s3://{central.bucket}/{result['keys'][2]}): [bold]{path}[/]")
        if not (overall and all(by_account.values()) and all(by_region.values())):
            raise SystemExit("central totals differ from the members' own reports")
        return {
            "accounts": sorted(data["by_account"]),
            "regions": sorted(data["by_region"]),
            "records": data["records"],
            "stored": sum(stored),
            "stored_again": sum(again),
            "by_account_match": by_account,
            "by_region_match": by_region,
            "overall_match": overall,
            "members": {f"{m.account}/{m.region}": m.own.records for m in members if m.own},
            "arn_places": {f"{m.account}/{m.region}": sorted(m.arn_places or ()) for m in members},
        }


def central_schedule() -> dict[str, Any]:
    return {
        "version": "0",
        "id": "b1c0a9e8-7d6f-4e5d-8c4b-3a2f1e0d9c8b",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": CENTRAL_ACCOUNT,
        "time": utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": CENTRAL_REGION,
        "resources": [f"arn:aws:events:{CENTRAL_REGION}:{CENTRAL_ACCOUNT}:rule/ecoguard-org-weekly-report"],
        "detail": {},
    }


def main() -> None:
    run_org_demo(Console(width=max(Console().width, 120)))


if __name__ == "__main__":
    main()
