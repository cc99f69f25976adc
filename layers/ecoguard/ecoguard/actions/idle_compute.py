"""The idle-compute guardrail's AWS side: warm pools, MLflow tracking servers, HyperPod clusters and Elastic
Inference leftovers, read in one resumable sweep.

- ``ComputeResources``: the port (``adapters.sagemaker_compute.ComputeAdapter`` implements it);
- ``IdleComputeRunner``: one sweep that walks several listings in turn (``KINDS``; a listing whose APIs or
  members this runtime's SDK lacks is walked as empty, said once per run: ``adapters.sdk_support``), its
  position in the page token (``kinds|index|token``). Warm pools and tracking servers are walked on every
  sweep; HyperPod clusters, endpoint configurations and notebook instances (advice only) on the first sweep
  of each UTC day, claimed in ecoguard's state. Advice and skips are recorded once per resource per day.
  Each resource is read (with its mark) ahead on a bounded pool and decided in listing order (``Overlapped``).
- ``EndWarmPool`` (irreversible: restore refuses), ``StopTrackingServer`` and ``StartTrackingServer``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from ecoguard import overlap
from ecoguard.adapters.sagemaker_compute import ComputeAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import OUT_OF_SCOPE, Decision, Outcome, Plan, PlannedAction, Resource, Unreadable
from ecoguard.executor import Executor
from ecoguard.guardrails.compute_advisories import ELASTIC_INFERENCE, HYPERPOD, plan_accelerators, plan_cluster
from ecoguard.guardrails.idle_compute import (
    GUARDRAIL,
    AcceleratorHolder,
    Cluster,
    Mark,
    ObservedPool,
    ObservedServer,
    TrackingServer,
    WarmPool,
)
from ecoguard.guardrails.mlflow_servers import (
    ACTIVE,
    INACTIVE,
    RUNNING,
    START_SERVER,
    STOP_SERVER,
    TRANSITIONS,
    plan_tracking_server,
    server_key,
)
from ecoguard.guardrails.warm_pools import END_POOL, plan_warm_pool, pool_key
from ecoguard.paging import Page
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner, daily
from ecoguard.state import StateConflict, StateStore
from ecoguard.summary import Trigger
from ecoguard.sweep import Overlapped, Sweep, SweepResult
from ecoguard.units import FULLY_REVERSIBLE, NOTHING_RESTARTS, ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring

POOLS, SERVERS, CLUSTERS, CONFIGS, NOTEBOOKS = (
    "warm-pool",
    "tracking-server",
    "cluster",
    "endpoint-config",
    "notebook-instance",
)
EVERY_SWEEP = (POOLS, SERVERS)
DAILY = (CLUSTERS, CONFIGS, NOTEBOOKS)
DAILY_ADVICE = frozenset({HYPERPOD, ELASTIC_INFERENCE, RUNNING})
DAILY_CLAIM_TTL = timedelta(days=2)

type Ref = tuple[str, str]  # (kind, name)
type Observed = ObservedPool | ObservedServer | Cluster | AcceleratorHolder  # a resource as read, to decide on


class ComputeResources(Protocol):
    def sdk_gaps(self) -> Mapping[str, tuple[str, ...]]: ...

    def warm_pool_page(self, token: str | None) -> Page[str]: ...

    def warm_pool(self, job: str) -> WarmPool | None: ...

    def end_warm_pool(self, job: str) -> None: ...

    def server_page(self, token: str | None) -> Page[str]: ...

    def server(self, name: str) -> TrackingServer | None: ...

    def server_state(self, name: str) -> Mapping[str, str | None] | None: ...

    def stop_server(self, name: str) -> None: ...

    def start_server(self, name: str) -> None: ...

    def cluster_page(self, token: str | None) -> Page[str]: ...

    def cluster(self, name: str) -> Cluster | None: ...

    def endpoint_config_page(self, token: str | None) -> Page[str]: ...

    def endpoint_config(self, name: str) -> AcceleratorHolder | None: ...

    def notebook_page(self, token: str | None) -> Page[str]: ...

    def notebook(self, name: str) -> AcceleratorHolder | None: ...


class EndWarmPool(ActionUnit[ComputeResources]):
    """End a training warm pool (UpdateTrainingJob, KeepAlivePeriodInSeconds=0). Cannot be undone."""

    name = END_POOL
    permissions = frozenset({"sagemaker:UpdateTrainingJob"})
    restore_permissions = frozenset({"sagemaker:DescribeTrainingJob"})
    confirm_first = True
    irreversible = "an ended warm pool cannot be brought back; the next training job provisions new instances"
    interrupts = "the next training job waits for new instances to be provisioned (no warm pool to reuse)"
    restorable = False

    def apply(self, action: PlannedAction) -> None:
        self.ports.end_warm_pool(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        pool = self.ports.warm_pool(record.resource.name)
        return None if pool is None else {"KeepAlivePeriodInSeconds": pool.keep_alive_seconds}

    def undo(self, record: AuditRecord) -> None:
        raise RuntimeError(f"cannot be restored: {self.irreversible}")


class _TrackingServerUnit(ActionUnit[ComputeResources]):
    """``reached``: the server is on its way to the state the change left (``IsActive`` says whether it runs;
    ``TrackingServerStatus`` shows the transition: DescribeMlflowTrackingServer)."""

    reached_active: str = ""
    reached_statuses: tuple[str, ...] = ()
    # The state the undo leads to: an earlier restore attempt's undo took effect (its answer lost) when the server
    # is on its way there, so a retry records it rather than calling again (a second start of a starting server
    # fails: ConflictException).
    restored_active: str = ""
    restored_statuses: tuple[str, ...] = ()

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        return self.ports.server_state(record.resource.name)

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        return _on_its_way(current, self.reached_active, self.reached_statuses)

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        return _on_its_way(current, self.restored_active, self.restored_statuses)


def _on_its_way(current: Mapping[str, Any], active: str, statuses: tuple[str, ...]) -> bool:
    if current.get("TrackingServerStatus") in statuses:
        return True
    return current.get("IsActive") == active and current.get("TrackingServerStatus") not in TRANSITIONS


class StopTrackingServer(_TrackingServerUnit):
    """Stop an MLflow tracking server; undone by starting it."""

    name = STOP_SERVER
    permissions = frozenset({"sagemaker:StopMlflowTrackingServer"})
    restore_permissions = frozenset(
        {"sagemaker:DescribeMlflowTrackingServer", "sagemaker:StartMlflowTrackingServer", "sagemaker:ListTags"}
    )
    # Its runs' metadata and artifacts live in its backing store and S3, kept while it is stopped
    # (StopMlflowTrackingServer): starting it again brings back everything.
    irreversible = FULLY_REVERSIBLE
    interrupts = "the MLflow tracking server stops: its UI and API answer again only once it is started"
    reached_active = INACTIVE
    reached_statuses = ("Stopped", "Stopping")
    restored_active = ACTIVE
    restored_statuses = ("Started", "Starting")

    def apply(self, action: PlannedAction) -> None:
        self.ports.stop_server(action.resource.name)

    def undo(self, record: AuditRecord) -> None:
        self.ports.start_server(record.resource.name)


class StartTrackingServer(_TrackingServerUnit):
    """Start an MLflow tracking server ecoguard stopped; undone by stopping it again."""

    name = START_SERVER
    permissions = frozenset({"sagemaker:StartMlflowTrackingServer"})
    restore_permissions = frozenset(
        {"sagemaker:DescribeMlflowTrackingServer", "sagemaker:StopMlflowTrackingServer", "sagemaker:ListTags"}
    )
    irreversible = FULLY_REVERSIBLE
    interrupts = NOTHING_RESTARTS
    reached_active = ACTIVE
    reached_statuses = ("Started", "Starting")
    restored_active = INACTIVE
    restored_statuses = ("Stopped", "Stopping")

    def apply(self, action: PlannedAction) -> None:
        self.ports.start_server(action.resource.name)

    def undo(self, record: AuditRecord) -> None:
        self.ports.stop_server(record.resource.name)


def connect(clients: Clients) -> ComputeResources:
    return ComputeAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "IdleComputeFunction", (EndWarmPool, StopTrackingServer, StartTrackingServer), connect)


def _mark(value: Mapping[str, Any], version: int) -> Mark:
    since = value.get("since")
    try:
        return Mark(datetime.fromisoformat(since) if isinstance(since, str) else None, version)
    except ValueError:
        return Mark(None, version)


def encode(kinds: tuple[str, ...], index: int, token: str | None) -> str:
    return f"{'daily' if kinds[-1] in DAILY else 'short'}|{index}|{token or ''}"


def decode(token: str) -> tuple[tuple[str, ...], int, str | None]:
    which, index, inner = token.split("|", 2)
    kinds = EVERY_SWEEP + DAILY if which == "daily" else EVERY_SWEEP
    return kinds, int(index), inner or None


class IdleComputeRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    # Each change (a warm pool ended, a tracking server stopped or started) is to its own resource alone.
    side_by_side = True

    def __init__(self, wiring: Wiring, compute: ComputeResources, state: StateStore) -> None:
        super().__init__(wiring, REGISTRY.bind(compute), state)
        self._compute = compute
        self._marks = state
        self._gaps: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def build(cls, wiring: Wiring) -> IdleComputeRunner:
        return cls(wiring, connect(wiring.clients), wiring.state(GUARDRAIL))

    # --- the composite listing ----------------------------------------------------------------

    def _listing(self, kind: str) -> Callable[[str | None], Page[str]]:
        """A listing this runtime's SDK cannot read (``sdk_gaps``, said once per run) lists nothing: no
        decision is taken on a response whose members the SDK drops."""
        if self._gaps is None:
            self._gaps = dict(self._compute.sdk_gaps())
        if kind in self._gaps:
            return lambda _token: Page([], None)
        return {
            POOLS: self._compute.warm_pool_page,
            SERVERS: self._compute.server_page,
            CLUSTERS: self._compute.cluster_page,
            CONFIGS: self._compute.endpoint_config_page,
            NOTEBOOKS: self._compute.notebook_page,
        }[kind]

    def claims_daily_advice(self, trigger: Trigger) -> bool:
        """Whether this run walks the advice listings: the first run of the UTC day to claim it does (a
        resumed run finds its own claim)."""
        key = f"advice/{self._clock().date().isoformat()}"
        item = self._marks.get(key)
        if item.version:
            return item.value.get("run") == trigger.id
        try:
            self._marks.put(
                key,
                {"run": trigger.id},
                expected_version=0,
                expires_at=int((self._clock() + DAILY_CLAIM_TTL).timestamp()),
            )
        except StateConflict:
            return False
        return True

    def pager(self, trigger: Trigger) -> Callable[[str | None], Page[Ref]]:
        def page(token: str | None) -> Page[Ref]:
            kinds: tuple[str, ...]
            if token is None:
                kinds = EVERY_SWEEP + DAILY if self.claims_daily_advice(trigger) else EVERY_SWEEP
                index, inner = 0, None
            else:
                kinds, index, inner = decode(token)
            listed = self._listing(kinds[index])(inner)
            refs = [(kinds[index], name) for name in listed.items]
            if listed.next_token is not None:
                return Page(refs, encode(kinds, index, listed.next_token))
            if index + 1 < len(kinds):
                return Page(refs, encode(kinds, index + 1, None))
            return Page(refs, None)

        return page

    # --- reading and deciding one resource ----------------------------------------------------

    def _read_mark(self, key: str) -> Mark:
        item = self._marks.get(key)
        return _mark(item.value, item.version)

    def observe(self, ref: Ref) -> Observed | Plan:
        """The resource with its mark, if it has one; a plan (out of scope, or unreadable) when it cannot be
        had. Only reads, of this resource alone: safe on a read thread (``ecoguard.overlap``)."""
        kind, name = ref
        where = Resource(arn=name, name=name, kind=kind)
        reader: dict[str, Callable[[], object]] = {
            POOLS: lambda: self._compute.warm_pool(name),
            SERVERS: lambda: self._compute.server(name),
            CLUSTERS: lambda: self._compute.cluster(name),
            CONFIGS: lambda: self._compute.endpoint_config(name),
            NOTEBOOKS: lambda: self._compute.notebook(name),
        }
        found = read(GUARDRAIL, where, reader[kind])
        if found is GONE or found is None:
            return OUT_OF_SCOPE
        if isinstance(found, Unreadable):
            return Plan(unreadable=found)
        if isinstance(found, WarmPool):
            return ObservedPool(found, self._read_mark(pool_key(name)))
        if isinstance(found, TrackingServer):
            return ObservedServer(found, self._read_mark(server_key(name)))
        if isinstance(found, Cluster | AcceleratorHolder):
            return found
        raise TypeError(f"unexpected {type(found).__name__}")

    def decide(self, observed: Observed | Plan) -> Plan:
        if isinstance(observed, Plan):
            return observed
        policy = self._policy.idle_compute
        if isinstance(observed, ObservedPool):
            return plan_warm_pool(observed, policy.warm_pools, self._clock())
        if isinstance(observed, ObservedServer):
            return plan_tracking_server(observed, policy.mlflow, self._clock())
        if isinstance(observed, Cluster):
            return plan_cluster(observed, policy.hyperpod)
        return plan_accelerators(observed, policy.elastic_inference)

    def plan(self, ref: Ref) -> Plan:
        return self.decide(self.observe(ref))

    def confirmation(self, ref: Ref) -> Confirmation[Ref]:
        """Before a warm pool is ended, it is described again (and its mark read again) and decided again:
        ``plan`` does both, so the fresh plan is the one carried out."""
        return Confirmation(GUARDRAIL, ref, lambda same: Fresh(same, changed=False), self.plan)

    def route(self, decision: Decision) -> Trigger | None:
        """Advice and skips once per resource per UTC day, not once per 15-minute sweep."""
        return daily(decision, self._clock().date().isoformat(), DAILY_ADVICE)

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger).routed(self.route)

        def handle(ref: Ref, observed: Observed | Plan, run: Executor) -> Outcome | None:
            return run.run(self.decide(observed), self.confirmation(ref) if ref[0] == POOLS else None)

        sweep: Sweep[Ref] = self._make_sweep()
        # Each resource's reads are its own: made ahead, several at once; decided in listing order.
        return sweep.run(trigger, executor, self.pager(trigger), Overlapped(self.observe, handle, overlap.READ_WORKERS))
