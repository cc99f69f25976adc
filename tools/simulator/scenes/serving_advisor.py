"""Demo scene: the serving advisor's recommendations, each with its evidence and monthly estimate, and a
completed, underused training job's right-sizing."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from typing import Any

from ecoguard.decisions import Mode
from ecoguard.guardrails.serving_advisor import GUARDRAIL
from ecoguard.guardrails.training_guard import GUARDRAIL as TRAINING
from ecoguard.report_serving import ServingSection, advice_kind
from ecoguard_cli.advice import advice_table
from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.scenes.context import DemoContext
from tools.simulator.scenes.model_card_impact import EVENT
from tools.simulator.seed_serving import (
    SEEDS,
    create_serving_endpoints,
    delete_serving_endpoints,
    seed_serving_metrics,
    seed_underused_training_job,
)

FUNCTION = "ServingAdvisorFunction"


class ServingAdvisorScene:
    title = "ServingAdvisorFunction: how each endpoint should be served, from its own metrics (advice only)"
    guardrail = GUARDRAIL

    def seed(self, ctx: DemoContext) -> str:
        seed_serving_metrics()  # its endpoints exist only while its run lasts: other scenes list every endpoint
        self.job = seed_underused_training_job()
        return (
            f"{len(SEEDS)} endpoints with 14 days of metrics, built for: "
            + ", ".join(f"{s.name} -> {s.expected or 'nothing'}" for s in SEEDS)
            + f"; and a completed, underused training job ({self.job}, 4 x ml.g4dn.xlarge)"
        )

    def run(self, ctx: DemoContext, mode: Mode) -> dict[str, Any]:
        create_serving_endpoints()
        ctx.invoke(FUNCTION, ctx.router.scheduled_event(FUNCTION), mode)
        delete_serving_endpoints()
        completed: dict[str, Any] = copy.deepcopy(json.loads(EVENT.read_text()))
        completed["id"] = f"demo-advise-completed-{mode.value}"
        completed["account"], completed["region"] = ACCOUNT, REGION
        completed["detail"].update(TrainingJobName=self.job, TrainingJobStatus="Completed", SecondaryStatus="Completed")
        ctx.deliver(completed, mode)
        section = ServingSection()
        found: dict[str, list[str]] = defaultdict(list)
        for guardrail in (GUARDRAIL, TRAINING):
            for record in ctx.audit.records(guardrail):
                if record.mode is mode and advice_kind(record) is not None:
                    section.add(record)
                    found[record.resource.name].append(record.action.removeprefix("finding:"))
        ctx.console.print(advice_table(section.lines(), f"serving and right-sizing advice, {mode.value}"))
        return {"recommendations": {k: sorted(v) for k, v in sorted(found.items())}}
