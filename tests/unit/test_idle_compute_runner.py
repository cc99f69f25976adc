"""IdleComputeRunner against an in-memory fake of its port: the composite listing, the daily advice claim,
the notice-then-end sequence and the fresh read before an end. No AWS, no moto."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from ecoguard.actions.idle_compute import DAILY, EVERY_SWEEP, IdleComputeRunner, decode, encode
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.idle_compute import GUARDRAIL, AcceleratorHolder, Cluster, TrackingServer, WarmPool
from ecoguard.paging import Page
from ecoguard.policy import Policy
from ecoguard.summary import Trigger
from tests.unit.fakes import NOW, MemoryAuditTrail, MemoryStateStore, wired

ARN = "arn:aws:sagemaker:us-east-1:123456789012"


class FakeCompute:
    """Every listing pages by ``size``; ``calls`` counts each call by name."""

    def __init__(self, pools: list[WarmPool], servers: list[str], clusters: list[str], size: int = 2) -> None:
        self.pools = {p.job: p for p in pools}
        self.servers = servers
        self.clusters = clusters
        self.size = size
        self.ended: list[str] = []
        self.calls: Counter[str] = Counter()
        self.gaps: dict[str, tuple[str, ...]] = {}

    def sdk_gaps(self) -> dict[str, tuple[str, ...]]:
        self.calls["sdk_gaps"] += 1
        return self.gaps

    def _page(self, names: list[str], token: str | None) -> Page[str]:
        start = int(token or 0)
        end = start + self.size
        return Page(names[start:end], str(end) if end < len(names) else None)

    def warm_pool_page(self, token: str | None) -> Page[str]:
        self.calls["warm_pool_page"] += 1
        return self._page(sorted(j for j, p in self.pools.items() if p.status == "Available"), token)

    def warm_pool(self, job: str) -> WarmPool | None:
        self.calls["warm_pool"] += 1
        return self.pools.get(job)

    def end_warm_pool(self, job: str) -> None:
        self.ended.append(job)

    def server_page(self, token: str | None) -> Page[str]:
        self.calls["server_page"] += 1
        return self._page(self.servers, token)

    def server(self, name: str) -> TrackingServer | None:
        return TrackingServer(name, f"{ARN}:mlflow-tracking-server/{name}", "Created", "Small", active="Active")

    def server_state(self, name: str) -> dict[str, str | None] | None:
        return {"TrackingServerStatus": "Created", "IsActive": "Active"}

    def stop_server(self, name: str) -> None:
        raise AssertionError("no off-hours in this policy")

    def start_server(self, name: str) -> None:
        raise AssertionError("no off-hours in this policy")

    def cluster_page(self, token: str | None) -> Page[str]:
        self.calls["cluster_page"] += 1
        return self._page(self.clusters, token)

    def cluster(self, name: str) -> Cluster | None:
        return Cluster(name, f"{ARN}:cluster/{name}", "InService", ())

    def endpoint_config_page(self, token: str | None) -> Page[str]:
        self.calls["endpoint_config_page"] += 1
        return Page([], None)

    def endpoint_config(self, name: str) -> AcceleratorHolder | None:
        return None

    def notebook_page(self, token: str | None) -> Page[str]:
        self.calls["notebook_page"] += 1
        return Page([], None)

    def notebook(self, name: str) -> AcceleratorHolder | None:
        return None


def pool(job: str, unused_minutes: int) -> WarmPool:
    return WarmPool(
        job,
        f"{ARN}:training-job/{job}",
        "Available",
        NOW - timedelta(minutes=unused_minutes),
        3600,
        60,
        "ml.m5.large",
        1,
    )


def runner(compute: FakeCompute, state: MemoryStateStore, audit: MemoryAuditTrail) -> IdleComputeRunner:
    wiring = wired(audit, policy=Policy.model_validate({"version": 1}), mode=Mode.ENFORCE, remaining_ms=lambda: 600_000)
    return IdleComputeRunner(wiring, compute, state)


def test_a_token_names_its_listing_and_its_position_and_round_trips() -> None:
    kinds = EVERY_SWEEP + DAILY
    assert decode(encode(kinds, 3, "abc|def")) == (kinds, 3, "abc|def")
    assert decode(encode(EVERY_SWEEP, 1, None)) == (EVERY_SWEEP, 1, None)


def test_given_several_pages_of_each_listing_then_the_sweep_visits_every_resource_once_in_order() -> None:
    pools = [pool(f"job-{i}", 5) for i in range(5)]
    compute = FakeCompute(pools, [f"server-{i}" for i in range(3)], [f"cluster-{i}" for i in range(3)])
    audit = MemoryAuditTrail()
    result = runner(compute, MemoryStateStore(GUARDRAIL, Mode.ENFORCE), audit).sweep(Trigger("run-1", "test"))
    assert result.finished
    assert compute.calls["warm_pool_page"] == 3 and compute.calls["server_page"] == 2
    assert compute.calls["cluster_page"] == 2 and compute.calls["notebook_page"] == 1
    names = [r.resource.name for _, r in audit.journal if r.outcome is Outcome.FINDING]
    assert names == [
        *(f"job-{i}" for i in range(5)),
        *(f"server-{i}" for i in range(3)),
        *(f"cluster-{i}" for i in range(3)),
    ]


def test_given_the_day_claimed_by_another_run_then_only_pools_and_servers_are_listed() -> None:
    compute = FakeCompute([], ["server-0"], ["cluster-0"])
    state = MemoryStateStore(GUARDRAIL, Mode.ENFORCE)
    audit = MemoryAuditTrail()
    runner(compute, state, audit).sweep(Trigger("run-1", "first of the day"))
    runner(compute, state, audit).sweep(Trigger("run-2", "later that day"))
    assert compute.calls["cluster_page"] == 1, "clusters listed by the first run only"
    assert compute.calls["server_page"] == 2


def test_given_a_pool_then_the_first_sweep_notices_and_only_a_later_sweep_ends_it() -> None:
    compute = FakeCompute([pool("bert", 45)], [], [])
    state = MemoryStateStore(GUARDRAIL, Mode.ENFORCE)
    audit = MemoryAuditTrail()
    runner(compute, state, audit).sweep(Trigger("run-1", "t"))
    assert compute.ended == []
    assert state.get("warm-pool/bert").version == 1
    runner(compute, state, audit).sweep(Trigger("run-2", "t"))
    assert compute.ended == ["bert"]
    assert state.get("warm-pool/bert").version == 0, "the mark goes with the pool"
    first_end = next(i for i, (_, r) in enumerate(audit.journal) if r.action == "end-warm-pool")
    first_notice = next(i for i, (_, r) in enumerate(audit.journal) if r.action == "finding:warm-pool-notice")
    assert first_notice < first_end


def test_before_ending_a_pool_it_is_described_again() -> None:
    compute = FakeCompute([pool("bert", 45)], [], [])
    state = MemoryStateStore(GUARDRAIL, Mode.ENFORCE)
    audit = MemoryAuditTrail()
    runner(compute, state, audit).sweep(Trigger("run-1", "t"))
    reads = compute.calls["warm_pool"]
    runner(compute, state, audit).sweep(Trigger("run-2", "t"))
    assert compute.calls["warm_pool"] - reads == 2, "read for the sweep, read again to confirm"


class FilterAfterPaging(FakeCompute):
    """ListTrainingJobs with WarmPoolStatusEquals, the filter applied after MaxResults cut the page: nothing in
    the API reference says otherwise, so a page may hold fewer matches than asked for, or none, and the listing
    ends only when NextToken does (SageMaker API reference, ListTrainingJobs)."""

    def warm_pool_page(self, token: str | None) -> Page[str]:
        self.calls["warm_pool_page"] += 1
        listed = self._page(sorted(self.pools), token)
        return Page([j for j in listed.items if self.pools[j].status == "Available"], listed.next_token)


def test_given_pages_with_no_available_pool_before_the_last_then_the_sweep_reads_on_to_the_token_s_end() -> None:
    busy = [replace(pool(f"a-{i}", 5), status="InUse") for i in range(4)]
    compute = FilterAfterPaging([*busy, pool("z-unused", 45)], [], [], size=2)
    audit = MemoryAuditTrail()
    result = runner(compute, MemoryStateStore(GUARDRAIL, Mode.ENFORCE), audit).sweep(Trigger("run-1", "t"))
    assert result.finished
    assert compute.calls["warm_pool_page"] == 3, "two empty pages, then the page with the match"
    assert [r.resource.name for _, r in audit.journal if r.action == "finding:warm-pool-notice"] == ["z-unused"]


def test_given_an_sdk_without_mlflow_s_is_active_then_servers_are_never_listed_and_pools_still_are() -> None:
    # A botocore that predates DescribeMlflowTrackingServer's IsActive drops it from the parsed response: the
    # servers' activity could not be read, so none is listed, stopped or reported (adapters.sdk_support).
    compute = FakeCompute([pool("bert", 45)], ["server-0"], [])
    compute.gaps = {"tracking-server": ("DescribeMlflowTrackingServerResponse.IsActive",)}
    audit = MemoryAuditTrail()
    result = runner(compute, MemoryStateStore(GUARDRAIL, Mode.ENFORCE), audit).sweep(Trigger("run-1", "t"))
    assert result.finished
    assert compute.calls["server_page"] == 0 and compute.calls["warm_pool_page"] == 1
    assert compute.calls["sdk_gaps"] == 1, "read once per run"
    assert [r.resource.name for _, r in audit.journal] == ["bert"]
