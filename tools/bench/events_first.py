"""Events first (issue 32): a resource created after the last sweep is handled by its own event, in seconds.

``python -m tools.bench.events_first [--latency-ms 20]`` prints one JSON object. For each function with a
creation event (CloudTrail ``CreateLogGroup``, ``CreateBucket``, as EventBridge delivers them: the samples in
``events/``), in a fresh simulated account under the quota model (``tools/bench/quota.py``: the documented
quotas, the latency on every call): the resource is created, then the function's real handler runs on the
sample event naming it, in enforce. Measured from the creation call's answer: when ecoguard's write reached the
account (its first served call of the write API), and when the handler returned (the audit record finished);
with the calls the handler made. Twice: on a quiet account, and while other tools take ``BUSY_SHARE`` of the
write API's quota (as CDK's log-retention resource or a sweep in another invocation do: the quota is shared).

Not modelled: how long CloudTrail and EventBridge take to deliver the event (EventBridge delivers CloudTrail
events "best effort", EventBridge User Guide, "Events from AWS services"; no latency is published), and the
function's cold start (``make bench`` measures it: "Cold starts"); the handler's first load in this process
(its imports) is in the figures.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import boto3

from ecoguard import pacing
from tools.bench.quota import QUOTAS, QuotaModel, Throttling, held
from tools.bench.sweep import Calls, Throttle, counting, outcomes_of, run_function
from tools.simulator.account import provision, simulated_aws
from tools.simulator.demo import fake_credentials
from tools.simulator.identity import REGION, STACK
from tools.simulator.invoke import reset_caches
from tools.simulator.s3_shim import fake_s3_configs
from tools.simulator.template import ROOT, load_template

BUSY_SHARE = 0.8  # of the write API's quota, taken by other tools in the "busy" case


@dataclass(frozen=True)
class Case:
    function: str
    sample: str  # under events/
    write_api: str  # the quota model's key of the call that is ecoguard's action
    create: Callable[[str], None]
    name_field: str  # the event's requestParameters member naming the resource
    name: str


def create_log_group(name: str) -> None:
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName=name)


def create_bucket(name: str) -> None:
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "ecoguard:data-class", "Value": "raw"}]})


CASES = (
    Case(
        "LogRetentionFunction",
        "log_retention/cloudtrail-createloggroup.json",
        "cloudwatch-logs.PutRetentionPolicy",
        create_log_group,
        "logGroupName",
        "/aws/sagemaker/Endpoints/created-after-the-sweep",
    ),
    Case(
        "StorageLifecycleFunction",
        "storage_lifecycle/cloudtrail-createbucket.json",
        "s3.PutBucketLifecycleConfiguration",
        create_bucket,
        "bucketName",
        "ml-created-after-the-sweep",
    ),
)


class Timed(QuotaModel):
    """The quota model, noting when a call of ``watch`` is first served."""

    watch: str = ""
    served_at: float | None = None

    def admit(self, api: str) -> Throttling | None:
        refused = super().admit(api)
        if refused is None and api == self.watch and self.served_at is None:
            self.served_at = time.monotonic()
        return refused


def event_for(case: Case) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / case.sample).read_text())
    detail = event["detail"]
    detail["requestParameters"] = {**detail.get("requestParameters", {}), case.name_field: case.name}
    detail["awsRegion"] = event["region"] = REGION
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    detail["eventTime"] = event["time"] = now
    return event


def measure(case: Case, latency_ms: float, busy: bool) -> dict[str, Any]:
    fake_credentials()
    template = load_template()
    with ExitStack() as stack:
        stack.enter_context(simulated_aws())
        reset_caches()
        resolver = provision(template, stack=STACK)
        stack.enter_context(fake_s3_configs())  # moto_drops_lifecycle_fields (tools/simulator/s3_shim.py)
        quota = QUOTAS.get(case.write_api)
        share = (quota.rate if quota else 0.0) * BUSY_SHARE if busy else 0.0
        model = Timed(latency_s=latency_ms / 1000, co_tenant={case.write_api: share} if share else {})
        model.watch = case.write_api
        stack.enter_context(held(model))
        pacing.LIMITER = pacing.Limiter()
        if busy:
            model.drain(case.write_api)  # other tools have been calling it at their share until now
        case.create(case.name)
        created = time.monotonic()
        calls, throttle = Calls(), Throttle(1e9)
        with counting(calls, throttle):
            results = run_function(
                case.function,
                event_for(case),
                resolver=resolver,
                template=template,
                throttle=throttle,
                env={"ECOGUARD_MODE": "enforce"},
            )
        done = time.monotonic()
    governed = Counter({k: v for k, v in calls.by_op.items() if k.split(":", 1)[0] not in ("dynamodb", "sns", "kms")})
    return {
        "function": case.function,
        "event": case.sample,
        "busy_share": share,
        "to_action_s": round(model.served_at - created, 3) if model.served_at is not None else None,
        "to_done_s": round(done - created, 3),
        "governed_calls": sum(governed.values()),
        "total_calls": sum(calls.by_op.values()),
        "throttled": sum(model.throttled.values()),
        "outcomes": outcomes_of(results),
    }


def measure_all(latency_ms: float) -> list[dict[str, Any]]:
    return [
        measure(case, latency_ms, busy)
        for case in CASES
        for busy in ((False, True) if case.write_api in QUOTAS else (False,))
    ]


def table(rows: list[dict[str, Any]], latency_ms: float) -> str:
    """Beside the sweep figures: how soon a resource created after a sweep is acted on by its own event."""
    lines = [
        f"Events first (`tools/bench/events_first.py`): a resource created, then the function's handler on its "
        f"CloudTrail event (the samples in `events/`), in enforce, {latency_ms:g} ms added to every call. Timed from "
        "the creation call's answer, including the handler's first load in the bench's process (its imports); "
        "not included: CloudTrail-to-EventBridge delivery (best effort, no published latency) and Lambda's own "
        'cold start ("Cold starts" above).',
        "",
        "| function | event | other tools' share of the write quota | to the write s | to the handler's end s "
        "| governed calls | all calls | throttled answers | applied |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        share = f"{r['busy_share']:g}/s" if r["busy_share"] else "none"
        action = "unknown" if r["to_action_s"] is None else r["to_action_s"]
        lines.append(
            f"| {r['function']} | {r['event'].split('/')[-1]} | {share} | {action} | {r['to_done_s']} | "
            f"{r['governed_calls']} | {r['total_calls']} | {r['throttled']} | {r['outcomes'].get('applied', 0)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    print(json.dumps(measure_all(args.latency_ms)))


if __name__ == "__main__":
    main()
