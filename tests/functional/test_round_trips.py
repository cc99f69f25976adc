"""Every action unit, round-tripped under a fault: the change made through its guardrail's function, its restore
through RestoreFunction interrupted by an error the API documents for the undo's call, the restore run again to
completion, and the resource compared with its state before the change.

The test is parametrised over the Registry's units (``ecoguard.actions.registries``), not over this module's
table: a new unit without a round trip here fails ``test_every_action_unit_round_trips_under_a_fault``.

Each fault is an error the operation documents, checked against botocore's model of the operation (its
``errors``, from the API reference's "Errors" section) or, where the service documents it for every action,
its "Common Errors" page (``COMMON``). The fault is raised from a ``before-call`` hook registered first, so no
shim or fake acts on the refused call: the SDK's retries are spent and nothing was done.

Then a timeout after the call (botocore's ``ReadTimeoutError`` from ``after-call``: the undo carried out, its
answer lost; moto never loses one, ``moto_never_times_out``): the retry must see the undo took effect
(``ActionUnit.restored``) or carry on from it (``resumable``), never make a call twice that is not repeatable.
It found units whose retry refused ("changed since") or acted twice: a Canvas app created again, a
component's target deregistered, a pipeline execution stopped, a tracking server started or stopped, and a
training job re-created a second time.

What the restore cannot bring back (the unit's ``irreversible``) is left out of the compared state and said in
the restore's answer: a notebook's kernels, a stopped training job's progress (it is re-created under a new
name), a finished retraining (a running one is stopped), an ended warm pool (restore refuses it).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError, ReadTimeoutError
from moto.sagemaker.models import sagemaker_backends

from ecoguard.actions import registries
from ecoguard.adapters.clients import client
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC, COMPONENT_METRIC
from tests.builders.idle_endpoint import scaling_of, sweep, travel_past_grace
from tests.builders.idle_notebook import LIFECYCLE, ZERO_DAY
from tests.builders.inference_components import component_summary, described_component
from tests.builders.model_cards import card, model_card, training_job
from tests.builders.retraining_gate import PIPELINE, POLICY, create_pipeline, kpi_breach
from tests.conftest import ACCOUNT, REGION, Stack, load_event
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.bedrock_shim import throughput_exists
from tools.simulator.compute_shim import tracking_server_active, warm_pool_status
from tools.simulator.invoke import reset_caches
from tools.simulator.s3_shim import fake_s3_configs
from tools.simulator.seed import retention_snapshot, seed_log_groups
from tools.simulator.seed_bedrock import IDLE as IDLE_THROUGHPUT
from tools.simulator.seed_bedrock import seed_throughputs
from tools.simulator.seed_compute import seed_idle_compute
from tools.simulator.seed_ec2 import launch, publish_gpu
from tools.simulator.seed_ec2 import state as instance_state
from tools.simulator.seed_inference import (
    EndpointSeed,
    autoscale,
    backdate,
    create_activity_lifecycle_config,
    create_endpoint,
    create_model,
    create_notebook,
    endpoint_names,
    notebook_status,
    put_invocations,
    sagemaker,
)
from tools.simulator.seed_s3 import seed_buckets
from tools.simulator.seed_studio import seed_canvas, seed_domains, seed_studio_apps, studio_snapshot
from tools.simulator.studio_shim import app_status
from tools.simulator.training_jobs import DEMO_JOBS, RunningTrainingJobs, billable_time_shim, seed_training_jobs

ENFORCE = {"ECOGUARD_MODE": "enforce"}

# Errors a service documents for every action ("Common Errors" in each API reference): throttling (HTTP 400)
# and the 5xx answers. S3: "Error responses", "List of error codes" (SlowDown 503, InternalError 500).
COMMON = {
    "sagemaker": {"ThrottlingException", "ServiceUnavailable", "InternalFailure"},
    "application-autoscaling": {"ThrottlingException", "ServiceUnavailable", "InternalFailure"},
    "logs": {"ThrottlingException", "ServiceUnavailable", "InternalFailure"},
    "s3": {"SlowDown", "InternalError", "ServiceUnavailable"},
    "cloudwatch": {"Throttling", "ServiceUnavailable", "InternalFailure"},
    # EC2 models no per-operation errors; its API reference lists them all on one page, "Error codes for the
    # Amazon EC2 API": RequestLimitExceeded (throttling), and the server errors InternalError, Unavailable and
    # InsufficientInstanceCapacity (not enough capacity of the type in the zone: a GPU start's usual refusal).
    "ec2": {"RequestLimitExceeded", "InternalError", "Unavailable", "InsufficientInstanceCapacity"},
}
STATUS = {"SlowDown": 503, "InternalError": 500, "ServiceUnavailable": 503, "InternalFailure": 500}
STATUS |= {"InsufficientInstanceCapacity": 500}  # an EC2 server error (EC2 API Reference, "Error codes")


@dataclass(frozen=True)
class Fault:
    """An error the undo's call answers once (documented for it: ``documented``)."""

    service: str
    operation: str
    code: str


