"""BedrockThroughputRunner against an in-memory fake of its port: paging, notice then deletion, a throughput gone
between the listing and its read, an unreadable usage. No AWS, no moto."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from ecoguard.actions.bedrock_throughput import BedrockThroughputRunner
from ecoguard.decisions import Mode, Outcome
from ecoguard.errors import AwsError, NotFound
from ecoguard.guardrails.bedrock_throughput import GUARDRAIL, METRICS, MetricEvidence, Throughput
from ecoguard.paging import Page
from ecoguard.policy import Policy
from ecoguard.summary import Trigger
from tests.unit.fakes import NOW, MemoryAuditTrail, MemoryStateStore, wired

ARN = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1"


def throughput(n: int, commitment: str | None = None) -> Throughput:
    return Throughput(
        name=f"pt-{n}",
        arn=f"{ARN}{n:012d}",
        model_arn=MODEL,
        foundation_model_arn=MODEL,
        model_units=1,
        desired_model_units=1,
        status="InService",
        created=NOW - timedelta(days=30),
        commitment=commitment,
        commitment_ends=None if commitment is None else NOW + timedelta(days=100),
    )


class FakeBedrock:
    """Pages of ``size``; ``gone`` answer NotFound when read; ``broken`` usage raises an AWS error."""

    def __init__(self, throughputs: list[Throughput], size: int = 2) -> None:
        self.throughputs = {t.arn: t for t in throughputs}
        self.size = size
        self.deleted: list[str] = []
        self.gone: set[str] = set()
        self.broken: set[str] = set()
        self.calls: Counter[str] = Counter()

    def throughput_page(self, token: str | None) -> Page[str]:
        self.calls["page"] += 1
        arns = sorted(self.throughputs)
        start = int(token or 0)
        end = start + self.size
        return Page(arns[start:end], str(end) if end < len(arns) else None)

    def throughput(self, arn: str) -> Throughput:
        self.calls["get"] += 1
        if arn in self.gone or arn not in self.throughputs:
            raise NotFound("GetProvisionedModelThroughput", "ResourceNotFoundException", "gone")
        return self.throughputs[arn]

    def usage(self, arn: str, days: int, now: datetime) -> Mapping[str, MetricEvidence]:
        if arn in self.broken:
            raise AwsError("GetMetricData", "InternalServiceFault", "injected")
        return dict.fromkeys(METRICS, MetricEvidence(datapoints=7, maximum=0.0, total=0.0))

    def exists(self, arn: str) -> bool:
        return arn in self.throughputs

    def delete(self, arn: str) -> None:
        self.deleted.append(arn)
        del self.throughputs[arn]


def runner(bedrock: FakeBedrock, state: MemoryStateStore, audit: MemoryAuditTrail) -> BedrockThroughputRunner:
    policy = Policy.model_validate({"version": 1, "bedrock_throughput": {"grace_hours": 0}})
    wiring = wired(audit, policy=policy, mode=Mode.ENFORCE, remaining_ms=lambda: 600_000)
    return BedrockThroughputRunner(wiring, bedrock, state)


def test_given_several_pages_then_every_throughput_is_noticed_once_and_none_deleted_on_the_first_sweep() -> None:
    bedrock = FakeBedrock([throughput(i) for i in range(5)])
    audit = MemoryAuditTrail()
    result = runner(bedrock, MemoryStateStore(GUARDRAIL, Mode.ENFORCE), audit).sweep(Trigger("run-1", "t"))
    assert result.finished and bedrock.calls["page"] == 3
    notices = [r.resource.name for _, r in audit.journal if r.action == "finding:idle-throughput-notice"]
    assert notices == [f"pt-{i}" for i in range(5)]
    assert bedrock.deleted == []


def test_given_a_noticed_throughput_then_the_next_sweep_deletes_it_and_never_a_committed_one() -> None:
    idle, committed = throughput(1), throughput(2, "SixMonths")
    bedrock = FakeBedrock([idle, committed])
    state, audit = MemoryStateStore(GUARDRAIL, Mode.ENFORCE), MemoryAuditTrail()
    runner(bedrock, state, audit).sweep(Trigger("run-1", "t"))
    runner(bedrock, state, audit).sweep(Trigger("run-2", "t"))
    assert bedrock.deleted == [idle.arn]
    applied = [r for _, r in audit.journal if r.action == "delete-provisioned-throughput"]
    assert [r.outcome for r in applied][-1] is Outcome.APPLIED
    assert state.get(f"throughput/{idle.arn}").version == 0, "the notice is removed with the throughput"


def test_given_a_throughput_gone_after_the_listing_then_it_is_out_of_scope_and_nothing_recorded() -> None:
    bedrock = FakeBedrock([throughput(1)])
    bedrock.gone.add(throughput(1).arn)
    audit = MemoryAuditTrail()
    runner(bedrock, MemoryStateStore(GUARDRAIL, Mode.ENFORCE), audit).sweep(Trigger("run-1", "t"))
    assert audit.journal == []


def test_given_its_usage_unreadable_then_it_is_recorded_failed_and_never_deleted() -> None:
    bedrock = FakeBedrock([throughput(1)])
    state, audit = MemoryStateStore(GUARDRAIL, Mode.ENFORCE), MemoryAuditTrail()
    runner(bedrock, state, audit).sweep(Trigger("run-1", "t"))
    bedrock.broken.add(throughput(1).arn)
    runner(bedrock, state, audit).sweep(Trigger("run-2", "t"))
    assert bedrock.deleted == []
    assert [r.outcome for _, r in audit.journal if r.trigger_id == "run-2"] == [Outcome.FAILED]
