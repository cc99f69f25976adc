"""Unrepeatable actions whose outcome is not known: read again, recorded as what the resource shows.

Sources:
- A DeleteEndpoint repeated after the first was carried out (an SDK retry after a lost answer) gets
  ``ValidationException`` 'Could not find endpoint "<arn>".' (aws/amazon-sagemaker-examples#2402); so does
  DescribeEndpoint of a deleted endpoint (SageMaker API reference, DescribeEndpoint).
- A call whose answer does not come within the read timeout raises botocore's ``ReadTimeoutError``: the
  request may or may not have been carried out.
- StopNotebookInstance makes the instance ``Stopping``, then ``Stopped`` (SageMaker API reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from ecoguard.actions.idle_endpoint import DeleteEndpoint, EndpointPorts
from ecoguard.actions.idle_notebook import StopNotebook
from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Plan, PlannedAction, Resource
from ecoguard.executor import Executor
from ecoguard.restore import restore
from ecoguard.summary import RunSummary, Trigger
from tests.builders.clients import unreachable
from tests.builders.restore_checks import untagged
from tests.unit.fakes import NOW, MemoryAuditTrail, clock

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

ENDPOINT_ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/idle-ep"
ENDPOINT = Resource(ENDPOINT_ARN, "idle-ep", "AWS::SageMaker::Endpoint")
NOTEBOOK_ARN = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"
NOTEBOOK = Resource(NOTEBOOK_ARN, "nb", "AWS::SageMaker::NotebookInstance")
NOT_FOUND = f'Could not find endpoint "{ENDPOINT_ARN}".'
DELETION = PlannedAction(
    "idle-endpoint", ENDPOINT, "delete-endpoint", {"EndpointName": "idle-ep"}, {"exists": False}, "idle"
)


@pytest.fixture
def sagemaker() -> Iterator[tuple[SageMakerClient, Stubber]]:
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


class TimesOut(SageMakerAdapter):
    """moto_never_times_out: the delete's answer is lost after SageMaker acted (or not)."""

    def delete_endpoint(self, name: str) -> None:
        raise ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")


def deleter(adapter: SageMakerAdapter) -> DeleteEndpoint:
    return DeleteEndpoint(EndpointPorts(adapter, AutoScalingAdapter(unreachable("application-autoscaling"))))


def executor(audit: MemoryAuditTrail, units: dict[str, Any]) -> Executor:
    return Executor(
        audit=audit,
        mode=Mode.ENFORCE,
        trigger=Trigger("run-1", "sweep"),
        clock=clock,
        ttl_days=1,
        units=units,
        summary=RunSummary("idle-endpoint", Mode.ENFORCE),
    )


def test_given_delete_endpoint_answers_could_not_find_then_the_endpoint_is_read_again_and_recorded_applied(
    sagemaker: tuple[SageMakerClient, Stubber],
) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "delete_endpoint", "ValidationException", NOT_FOUND, 400, expected_params={"EndpointName": "idle-ep"}
    )
    stubber.add_client_error(
        "describe_endpoint", "ValidationException", NOT_FOUND, 400, expected_params={"EndpointName": "idle-ep"}
    )
    audit = MemoryAuditTrail()
    run = executor(audit, {"delete-endpoint": deleter(SageMakerAdapter(client))})
    assert run.run(Plan((DELETION,))) is Outcome.APPLIED
    [record] = audit.items.values()
    assert record.outcome is Outcome.APPLIED and "Could not find endpoint" in (record.error or "")


def test_given_a_read_timeout_and_the_endpoint_gone_then_the_deletion_is_recorded_applied(
    sagemaker: tuple[SageMakerClient, Stubber],
) -> None:
    client, stubber = sagemaker
    stubber.add_client_error("describe_endpoint", "ValidationException", NOT_FOUND, 400)
    audit = MemoryAuditTrail()
    assert executor(audit, {"delete-endpoint": deleter(TimesOut(client))}).run(Plan((DELETION,))) is Outcome.APPLIED
    [record] = audit.items.values()
    assert "ReadTimeoutError" in (record.error or "")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("InService", Outcome.FAILED),
        # "Deleting: DeleteEndpoint is executing" (SageMaker API reference, DescribeEndpoint EndpointStatus).
        ("Deleting", Outcome.APPLIED),
    ],
)
def test_given_a_read_timeout_and_the_endpoint_still_listed_then_its_status_says_whether_the_deletion_was_made(
    sagemaker: tuple[SageMakerClient, Stubber], status: str, outcome: Outcome
) -> None:
    client, stubber = sagemaker
    stubber.add_response(
        "describe_endpoint",
        {
            "EndpointName": "idle-ep",
            "EndpointArn": ENDPOINT_ARN,
            "EndpointConfigName": "idle-ep-config",
            "EndpointStatus": status,
            "CreationTime": NOW,
            "LastModifiedTime": NOW,
        },
    )
    stubber.add_client_error(
        "describe_endpoint_config", "ValidationException", "Could not find endpoint configuration", 400
    )
    stubber.add_response("list_tags", {"Tags": []}, {"ResourceArn": ENDPOINT_ARN, "MaxResults": 50})
    audit = MemoryAuditTrail()
    assert executor(audit, {"delete-endpoint": deleter(TimesOut(client))}).run(Plan((DELETION,))) is outcome
    [record] = audit.items.values()
    assert "ReadTimeoutError" in (record.error or "")


