"""Demo scene: S3 lifecycle rules and Intelligent-Tiering by data class, merged with the owner's rules."""

from __future__ import annotations

import copy
import json
from typing import Any

from rich.table import Table

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.storage_lifecycle import WITHHELD
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.s3_shim import FakeS3ConfigStore
from tools.simulator.scenes.context import DemoContext
from tools.simulator.seed_s3 import BUCKETS, configuration_snapshot, seed_buckets
from tools.simulator.template import ROOT

FUNCTION = "StorageLifecycleFunction"
CREATE_BUCKET_EVENT = ROOT / "events" / "storage_lifecycle" / "cloudtrail-createbucket.json"
OBJECT_CREATED_EVENT = ROOT / "tests" / "fixtures" / "aws-events" / "s3-object-created.json"


def create_bucket_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads(CREATE_BUCKET_EVENT.read_text()))
    event["id"] = f"demo-create-{name}"
    event["detail"]["requestParameters"]["bucketName"] = name
    event["region"] = event["detail"]["awsRegion"] = REGION
    event["account"] = ACCOUNT
    return event


class StorageLifecycleScene:
    title = "StorageLifecycleFunction: S3 lifecycle and Intelligent-Tiering by data class"
    guardrail = "storage-lifecycle"

    def __init__(self) -> None:
        # moto stores no Intelligent-Tiering configurations and drops some lifecycle fields; see s3_shim.
        self._store = FakeS3ConfigStore()

    def seed(self, ctx: DemoContext) -> str:
        self._store.install()
        count = seed_buckets()
        return (
            f"{count} buckets (tagged raw, recreatable, artifact and log data, so opted in; one untagged and "
            "versioned with the owner's own rules, where rules that delete or archive are withheld; one whose "
            "owner rule conflicts, one exempt, one with an unknown class, one in another region)"
        )

    def teardown(self) -> None:
        self._store.uninstall()

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        before = configuration_snapshot()
        sweep = ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION), mode)
        new_bucket = f"ml-new-bucket-{mode.value}"
        client("s3").create_bucket(Bucket=new_bucket)
        created = ctx.deliver(create_bucket_event(new_bucket), mode)
        object_created = ctx.deliver(json.loads(OBJECT_CREATED_EVENT.read_text()), mode)
        again = ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION), mode)

        after = configuration_snapshot()
        changed = sorted(name for name in after if after[name] != before[name])
        records = [r for r in ctx.audit.records(self.guardrail) if r.mode is mode]
        table = Table(title=f"storage-lifecycle, {mode.value}", title_justify="left")
        table.add_column("bucket", style="bold")
        table.add_column("outcome")
        table.add_column("what and why")
        # The second sweep records its skips again; show each (bucket, outcome, reason) once.
        rows = {(r.resource.name, r.outcome.value, r.reason) for r in records if r.outcome is not Outcome.DUPLICATE}
        for row in sorted(rows):
            table.add_row(*row)
        ctx.console.print(
            f"Weekly sweep: {len(sweep)} invocation(s). CloudTrail CreateBucket for {new_bucket} routed to "
            f"{[d.function for d in created]}; an S3 Object Created event routed to "
            f"{[d.function for d in object_created]}."
        )
        ctx.console.print(table)
        second = sum(r.get("applied", 0) + r.get("would-apply", 0) for r in again)
        owner_intact = all(
            rule in ((after[b.name]["lifecycle"] or {}).get("Rules", [])) for b in BUCKETS for rule in b.rules
        )
        ctx.console.print(
            f"Buckets whose configuration changed: [bold]{len(changed)}[/]"
            + (" (dry-run writes nothing to governed resources)" if mode is Mode.DRY_RUN else "")
            + f". Every owner rule intact: {owner_intact}. A second sweep: {second} action(s)"
            + (" (idempotent)." if mode is Mode.ENFORCE else " (dry-run plans again).")
        )
        withheld = sorted({r.resource.name for r in records if r.action == f"finding:{WITHHELD}"})
        return {
            "records": len(records),
            "changed": changed,
            "withheld": withheld,
            "second_sweep_actions": second,
            "owner_intact": owner_intact,
        }