type State = Callable[[], object]


@dataclass(frozen=True)
class RoundTrip:
    """How one unit's change is made on the simulated account.

    ``seed`` creates the resource (shims entered on the ``ExitStack``) and returns how to read its state;
    ``act`` runs the guardrail's function in enforce and returns the unit's applied record; ``fault`` is the
    error the restore's first attempt meets (None: the unit is not restorable, and restore refuses it)."""

    seed: Callable[[Stack, ExitStack], State]
    act: Callable[[Stack], AuditRecord]
    fault: Fault | None


def documented(fault: Fault) -> bool:
    model = botocore.session.get_session().get_service_model(fault.service).operation_model(fault.operation)
    return fault.code in {shape.name for shape in model.error_shapes} | COMMON[fault.service]


def fail_once(fault: Fault) -> list[str]:
    """Raise ``fault`` on the first call of its operation, before any shim or fake answers it."""
    raised: list[str] = []
    events = client(fault.service).meta.events
    service_id = client(fault.service).meta.service_model.service_id.hyphenize()

    def hook(model: Any, **_: Any) -> None:
        if not raised:
            raised.append(model.name)
            status = STATUS.get(fault.code, 400)
            error = {"Code": fault.code, "Message": f"injected {fault.code}"}
            meta = {"HTTPStatusCode": status}
            raise ClientError({"Error": error, "ResponseMetadata": meta}, model.name)  # type: ignore[typeddict-item]

    events.register_first(f"before-call.{service_id}.{fault.operation}", hook)
    return raised


def applied(stack: Stack, action: str, name: str | None = None) -> AuditRecord:
    [record] = [
        r
        for r in stack.records()
        if r.action == action and r.outcome is Outcome.APPLIED and (name is None or r.resource.name == name)
    ]
    return record


# -- log retention --------------------------------------------------------------------------------------------


def retention_seed(stack: Stack, shims: ExitStack) -> State:
    seed_log_groups()
    return lambda: retention_snapshot()["/aws/sagemaker/TrainingJobs"]


def retention_act(stack: Stack) -> AuditRecord:
    stack.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env=ENFORCE)
    return applied(stack, "put-retention-policy", "/aws/sagemaker/TrainingJobs")


# -- storage lifecycle ----------------------------------------------------------------------------------------


def lifecycle_seed(stack: Stack, shims: ExitStack) -> State:
    store = shims.enter_context(fake_s3_configs())
    seed_buckets()
    return lambda: copy.deepcopy((store.lifecycle.get("ml-datalake"), store.tiering.get("ml-datalake")))


def lifecycle_act(stack: Stack) -> AuditRecord:
    stack.invoke("StorageLifecycleFunction", load_event("storage_lifecycle/scheduled-sweep.json"), env=ENFORCE)
    return applied(stack, "merge-lifecycle", "ml-datalake")


# -- idle endpoints -------------------------------------------------------------------------------------------


