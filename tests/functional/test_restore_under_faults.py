"""Round trips under faults: a change made, its restore interrupted by what AWS can answer, and the restore run
again to completion, through RestoreFunction.

The faults, each an answer the API reference documents for the call:

- a 5xx: CloudWatch Logs ``ServiceUnavailableException`` (HTTP 500) on DeleteRetentionPolicy;
- throttling in the middle of the undo: every AWS API may answer ``ThrottlingException`` (HTTP 400; Application
  Auto Scaling API Reference, "Common Errors"), here on PutScalingPolicy, after the endpoint was re-created
  and its target registered;
- a timeout after the call (botocore's ``ReadTimeoutError``): StartNotebookInstance carried out, its answer lost.

``fail_calls`` raises from botocore's ``before-call``: the SDK's retries are already spent. The timeout is
raised from ``after-call``: the request was carried out (moto never loses an answer: ``moto_never_times_out``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from botocore.exceptions import ReadTimeoutError

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from tests.builders.idle_endpoint import scaling_of, sweep, travel_past_grace
from tests.builders.idle_notebook import LIFECYCLE, ZERO_DAY
from tests.conftest import Stack, fail_calls, load_event
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.seed import retention_snapshot, seed_log_groups
from tools.simulator.seed_inference import (
    EndpointSeed,
    autoscale,
    create_activity_lifecycle_config,
    create_endpoint,
    create_notebook,
    endpoint_names,
    notebook_status,
)


def once() -> Callable[[dict[str, Any]], bool]:
    seen: list[bool] = []

    def first(_: dict[str, Any]) -> bool:
        if seen:
            return False
        seen.append(True)
        return True

    return first


def restore_twice(stack: Stack, action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    [first] = stack.invoke("RestoreFunction", {"action_id": action_id, "apply": True})
    [second] = stack.invoke("RestoreFunction", {"action_id": action_id, "apply": True})
    return first, second


def attempts(stack: Stack, action: str) -> list[Outcome]:
    return [r.outcome for r in sorted(stack.records(), key=lambda r: r.trigger_id) if r.action == f"restore:{action}"]


def test_given_a_5xx_in_the_undo_of_a_retention_then_a_second_restore_completes_it(stack: Stack) -> None:
    seed_log_groups()
    stack.invoke(
        "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    record = next(r for r in stack.records() if r.resource.name == "/aws/sagemaker/TrainingJobs")
    fail_calls("logs", "DeleteRetentionPolicy", "ServiceUnavailableException", when=once())

    first, second = restore_twice(stack, record.action_id)

    assert first["outcome"] == "failed" and "ServiceUnavailableException" in first["message"]
    assert second["outcome"] == "restored" and "deleted" in second["not_restored"]
    assert retention_snapshot()["/aws/sagemaker/TrainingJobs"] is None
    assert attempts(stack, "put-retention-policy") == [Outcome.FAILED, Outcome.RESTORED]


def test_given_throttling_in_the_middle_of_an_endpoints_undo_then_a_second_restore_carries_on_from_it(
    stack: Stack,
) -> None:
    with autoscaled_endpoint_shims():
        create_endpoint(EndpointSeed("idle-scaled", timedelta(days=3)))
        autoscale("idle-scaled", minimum=1, maximum=4, from_zero_alarm="CPUUtilization")
        scaling = scaling_of("idle-scaled")
        sweep(stack, Mode.ENFORCE, "run-1")
        travel_past_grace(stack, "idle-scaled")
        sweep(stack, Mode.ENFORCE, "run-2")
        [deleted] = [r for r in stack.records() if r.action == "delete-endpoint"]
        fail_calls("application-autoscaling", "PutScalingPolicy", "ThrottlingException", when=once())

        first, second = restore_twice(stack, deleted.action_id)

    assert first["outcome"] == "failed" and "ThrottlingException" in first["message"]
    assert second["outcome"] == "restored" and second["pending_step"] is None
    assert "carrying on from an earlier attempt" in second["message"]
    assert "idle-scaled" in endpoint_names() and scaling_of("idle-scaled") == scaling
    assert attempts(stack, "delete-endpoint") == [Outcome.FAILED, Outcome.RESTORED]


def test_given_a_timeout_after_a_notebook_start_then_a_second_restore_records_it_without_starting_again(
    stack: Stack,
) -> None:
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook("idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY)
    stack.invoke(
        "IdleNotebookFunction", load_event("idle_notebook/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    [stopped] = [r for r in stack.records() if r.action == "stop-notebook"]
    starts: list[str] = []

    def answer_lost(**_: Any) -> None:
        starts.append("StartNotebookInstance")
        if len(starts) == 1:
            raise ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")

    client("sagemaker").meta.events.register("after-call.sagemaker.StartNotebookInstance", answer_lost)
    first, second = restore_twice(stack, stopped.action_id)

    assert first["outcome"] == "failed" and "ReadTimeoutError" in first["message"]
    assert second["outcome"] == "restored" and "earlier attempt" in second["message"]
    assert starts == ["StartNotebookInstance"], "not started twice (a second start of a running instance fails)"
    assert notebook_status("idle") == "InService"
    assert "kernel" in second["not_restored"]
    assert attempts(stack, "stop-notebook") == [Outcome.FAILED, Outcome.RESTORED]
