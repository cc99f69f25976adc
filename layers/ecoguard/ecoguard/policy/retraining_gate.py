"""The ``retraining_gate`` section (RetrainingGateFunction)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ecoguard.policy.base import StrictModel

# SageMaker API constraints (botocore sagemaker service model): pipeline names, pipeline
# parameter names and values, and at most 200 parameters a StartPipelineExecution.
PIPELINE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
PIPELINE_PARAMETER_NAME = r"^[A-Za-z0-9\-_]{1,256}$"
MAX_PIPELINE_PARAMETERS = 200
MAX_PIPELINE_PARAMETER_VALUE = 1024
MODEL_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
DATA_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
# Model Monitor schedule names (CreateMonitoringSchedule, MonitoringScheduleName).
MONITORING_SCHEDULE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"


class KpiPolicy(StrictModel):
    """One KPI: a Model Monitor metric, its threshold and which side of it is a breach."""

    metric: str = Field(min_length=1, max_length=255, description="Metric name, e.g. accuracy, f1, rmse.")
    namespace: Literal["aws/sagemaker/Endpoints/model-metrics", "aws/sagemaker/Endpoints/data-metrics"] = Field(
        default="aws/sagemaker/Endpoints/model-metrics",
        description="model-metrics (model quality) or data-metrics (a drift metric made a KPI).",
    )
    threshold: float = Field(description="The value that separates a healthy KPI from a breach.")
    breach_when: Literal["below", "above"] = Field(
        description="below: lower is worse (accuracy, f1, auc); above: higher is worse (rmse, mae, drift)."
    )


class BreachParameterNames(StrictModel):
    """Names of the pipeline parameters that carry the breach; null leaves one out.

    The pipeline must declare every parameter it is given, or SageMaker rejects the start.
    """

    metric: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = Field(
        default="EcoguardBreachMetric", description="Parameter given the breached metric's name."
    )
    value: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = Field(
        default="EcoguardBreachValue", description="Parameter given the breaching value (empty if unknown)."
    )
    threshold: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = Field(
        default="EcoguardBreachThreshold", description="Parameter given the KPI's threshold (empty if unknown)."
    )
    schedule: Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)] | None = Field(
        default="EcoguardMonitoringSchedule",
        description="Parameter given the monitoring schedule's name (empty if unknown).",
    )

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.metric, self.value, self.threshold, self.schedule) if n is not None)


class PipelineTarget(StrictModel):
    name: str = Field(pattern=PIPELINE_NAME, description="The SageMaker Pipeline to start.")
    parameters: dict[Annotated[str, Field(pattern=PIPELINE_PARAMETER_NAME)], str] = Field(
        default_factory=dict,
        description=f"Fixed parameters of every start; values of at most {MAX_PIPELINE_PARAMETER_VALUE} characters.",
    )
    breach_parameters: BreachParameterNames = Field(
        default=BreachParameterNames(),
        description=(
            "Names of the parameters that carry the breach; `null` leaves one out, none may be in `parameters`, "
            f"and there are at most {MAX_PIPELINE_PARAMETERS} parameters in all. The pipeline must declare "
            "every parameter it is given, or SageMaker rejects the start."
        ),
    )

    @model_validator(mode="after")
    def _valid_parameters(self) -> PipelineTarget:
        breach = self.breach_parameters.names()
        if len(set(breach)) != len(breach):
            raise ValueError(f"breach_parameters names repeat: {list(breach)}")
        clash = sorted(set(breach) & set(self.parameters))
        if clash:
            raise ValueError(f"parameters {clash} are also breach_parameters; rename one")
        if len(self.parameters) + len(breach) > MAX_PIPELINE_PARAMETERS:
            raise ValueError(f"more than {MAX_PIPELINE_PARAMETERS} pipeline parameters")
        for key, value in self.parameters.items():
            if len(value) > MAX_PIPELINE_PARAMETER_VALUE:
                raise ValueError(f"parameter {key}: longer than {MAX_PIPELINE_PARAMETER_VALUE} characters")
        return self


class ModelGate(StrictModel):
    """When one model may be retrained. Example::

    - name: churn
      endpoint: churn-prod
      monitoring_schedule: churn-model-quality
      kpis: [{metric: f1, threshold: 0.8, breach_when: below}]
      pipeline: {name: churn-retrain}
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="A stable id; it keys the model's state.")
    endpoint: str | None = Field(
        default=None, min_length=1, max_length=63, description="The `Endpoint` dimension of its Model Monitor metrics."
    )
    monitoring_schedule: Annotated[str, Field(pattern=MONITORING_SCHEDULE_NAME)] | None = Field(
        default=None,
        description=(
            "Its model-quality schedule: its metrics, and runs that end `CompletedWithViolations`, are KPI breaches."
        ),
    )
    alarms: tuple[Annotated[str, Field(min_length=1, max_length=255)], ...] = Field(
        default=(), description="Alarm names (composite or not) whose `ALARM` state is a KPI breach of this model."
    )
    kpis: tuple[KpiPolicy, ...] = Field(
        default=(), description="Model Monitor metrics whose breach of a threshold is a KPI breach."
    )
    confirm_breaches: int = Field(default=2, ge=1, le=20, description="Consecutive breaches that confirm.")
    pipeline: PipelineTarget = Field(description="The pipeline a confirmed breach starts.")
    cooldown_days: float = Field(default=7, ge=0, le=365, description="No new start this long after the last.")
    max_starts_per_day: int = Field(default=1, ge=1, le=100, description="Starts per UTC day, at most.")

    @model_validator(mode="after")
    def _identifiable(self) -> ModelGate:
        if self.endpoint is None and self.monitoring_schedule is None and not self.alarms:
            raise ValueError("give an endpoint, a monitoring_schedule or alarms, so breaches can be matched")
        if not self.kpis and self.monitoring_schedule is None and not self.alarms:
            raise ValueError("no kpis, monitoring_schedule or alarms: nothing could ever start the pipeline")
        metrics = [(k.namespace, k.metric) for k in self.kpis]
        if len(set(metrics)) != len(metrics):
            raise ValueError("a KPI metric is listed twice")
        return self


class RetrainingGatePolicy(StrictModel):
    """Start retraining only on a confirmed KPI breach. Data drift alone only notifies.

    Retraining starts when a KPI breach is confirmed by ``confirm_breaches`` consecutive breaches,
    outside the cooldown, under the daily cap, and with no execution of the pipeline in flight.
    A model needs an ``endpoint``, a ``monitoring_schedule`` or ``alarms`` (to be matched), and
    ``kpis``, a schedule or alarms (to ever start).

    Example::

        retraining_gate:
          models:
            - name: churn
              endpoint: churn-prod
              monitoring_schedule: churn-model-quality
              kpis: [{metric: f1, threshold: 0.8, breach_when: below}]
              pipeline: {name: churn-retrain, parameters: {TrainingInstanceType: ml.m5.xlarge}}
    """

    enabled: bool = Field(default=True, description="Turn the guardrail off.")
    models: tuple[ModelGate, ...] = Field(
        default=(), description="One entry per model; an override replaces the whole list."
    )

    @model_validator(mode="after")
    def _unique(self) -> RetrainingGatePolicy:
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise ValueError(f"model names repeat: {names}")
        return self