def endpoint_tags(name: str) -> State:
    def read() -> object:
        arn = sagemaker().describe_endpoint(EndpointName=name)["EndpointArn"]
        return sorted((t["Key"], t["Value"]) for t in sagemaker().list_tags(ResourceArn=arn)["Tags"])

    return read


def mark_seed(stack: Stack, shims: ExitStack) -> State:
    create_endpoint(EndpointSeed("idle-realtime", timedelta(days=3)))
    return endpoint_tags("idle-realtime")


def mark_act(stack: Stack) -> AuditRecord:
    sweep(stack, Mode.ENFORCE, "run-1")
    return applied(stack, "mark-idle")


def clear_seed(stack: Stack, shims: ExitStack) -> State:
    create_endpoint(EndpointSeed("idle-realtime", timedelta(days=3)))
    sweep(stack, Mode.ENFORCE, "run-1")  # marked idle: the state before the clear holds the mark
    return endpoint_tags("idle-realtime")


def clear_act(stack: Stack) -> AuditRecord:
    put_invocations("idle-realtime", {"AllTraffic": 1}, at=datetime.now(UTC) - timedelta(minutes=10))
    travel_past_grace(stack, "idle-realtime")
    sweep(stack, Mode.ENFORCE, "run-2")
    return applied(stack, "clear-idle-mark")


def deleted_seed(stack: Stack, shims: ExitStack) -> State:
    shims.enter_context(autoscaled_endpoint_shims())
    create_endpoint(EndpointSeed("idle-scaled", timedelta(days=3)))
    autoscale("idle-scaled", minimum=1, maximum=4, from_zero_alarm="CPUUtilization")

    def read() -> object:
        if "idle-scaled" not in endpoint_names():
            return None
        config = sagemaker().describe_endpoint(EndpointName="idle-scaled")["EndpointConfigName"]
        return config, scaling_of("idle-scaled"), sorted(alarm_actions())

    return read


def alarm_actions() -> list[tuple[str, tuple[str, ...]]]:
    alarms = boto3.client("cloudwatch", region_name=REGION).describe_alarms()["MetricAlarms"]
    # The policy ARN embeds its id, new on each PutScalingPolicy: compared by policy name.
    return [(a["AlarmName"], tuple(x.rsplit("policyName/", 1)[-1] for x in a["AlarmActions"])) for a in alarms]


def deleted_act(stack: Stack) -> AuditRecord:
    sweep(stack, Mode.ENFORCE, "run-1")
    travel_past_grace(stack, "idle-scaled")
    sweep(stack, Mode.ENFORCE, "run-2")
    return applied(stack, "delete-endpoint")


def async_seed(stack: Stack, shims: ExitStack) -> State:
    shims.enter_context(autoscaled_endpoint_shims())
    create_endpoint(EndpointSeed("idle-async", timedelta(days=3), asynchronous=True))
    autoscale("idle-async", minimum=1, maximum=1, from_zero_alarm=ASYNC_METRIC)
    return lambda: scaling_of("idle-async")


def async_act(stack: Stack) -> AuditRecord:
    sweep(stack, Mode.ENFORCE, "run-1")
    return applied(stack, "scale-to-zero", "idle-async")


COMPONENT = "llm-adapter-a"
COMPONENT_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"


