"""The idle-notebook guardrail's AWS side: its one action, stop a notebook instance (its volume is kept), and
its runner, an hourly sweep of InService notebook instances.

Each page of instances (100) gets, in one GetMetricData call, the activity metric that ecoguard's
lifecycle configuration publishes. Tags come from one tagging-API listing per governing key and per
attribution key (the policy's ``report.attribution_tags``) per invocation, not one read per instance.
Stopping keeps the instance and its volume.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ecoguard.adapters.metric_queries import activity_query
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome, Plan, PlannedAction, plan_of
from ecoguard.executor import Executor
from ecoguard.guardrails.idle_notebook import (
    GUARDRAIL,
    STOP,
    Activity,
    Notebook,
    decide_notebook,
    idle_hours,
    reports_activity,
)
from ecoguard.paging import Page
from ecoguard.runner import GuardrailRunner
from ecoguard.summary import Trigger
from ecoguard.sweep import Sweep, SweepResult
from ecoguard.units import ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring


class StopNotebook(ActionUnit[SageMakerAdapter]):
    """Stop an idle notebook instance; undone by starting it again."""

    name = STOP
    unrepeatable = True  # a second StopNotebookInstance of a Stopping instance: ValidationException
    permissions = frozenset({"sagemaker:StopNotebookInstance"})
    restore_permissions = frozenset(
        {"sagemaker:DescribeNotebookInstance", "sagemaker:StartNotebookInstance", "sagemaker:ListTags"}
    )
    # Only files under /home/ec2-user/SageMaker (the ML storage volume) persist between notebook instance
    # sessions (SageMaker Developer Guide, "Notebook instances"; StopNotebookInstance keeps that volume).
    irreversible = (
        "stopping ends every running kernel, terminal and process, and discards everything outside "
        "/home/ec2-user/SageMaker; a restore starts the instance again, not its kernels or their state"
    )
    interrupts = "the notebook instance stops: its kernels, terminals and their state are lost; start it to use it"

    def apply(self, action: PlannedAction) -> None:
        self.ports.stop_notebook(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        notebook = self.ports.notebook(record.resource.name)
        return None if notebook is None else {"NotebookInstanceStatus": notebook.status}

    def took_effect(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Stopping becomes Stopped without anyone's intervention.
        return current.get("NotebookInstanceStatus") in ("Stopping", "Stopped")

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # "Pending: the instance is starting" (DescribeNotebookInstance NotebookInstanceStatus): a start whose
        # answer was lost is on its way, and a second StartNotebookInstance would fail.
        return current.get("NotebookInstanceStatus") in ("Pending", "InService")

    def undo(self, record: AuditRecord) -> None:
        self.ports.start_notebook(record.resource.name)


def connect(clients: Clients) -> SageMakerAdapter:
    return SageMakerAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "IdleNotebookFunction", (StopNotebook,), connect)


@dataclass(frozen=True)
class ObservedNotebook:
    notebook: Notebook
    activity: Activity | None  # None: the instance does not publish the activity metric


def activity_of(timestamps: list[datetime], values: list[float]) -> Activity:
    active = [t for t, v in zip(timestamps, values, strict=True) if v > 0]
    return Activity(reports=len(values), peak=max(values, default=0.0), last_active=max(active, default=None))


class IdleNotebookRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    # Each StopNotebookInstance is of its own instance alone.
    side_by_side = True
    finals_behind = True  # its plans settle no state

    def __init__(
        self, wiring: Wiring, sagemaker: SageMakerAdapter, metrics: MetricsAdapter, activity_configs: frozenset[str]
    ) -> None:
        super().__init__(wiring, REGISTRY.bind(sagemaker))
        self._sm = sagemaker
        self._metrics = metrics
        self._configs = activity_configs
        self._tags: dict[str, dict[str, str]] | None = None  # listed on the first page of each invocation

    @classmethod
    def build(cls, wiring: Wiring) -> IdleNotebookRunner:
        """Activity is read from the notebooks whose lifecycle configuration publishes it: the policy's, and
        the stack's own."""
        configs = set(wiring.policy.idle_inference.notebooks.activity_lifecycle_configs)
        if wiring.settings.notebook_lifecycle_config:
            configs.add(wiring.settings.notebook_lifecycle_config)
        clients = wiring.clients
        sagemaker = SageMakerAdapter(clients("sagemaker"), TaggingAdapter(clients("resourcegroupstaggingapi")))
        return cls(wiring, sagemaker, MetricsAdapter(clients("cloudwatch")), frozenset(configs))

    def sweep(self, trigger: Trigger) -> SweepResult:
        sweep: Sweep[ObservedNotebook] = self._make_sweep()
        return self.swept(sweep, trigger, self._page, self._evaluate)

    def _page(self, token: str | None) -> Page[ObservedNotebook]:
        page = self._sm.notebook_page(token)
        if self._tags is None:
            # Its failure fails the invocation (throttling pauses the sweep): no instance is decided
            # without knowing whether it is exempt.
            self._tags = self._sm.notebook_tags(tuple(self._policy.report.attribution_tags))
        tagged = [ObservedNotebook(replace(n, tags=self._tags.get(n.arn.lower(), {})), None) for n in page.items]
        return Page(self._with_activity(tagged), page.next_token)

    def _with_activity(self, observed: list[ObservedNotebook]) -> list[ObservedNotebook]:
        policy = self._policy.idle_inference.notebooks
        now = self._clock()
        queries = []
        for item in observed:
            hours = idle_hours(item.notebook, policy)
            if not isinstance(hours, int):
                continue  # skipped without its metric
            if reports_activity(item.notebook, self._configs):
                queries.append(activity_query(item.notebook.name, hours, now))
        activity = {
            q.key: activity_of(s.timestamps, s.values) if s.complete else None for q, s in self._metrics.fetch(queries)
        }
        return [replace(item, activity=activity.get(item.notebook.name)) for item in observed]

    def _evaluate(self, item: ObservedNotebook, executor: Executor) -> Outcome | None:
        return executor.run(self._plan(item))

    def _plan(self, item: ObservedNotebook) -> Plan:
        return plan_of(
            decide_notebook(
                item.notebook, item.activity, self._policy.idle_inference.notebooks, self._configs, self._clock()
            )
        )
