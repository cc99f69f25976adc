"""Run the idle-notebook guardrail: an hourly sweep of InService notebook instances.

Each page of instances (100) gets, in one GetMetricData call, the activity metric that ecoguard's
lifecycle configuration publishes. Tags come from one tagging-API listing per governing key and per
attribution key (the policy's ``report.attribution_tags``) per invocation, not one read per instance.
Stopping keeps the instance and its volume.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from ecoguard.actions.idle_notebook import REGISTRY
from ecoguard.adapters.metric_queries import activity_query
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.audit import AuditTrail
from ecoguard.decisions import Mode, Outcome, Plan, plan_of
from ecoguard.executor import Executor, Trigger
from ecoguard.guardrails.idle_notebook import (
    GUARDRAIL,
    Activity,
    Notebook,
    decide_notebook,
    idle_hours,
    reports_activity,
)
from ecoguard.policy import Policy
from ecoguard.runner import GuardrailRunner
from ecoguard.sweep import Page, Sweep, SweepResult


@dataclass(frozen=True)
class ObservedNotebook:
    notebook: Notebook
    activity: Activity | None  # None: the instance does not publish the activity metric


def activity_of(timestamps: list[datetime], values: list[float]) -> Activity:
    active = [t for t, v in zip(timestamps, values, strict=True) if v > 0]
    return Activity(reports=len(values), peak=max(values, default=0.0), last_active=max(active, default=None))


class IdleNotebookRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self,
        *,
        sagemaker: SageMakerAdapter,
        metrics: MetricsAdapter,
        audit: AuditTrail,
        policy: Policy,
        activity_configs: frozenset[str],
        mode: Mode,
        clock: Callable[[], datetime],
        remaining_ms: Callable[[], int],
    ) -> None:
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock, units=REGISTRY.bind(sagemaker))
        self._sm = sagemaker
        self._metrics = metrics
        self._configs = activity_configs
        self._sweep = Sweep[ObservedNotebook](GUARDRAIL, audit, clock, remaining_ms)
        self._tags: dict[str, dict[str, str]] | None = None  # listed on the first page of each invocation

    def sweep(self, trigger: Trigger) -> SweepResult:
        return self._sweep.run(trigger, self._executor(trigger), self._page, self._evaluate)

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