def component_scaling_shim(endpoint: str) -> dict[str, tuple[int, int]]:
    """moto implements no inference components, and its Application Auto Scaling refuses their dimension
    (tests/README.md): a fake of one component with one copy on ``endpoint``, and of its scalable target
    (Register, Deregister, Describe keep the target's capacities as Application Auto Scaling does), with the
    step policy that brings it back from zero. The endpoint's own variants are moto's."""
    targets: dict[str, tuple[int, int]] = {}
    resource = f"inference-component/{COMPONENT}"
    alarm = f"{COMPONENT}-no-capacity"
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/SageMaker",
        MetricName=COMPONENT_METRIC,
        Dimensions=[{"Name": "InferenceComponentName", "Value": COMPONENT}],
        Statistic="Maximum",
        Period=30,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    policy = {
        "PolicyARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:1:resource/sagemaker/{resource}"
        ":policyName/from-zero",
        "PolicyName": "from-zero",
        "ServiceNamespace": "sagemaker",
        "ResourceId": resource,
        "ScalableDimension": COMPONENT_DIMENSION,
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": []},
        "Alarms": [{"AlarmName": alarm, "AlarmARN": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm}"}],
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
    }

    def ok(parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, HTTPHeaders(), None), parsed

    def answer(params: dict[str, Any], model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        body = params["body"].decode() if isinstance(params["body"], bytes) else str(params["body"])
        if "inference-component" not in body and model.name.startswith(("Describe", "Register", "Deregister")):
            return None  # the endpoint's variants: moto answers
        request = json.loads(body) if body else {}
        if model.name == "RegisterScalableTarget":
            old = targets.get(request["ResourceId"], (0, 1))
            targets[request["ResourceId"]] = (request.get("MinCapacity", old[0]), request.get("MaxCapacity", old[1]))
            return ok({})
        if model.name == "DeregisterScalableTarget":
            targets.pop(request["ResourceId"], None)
            return ok({})
        if model.name == "DescribeScalableTargets":
            found = [
                {
                    "ServiceNamespace": "sagemaker",
                    "ResourceId": r,
                    "ScalableDimension": COMPONENT_DIMENSION,
                    "MinCapacity": low,
                    "MaxCapacity": high,
                    "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/AWSServiceRoleForApplicationAutoScaling",
                    "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
                }
                for r, (low, high) in targets.items()
                if r in request.get("ResourceIds", [r])
            ]
            return ok({"ScalableTargets": found})
        return ok({"ScalingPolicies": [policy]})  # DescribeScalingPolicies

    sm = client("sagemaker").meta.events
    sm.register(
        "before-call.sagemaker.ListInferenceComponents",
        lambda **_: ok({"InferenceComponents": [component_summary(COMPONENT, endpoint)]}),
    )
    sm.register(
        "before-call.sagemaker.DescribeInferenceComponent", lambda **_: ok(described_component(COMPONENT, endpoint))
    )
    aas = client("application-autoscaling").meta.events
    for operation in (
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
    ):
        aas.register(f"before-call.application-auto-scaling.{operation}", answer)
    return targets


def components_seed(stack: Stack, shims: ExitStack) -> State:
    create_model("components-base-model")
    sagemaker().create_endpoint_config(
        EndpointConfigName="components-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "components-base-model",
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
                "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2},
            }
        ],
    )
    sagemaker().create_endpoint(EndpointName="components-endpoint", EndpointConfigName="components-config")
    for variant in sagemaker_backends[ACCOUNT][REGION].endpoint_configs["components-config"].production_variants:
        variant.pop("ModelName", None)  # config_without_model_shim: a components endpoint's config names no model
    backdate("endpoint", "components-endpoint", timedelta(days=3))
    targets = component_scaling_shim("components-endpoint")
    return lambda: dict(targets)


def components_act(stack: Stack) -> AuditRecord:
    sweep(stack, Mode.ENFORCE, "run-1")
    return applied(stack, "scale-copies-to-zero", "components-endpoint")


# -- idle notebooks -------------------------------------------------------------------------------------------


