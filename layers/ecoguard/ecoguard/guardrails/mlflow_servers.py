"""MLflow tracking servers: stopped inside the policy's off-hours, started again after. Part of idle-compute.

A tracking server is sized ``Small``, ``Medium`` or ``Large`` (CreateMlflowTrackingServer
``TrackingServerSize``) and is billed per hour by that size while it runs (Amazon SageMaker AI pricing,
MLflow); StopMlflowTrackingServer and StartMlflowTrackingServer stop and start it (SageMaker API reference).
SageMaker publishes no idle metric for it (none in "Amazon SageMaker AI metrics in Amazon CloudWatch").

Whether a server runs is ``IsActive`` (``Active`` / ``Inactive``), not ``TrackingServerStatus``: that is its
creation and update status (DescribeMlflowTrackingServer: "The current creation status"; TrackingServerSummary:
"The creation status" and "The activity status", ``IsActive``). A server never stopped stays ``Created``, an
updated one ``Updated`` or ``MaintenanceComplete``, and only one started again after a stop is ``Started``.

Rules, in order:

1. ``IsActive`` unknown (absent from the response): no decision; nothing is stopped on a guess.
2. A server in transition (``TRANSITIONS``: Creating, Updating, Deleting, Stopping, Starting,
   MaintenanceInProgress, the in-progress values of ``TrackingServerStatus`` in the API reference; the
   others are settled or failed states): no decision; the next sweep decides again.
3. Without ``off_hours``: a running (``Active``) server is a finding with its size; nothing is stopped.
4. Inside the off-hours, an ``Active`` server is stopped, unless tagged ``ecoguard:exempt=true`` (skipped);
   a mark in this mode's state records that ecoguard stopped it.
5. Outside the off-hours, an ``Inactive``, ``Stopped`` server that ecoguard stopped (marked) is started again,
   and the mark removed. A server someone else stopped is left stopped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ecoguard.decisions import Finding, Outcome, Plan, PlannedAction, Put, Remove, Skip, StateChange
from ecoguard.guardrails.idle_compute import GUARDRAIL, ObservedServer, TrackingServer
from ecoguard.guardrails.idle_notebook import in_off_hours
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import not_estimated
from ecoguard.policy import MlflowPolicy

STOP_SERVER = "stop-tracking-server"
START_SERVER = "start-tracking-server"
RUNNING = "tracking-server-running"
# Off-hours may last a weekend; the mark must outlive them.
MARK_TTL = timedelta(days=4)
ACTIVE, INACTIVE = "Active", "Inactive"  # IsTrackingServerActive (botocore's SageMaker model)
TRANSITIONS = frozenset({"Creating", "Updating", "Deleting", "Stopping", "Starting", "MaintenanceInProgress"})


def is_running(server: TrackingServer) -> bool:
    return server.active == ACTIVE and server.status not in TRANSITIONS


def is_stopped(server: TrackingServer) -> bool:
    return server.active == INACTIVE and server.status == "Stopped"


def server_key(name: str) -> str:
    return f"tracking-server/{name}"


def server_impact(server: TrackingServer, period: str) -> dict[str, object]:
    return dict(
        not_estimated(
            period,
            f"MLflow tracking server {server.name} ({server.size or 'size unknown'})",
            "no sourced price or power figure for SageMaker MLflow tracking servers",
        )
    )


def plan_tracking_server(observed: ObservedServer, policy: MlflowPolicy, now: datetime) -> Plan:
    server, mark = observed.server, observed.mark
    if not policy.enabled:
        return Plan()
    state = {"TrackingServerStatus": server.status, "IsActive": server.active, "TrackingServerSize": server.size}
    off = policy.off_hours
    if off is None:
        if not is_running(server):
            return Plan()
        finding = Finding(
            GUARDRAIL,
            server.resource,
            RUNNING,
            f"MLflow tracking server running, size {server.size or 'unknown'}; it bills while running and has no "
            "idle metric: set idle_compute.mlflow.off_hours to stop it outside working hours",
            state,
            server_impact(server, "per month, if left running"),
        )
        return Plan((finding,))
    key = server_key(server.name)
    if in_off_hours(off, now):
        if not is_running(server):
            return Plan()
        if is_exempt(server.tags):
            return Plan((Skip(GUARDRAIL, server.resource, "tagged ecoguard:exempt=true", state),))
        stop = PlannedAction(
            GUARDRAIL,
            server.resource,
            STOP_SERVER,
            state,
            {"TrackingServerStatus": "Stopped", "IsActive": INACTIVE},
            f"inside the off-hours ({off.start}-{off.end} {off.time_zone}): stopped; started again when they end",
            server_impact(server, "per off-hours hour"),
        )
        put = Put({"since": now.isoformat()}, MARK_TTL)
        return Plan((stop,), StateChange(key, mark.version, settle={Outcome.APPLIED: put, Outcome.WOULD_APPLY: put}))
    if not is_stopped(server) or mark.since is None:
        return Plan()
    start = PlannedAction(
        GUARDRAIL,
        server.resource,
        START_SERVER,
        state,
        {"TrackingServerStatus": "Started", "IsActive": ACTIVE},
        f"the off-hours ended; ecoguard stopped it at {mark.since.isoformat()}: started again",
    )
    done = Remove()
    return Plan((start,), StateChange(key, mark.version, settle={Outcome.APPLIED: done, Outcome.WOULD_APPLY: done}))