def pending_stop(minutes_ago: int) -> AuditRecord:
    return AuditRecord(
        guardrail="idle-endpoint",
        resource=NOTEBOOK,
        action="stop-notebook",
        trigger_id=f"run-{minutes_ago}",
        trigger="sweep",
        outcome=Outcome.PENDING,
        mode=Mode.ENFORCE,
        reason="idle",
        before={"NotebookInstanceStatus": "InService"},
        after={"NotebookInstanceStatus": "Stopped"},
        recorded_at=NOW - timedelta(minutes=minutes_ago),
        ttl_days=1,
    )


def described(status: str) -> dict[str, Any]:
    return {
        "NotebookInstanceName": "nb",
        "NotebookInstanceArn": NOTEBOOK_ARN,
        "NotebookInstanceStatus": status,
        "CreationTime": NOW,
    }


@pytest.mark.parametrize(("status", "outcome"), [("Stopping", Outcome.APPLIED), ("InService", Outcome.FAILED)])
def test_given_a_record_left_pending_by_an_ended_invocation_then_the_next_run_settles_it_by_reading_again(
    sagemaker: tuple[SageMakerClient, Stubber], status: str, outcome: Outcome
) -> None:
    client, stubber = sagemaker
    stubber.add_response("describe_notebook_instance", described(status), {"NotebookInstanceName": "nb"})
    audit = MemoryAuditTrail()
    old, recent = pending_stop(20), pending_stop(2)
    for record in (old, recent):
        audit.items[(record.pk, record.sk)] = record
    run = executor(audit, {"stop-notebook": StopNotebook(SageMakerAdapter(client))})
    assert run.settle_pending(timedelta(minutes=16)) == 1
    assert audit.items[(old.pk, old.sk)].outcome is outcome
    assert audit.items[(recent.pk, recent.sk)].outcome is Outcome.PENDING  # its invocation may still run


def test_given_a_dry_run_then_nothing_is_settled(sagemaker: tuple[SageMakerClient, Stubber]) -> None:
    client, _ = sagemaker  # no answer stubbed: any call fails
    audit = MemoryAuditTrail()
    record = pending_stop(20)
    audit.items[(record.pk, record.sk)] = record
    run = Executor(
        audit=audit,
        mode=Mode.DRY_RUN,
        trigger=Trigger("run-1", "sweep"),
        clock=clock,
        ttl_days=1,
        units={"stop-notebook": StopNotebook(SageMakerAdapter(client))},
        summary=RunSummary("idle-endpoint", Mode.DRY_RUN),
    )
    assert run.settle_pending(timedelta(minutes=16)) == 0


def test_given_a_pending_record_whose_resource_is_in_its_after_state_then_restore_accepts_it(
    sagemaker: tuple[SageMakerClient, Stubber],
) -> None:
    client, stubber = sagemaker
    stubber.add_response("describe_notebook_instance", described("Stopped"))
    stubber.add_response("start_notebook_instance", {}, {"NotebookInstanceName": "nb"})
    audit = MemoryAuditTrail()
    result = restore(
        pending_stop(20),
        unit=StopNotebook(SageMakerAdapter(client)),
        audit=audit,
        mode=Mode.ENFORCE,
        clock=clock,
        checks=untagged(),
    )
    assert result.outcome is Outcome.RESTORED


def test_given_a_pending_record_whose_resource_never_changed_then_restore_refuses_it(
    sagemaker: tuple[SageMakerClient, Stubber],
) -> None:
    client, stubber = sagemaker
    stubber.add_response("describe_notebook_instance", described("InService"))
    result = restore(
        pending_stop(20),
        unit=StopNotebook(SageMakerAdapter(client)),
        audit=MemoryAuditTrail(),
        mode=Mode.ENFORCE,
        clock=clock,
        checks=untagged(),
    )
    assert result.outcome is Outcome.SKIPPED and "not in the state the change would have left" in result.message