def notebook_seed(stack: Stack, shims: ExitStack) -> State:
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook("idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY)
    return lambda: notebook_status("idle")


def notebook_act(stack: Stack) -> AuditRecord:
    stack.invoke("IdleNotebookFunction", load_event("idle_notebook/scheduled-sweep.json"), env=ENFORCE)
    return applied(stack, "stop-notebook")


# -- training: the guard, model cards --------------------------------------------------------------------------


IDLE_JOB = "resnet-idle"  # one of the demo's idle jobs (the CPU job is stopped too)


def training_seed(stack: Stack, shims: ExitStack) -> State:
    shims.enter_context(RunningTrainingJobs.install())
    seed_training_jobs(DEMO_JOBS, datetime.now(UTC))

    def running() -> object:
        # A stopped job cannot resume: the restore re-creates it as "<name>-restored-<n>" with its configuration
        # (moto completes it at once, where AWS would run it: not Stopped is what is compared).
        sm = boto3.client("sagemaker", region_name=REGION)
        jobs = sm.list_training_jobs(NameContains=IDLE_JOB, MaxResults=100)["TrainingJobSummaries"]
        newest = max((j["TrainingJobName"] for j in jobs), key=lambda n: (len(n), n))  # its latest re-creation
        latest = sm.describe_training_job(TrainingJobName=newest)
        kept = ("AlgorithmSpecification", "RoleArn", "ResourceConfig", "StoppingCondition", "OutputDataConfig")
        return {k: latest.get(k) for k in kept}, latest["TrainingJobStatus"] in {"Stopping", "Stopped"}

    return running


def training_act(stack: Stack) -> AuditRecord:
    stack.invoke("TrainingGuardFunction", load_event("training_guard/scheduled-sweep.json"), env=ENFORCE)
    return applied(stack, "stop-training-job", IDLE_JOB)


def card_seed(stack: Stack, shims: ExitStack) -> State:
    billable_time_shim(3600)
    model_card("fraud-card", training_job("fraud-train"))
    return lambda: card("fraud-card")["content"]


def card_act(stack: Stack) -> AuditRecord:
    event = copy.deepcopy(load_event("training_guard/training-job-state-change.json"))
    event["id"] = "completed-fraud-train"
    event["detail"].update(TrainingJobName="fraud-train", TrainingJobStatus="Completed", SecondaryStatus="Completed")
    stack.invoke("TrainingGuardFunction", event, env=ENFORCE)
    return applied(stack, "update-model-card")


# -- retraining gate ------------------------------------------------------------------------------------------


def pipeline_executions_shim() -> dict[str, str]:
    """moto finishes a pipeline execution the moment it starts and has no StopPipelineExecution (tests/README.md):
    executions started while installed stay ``Executing`` until stopped (then ``Stopping``, as the API reference's
    PipelineExecutionStatus names the state a stop leads to first)."""
    statuses: dict[str, str] = {}
    arns: dict[str, str] = {}
    events = client("sagemaker").meta.events

    def ok(parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("", 200, HTTPHeaders(), None), parsed

    requested: list[str] = []

    def requesting(params: dict[str, Any], **_: Any) -> None:
        requested.append(json.loads(params["body"])["PipelineExecutionDisplayName"])

    def started(parsed: dict[str, Any], **_: Any) -> None:
        if "PipelineExecutionArn" in parsed:  # read from the answer: no call of the test's counts as the function's
            name = requested[-1]
            arns[name], statuses[name] = parsed["PipelineExecutionArn"], "Executing"

    def listed(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        summaries = [
            {"PipelineExecutionArn": arns[n], "PipelineExecutionStatus": s, "PipelineExecutionDisplayName": n}
            for n, s in statuses.items()
        ]
        return ok({"PipelineExecutionSummaries": summaries})

    def stopped(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        arn = json.loads(params["body"])["PipelineExecutionArn"]
        for name, known in arns.items():
            if known == arn:
                statuses[name] = "Stopping"
        return ok({"PipelineExecutionArn": arn})

    events.register("before-call.sagemaker.StartPipelineExecution", requesting)
    events.register("after-call.sagemaker.StartPipelineExecution", started)
    events.register("before-call.sagemaker.ListPipelineExecutions", listed)
    events.register("before-call.sagemaker.StopPipelineExecution", stopped)
    return statuses


def pipeline_seed(stack: Stack, shims: ExitStack) -> State:
    stack.use_policy(POLICY)
    create_pipeline()
    statuses = pipeline_executions_shim()
    return lambda: sorted(n for n, s in statuses.items() if s == "Executing")  # retrainings running


def pipeline_act(stack: Stack) -> AuditRecord:
    stack.invoke("RetrainingGateFunction", kpi_breach(1), env=ENFORCE)
    stack.invoke("RetrainingGateFunction", kpi_breach(2), env=ENFORCE)
    record = applied(stack, "start-pipeline-execution")
    assert record.after["pipeline"] == PIPELINE
    return record


# -- Studio ---------------------------------------------------------------------------------------------------


def studio_seed(stack: Stack, shims: ExitStack) -> State:
    ids = seed_domains()
    seed_studio_apps(ids, datetime.now(UTC))
    return lambda: studio_snapshot(ids)["mlops"]


def studio_act(stack: Stack) -> AuditRecord:
    stack.invoke("StudioIdleFunction", load_event("studio_idle/scheduled-sweep.json"), env=ENFORCE)
    [record] = [
        r
        for r in stack.records()
        if r.action == "configure-idle-shutdown"
        and r.outcome is Outcome.APPLIED
        and studio_domain_name(r.resource.name) == "mlops"
    ]
    return record


def studio_domain_name(domain_id: str) -> str:
    return str(sagemaker().describe_domain(DomainId=domain_id)["DomainName"])


def canvas_seed(stack: Stack, shims: ExitStack) -> State:
    ids = seed_domains()
    seed_studio_apps(ids, datetime.now(UTC))
    seed_canvas(ids, datetime.now(UTC))
    return lambda: app_status(ids["research"], "carol", "Canvas", "default")


def canvas_act(stack: Stack) -> AuditRecord:
    stack.invoke("StudioIdleFunction", load_event("studio_idle/scheduled-sweep.json"), env=ENFORCE)
    return applied(stack, "delete-canvas-app")


# -- idle compute ---------------------------------------------------------------------------------------------


def off_hours(stack: Stack, *, inside: bool) -> None:
    now = datetime.now(UTC)
    start, end = (
        (now - timedelta(hours=1), now + timedelta(hours=1))
        if inside
        else (now + timedelta(hours=2), now + timedelta(hours=3))
    )
    stack.use_policy(
        {
            "idle_compute": {
                "mlflow": {"off_hours": {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "weekends": False}}
            }
        }
    )
    reset_caches()  # the policy parameter is cached, as Powertools caches it in Lambda


def compute_sweep(stack: Stack, run: str) -> None:
    event = load_event("idle_compute/scheduled-sweep.json") | {"id": run}
    stack.invoke("IdleComputeFunction", event, env=ENFORCE)


def server_seed(stack: Stack, shims: ExitStack) -> State:
    seed_idle_compute()
    off_hours(stack, inside=True)
    # TrackingServerStatus is its creation status; IsActive says whether it runs (SageMaker API reference).
    return lambda: tracking_server_active("team-mlflow")


def server_stop_act(stack: Stack) -> AuditRecord:
    compute_sweep(stack, "run-1")
    return applied(stack, "stop-tracking-server")


def stopped_server_seed(stack: Stack, shims: ExitStack) -> State:
    state = server_seed(stack, shims)
    compute_sweep(stack, "run-1")  # stopped for the off-hours: the state before the start
    off_hours(stack, inside=False)
    return state


def server_start_act(stack: Stack) -> AuditRecord:
    compute_sweep(stack, "run-2")
    return applied(stack, "start-tracking-server")


def pool_seed(stack: Stack, shims: ExitStack) -> State:
    seed_idle_compute()
    return lambda: warm_pool_status("bert-pool-unused")


def pool_act(stack: Stack) -> AuditRecord:
    compute_sweep(stack, "run-1")  # the notice
    compute_sweep(stack, "run-2")
    return applied(stack, "end-warm-pool")


def throughput_seed(stack: Stack, shims: ExitStack) -> State:
    arn = seed_throughputs((IDLE_THROUGHPUT,))[IDLE_THROUGHPUT.name]
    stack.use_policy({"bedrock_throughput": {"grace_hours": 0, "no_data_is_idle": True}})
    reset_caches()
    return lambda: throughput_exists(arn)


def throughput_act(stack: Stack) -> AuditRecord:
    for run in ("run-1", "run-2"):  # the notice, then the deletion
        event = load_event("bedrock_throughput/scheduled-sweep.json") | {"id": run}
        stack.invoke("BedrockThroughputFunction", event, env=ENFORCE)
    return applied(stack, "delete-provisioned-throughput")


# -- idle EC2 accelerator instances ----------------------------------------------------------------------------


def accelerator_seed(stack: Stack, shims: ExitStack) -> State:
    stack.use_policy({"ec2_accelerators": {"idle_hours": 2}})
    instance = launch("g5g.xlarge", age=timedelta(days=1))
    publish_gpu(instance, [0.0] * 3 * 60)
    return lambda: instance_state(instance)


def accelerator_act(stack: Stack) -> AuditRecord:
    stack.invoke("Ec2AcceleratorsFunction", load_event("ec2_accelerators/scheduled-sweep.json"), env=ENFORCE)
    return applied(stack, "stop-accelerator-instance")


ROUND_TRIPS: dict[str, RoundTrip] = {
    "put-retention-policy": RoundTrip(
        retention_seed, retention_act, Fault("logs", "DeleteRetentionPolicy", "ServiceUnavailableException")
    ),
    "merge-lifecycle": RoundTrip(
        lifecycle_seed, lifecycle_act, Fault("s3", "PutBucketLifecycleConfiguration", "SlowDown")
    ),
    "mark-idle": RoundTrip(mark_seed, mark_act, Fault("sagemaker", "DeleteTags", "ThrottlingException")),
    "clear-idle-mark": RoundTrip(clear_seed, clear_act, Fault("sagemaker", "AddTags", "ServiceUnavailable")),
    # In the middle of the undo: the endpoint re-created, its first scalable target refused.
    "delete-endpoint": RoundTrip(
        deleted_seed,
        deleted_act,
        Fault("application-autoscaling", "RegisterScalableTarget", "ConcurrentUpdateException"),
    ),
    "scale-to-zero": RoundTrip(
        async_seed, async_act, Fault("application-autoscaling", "RegisterScalableTarget", "ThrottlingException")
    ),
    "scale-copies-to-zero": RoundTrip(
        components_seed,
        components_act,
        Fault("application-autoscaling", "DeregisterScalableTarget", "InternalServiceException"),
    ),
    "stop-notebook": RoundTrip(
        notebook_seed, notebook_act, Fault("sagemaker", "StartNotebookInstance", "ResourceLimitExceeded")
    ),
    "stop-training-job": RoundTrip(
        training_seed, training_act, Fault("sagemaker", "CreateTrainingJob", "ResourceLimitExceeded")
    ),
    "update-model-card": RoundTrip(card_seed, card_act, Fault("sagemaker", "UpdateModelCard", "ConflictException")),
    "start-pipeline-execution": RoundTrip(
        pipeline_seed, pipeline_act, Fault("sagemaker", "StopPipelineExecution", "ConflictException")
    ),
    "configure-idle-shutdown": RoundTrip(studio_seed, studio_act, Fault("sagemaker", "UpdateDomain", "ResourceInUse")),
    "delete-canvas-app": RoundTrip(canvas_seed, canvas_act, Fault("sagemaker", "CreateApp", "ResourceLimitExceeded")),
    "stop-tracking-server": RoundTrip(
        server_seed, server_stop_act, Fault("sagemaker", "StartMlflowTrackingServer", "ConflictException")
    ),
    "start-tracking-server": RoundTrip(
        stopped_server_seed, server_start_act, Fault("sagemaker", "StopMlflowTrackingServer", "ThrottlingException")
    ),
    "end-warm-pool": RoundTrip(pool_seed, pool_act, None),
    "delete-provisioned-throughput": RoundTrip(throughput_seed, throughput_act, None),
    "stop-accelerator-instance": RoundTrip(
        accelerator_seed, accelerator_act, Fault("ec2", "StartInstances", "InsufficientInstanceCapacity")
    ),
}

UNITS = sorted(unit.name for registry in registries() for unit in registry.units)
RESTORABLE = sorted(unit.name for registry in registries() for unit in registry.units if unit.restorable)


@pytest.fixture
def shims() -> Iterator[ExitStack]:
    with ExitStack() as entered:
        yield entered


def restore_through_function(stack: Stack, record: AuditRecord) -> dict[str, Any]:
    [answer] = stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    return answer


def attempts(stack: Stack, record: AuditRecord) -> list[Outcome]:
    made = [r for r in stack.records() if r.pk == record.pk and r.action == f"restore:{record.action}"]
    return [r.outcome for r in sorted(made, key=lambda r: r.trigger_id)]


def test_every_fault_is_an_error_its_operation_documents() -> None:
    undocumented = [(name, t.fault) for name, t in ROUND_TRIPS.items() if t.fault and not documented(t.fault)]
    assert undocumented == []


@pytest.mark.parametrize("action", UNITS)
def test_every_action_unit_round_trips_under_a_fault(stack: Stack, shims: ExitStack, action: str) -> None:
    assert action in ROUND_TRIPS, f"{action}: no round trip under a fault (add it to ROUND_TRIPS)"
    trip = ROUND_TRIPS[action]
    state = trip.seed(stack, shims)
    before = state()
    record = trip.act(stack)
    assert state() != before, f"{action}: the change was not made"

    if trip.fault is None:  # nothing brings it back: restore refuses, saying why, and writes nothing
        assert action not in RESTORABLE, f"{action}: restorable, so its round trip needs a fault"
        answer = restore_through_function(stack, record)
        assert answer["outcome"] == "skipped" and answer["message"].startswith("cannot be restored: ")
        assert attempts(stack, record) == []
        return

    raised = fail_once(trip.fault)
    first = restore_through_function(stack, record)
    second = restore_through_function(stack, record)

    assert raised == [trip.fault.operation], f"{action}: the undo never called {trip.fault.operation}"
    assert first["outcome"] == "failed" and trip.fault.code in first["message"], first
    assert second["outcome"] == "restored", second
    assert second["pending_step"] is None
    assert state() == before, f"{action}: not as before the change"
    assert attempts(stack, record) == [Outcome.FAILED, Outcome.RESTORED]


# Calls a retry may make again after a lost answer: each leaves the same state however often it is made.
REPEATABLE = {
    "RegisterScalableTarget": "registering an existing scalable target updates it (Application Auto Scaling API "
    "Reference, RegisterScalableTarget)",
}


def answer_lost_once(fault: Fault) -> list[str]:
    """The undo's call carried out, its answer lost (botocore's ``ReadTimeoutError`` after the call): moto never
    loses an answer (``moto_never_times_out``). Returns each call of the operation made."""
    made: list[str] = []
    service_id = client(fault.service).meta.service_model.service_id.hyphenize()

    def hook(model: Any, **_: Any) -> None:
        made.append(model.name)
        if len(made) == 1:
            raise ReadTimeoutError(endpoint_url=f"https://{fault.service}.{REGION}.amazonaws.com/")

    client(fault.service).meta.events.register(f"after-call.{service_id}.{fault.operation}", hook)
    return made


@pytest.mark.parametrize("action", RESTORABLE)
def test_every_restorable_unit_round_trips_when_the_undos_answer_is_lost(
    stack: Stack, shims: ExitStack, action: str
) -> None:
    assert action in ROUND_TRIPS, f"{action}: no round trip (add it to ROUND_TRIPS)"
    trip = ROUND_TRIPS[action]
    assert trip.fault is not None, f"{action}: restorable, so its round trip needs a fault"
    state = trip.seed(stack, shims)
    before = state()
    record = trip.act(stack)

    made = answer_lost_once(trip.fault)
    first = restore_through_function(stack, record)
    second = restore_through_function(stack, record)

    assert first["outcome"] == "failed" and "ReadTimeoutError" in first["message"], first
    assert second["outcome"] == "restored", second
    assert state() == before, f"{action}: not as before the change"
    assert attempts(stack, record) == [Outcome.FAILED, Outcome.RESTORED]
    # The retry sees the call took effect and records it, rather than making it twice (a second training job, a
    # second CreateApp refused ResourceInUse, a second start of a starting server refused ConflictException).
    assert made == [trip.fault.operation] or trip.fault.operation in REPEATABLE, made
