"""SageMaker model cards and completed training jobs, for the model-card impact record."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import NotFound, translate
from ecoguard.guardrails.model_card_impact import ModelCard, TrainingRun
from ecoguard.impact import region_of
from ecoguard.not_found import SAGEMAKER

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

PAGE_SIZE = 100  # ListModelCards maximum


class ModelCardAdapter:
    def __init__(self, sagemaker: SageMakerClient) -> None:
        self._sm = sagemaker

    def training_run(self, name: str) -> TrainingRun | None:
        """The completed training job, or None if it is not (or no longer) Completed."""
        try:
            job = self._sm.describe_training_job(TrainingJobName=name)
        except ClientError as exc:
            error = translate(exc, SAGEMAKER)
            if isinstance(error, NotFound):
                return None
            raise error from exc
        if job.get("TrainingJobStatus") != "Completed":
            return None
        config = job.get("ResourceConfig", {})
        seconds = job.get("BillableTimeInSeconds") or job.get("TrainingTimeInSeconds")
        arn = job["TrainingJobArn"]
        return TrainingRun(
            name=name,
            arn=arn,
            region=region_of(arn),
            instance_type=str(config.get("InstanceType", "unknown")),
            instance_count=int(config.get("InstanceCount", 1)),
            billable_seconds=int(seconds) if seconds else None,
            tags=self.tags(arn),
        )

    def tags(self, arn: str) -> dict[str, str]:
        """Every tag of a training job or a model card (ListTags, every page)."""
        kwargs: dict[str, Any] = {"ResourceArn": arn, "MaxResults": 100}
        found: dict[str, str] = {}
        try:
            while True:
                page = self._sm.list_tags(**kwargs)
                found.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
                if not page.get("NextToken"):
                    return found
                kwargs["NextToken"] = page["NextToken"]
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    def cards(self) -> Iterator[ModelCard]:
        kwargs: dict[str, Any] = {"MaxResults": PAGE_SIZE}
        try:
            while True:
                page = self._sm.list_model_cards(**kwargs)
                for summary in page.get("ModelCardSummaries", []):
                    card = self.card(summary["ModelCardName"])
                    if card is not None:
                        yield card
                if not page.get("NextToken"):
                    return
                kwargs["NextToken"] = page["NextToken"]
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    def card(self, name: str) -> ModelCard | None:
        try:
            raw = self._sm.describe_model_card(ModelCardName=name)
        except ClientError as exc:
            error = translate(exc, SAGEMAKER)
            if isinstance(error, NotFound):
                return None
            raise error from exc
        return ModelCard(
            raw["ModelCardName"], raw["ModelCardArn"], raw.get("ModelCardStatus", ""), json.loads(raw["Content"])
        )

    def write_content(self, name: str, content: dict[str, Any]) -> None:
        """UpdateModelCard: SageMaker keeps the previous version and creates a new one."""
        try:
            self._sm.update_model_card(ModelCardName=name, Content=json.dumps(content))
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc
