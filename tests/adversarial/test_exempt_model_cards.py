"""Attack 4d: exemptions not honoured on model cards. A team tags its model card, or the training job behind it,
``ecoguard:exempt=true``; when the job completed, TrainingGuardFunction wrote its carbon estimate into the card all
the same (UpdateModelCard makes a new version of another team's card).

Control: ``guardrails/model_card_impact.py``: a card tagged exempt, or a card of a job tagged exempt, is skipped;
the card's tags and the job's are read when the job completes (ListTags). Shim: ``billable_time_shim``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from ecoguard.decisions import Outcome
from tests.builders.model_cards import card, model_card, training_job
from tests.conftest import REGION, Stack, load_event
from tools.simulator.training_jobs import billable_time_shim

if TYPE_CHECKING:
    from mypy_boto3_sagemaker.type_defs import TagTypeDef

FN = "TrainingGuardFunction"
EXEMPT: list[TagTypeDef] = [{"Key": "ecoguard:exempt", "Value": "true"}]


def completed(name: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("training_guard/training-job-state-change.json"))
    event["id"] = f"completed-{name}"
    event["detail"].update(TrainingJobName=name, TrainingJobStatus="Completed", SecondaryStatus="Completed")
    return event


def card_arn(name: str) -> str:
    return str(boto3.client("sagemaker", region_name=REGION).describe_model_card(ModelCardName=name)["ModelCardArn"])


@pytest.mark.parametrize("tagged", ["card", "job"])
def test_given_an_exempt_card_or_job_when_the_job_completes_then_the_card_is_not_written_and_the_skip_recorded(
    stack: Stack, tagged: str
) -> None:
    billable_time_shim(5400)
    job_arn = training_job("fraud-train", "ml.p3.2xlarge", 1)
    model_card("fraud-card", job_arn)
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.add_tags(ResourceArn=card_arn("fraud-card") if tagged == "card" else job_arn, Tags=EXEMPT)

    [result] = stack.invoke(FN, completed("fraud-train"), env={"ECOGUARD_MODE": "enforce"})
    assert result.get("applied", 0) == 0
    assert card("fraud-card")["version"] == 1, "no new version of the exempt card"
    [skip] = [r for r in stack.records() if r.guardrail == "model-card-impact"]
    assert skip.outcome is Outcome.SKIPPED and "ecoguard:exempt=true" in skip.reason
