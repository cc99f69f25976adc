"""IdleEndpointFunction end to end: the handler from template.yaml, on a simulated account."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from ecoguard import deadline
from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.idle_endpoint import IDLE_SINCE_TAG
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC
from ecoguard_cli import operations
from tests.builders.idle_endpoint import FN, SEEDS, SWEEP, arn, marks, sweep, travel_past_grace
from tests.conftest import (
    REFERENCE_EVENTS,
    REGION,
    Stack,
    assert_rejected,
    event_files,
    fail_calls,
    load_event,
    record_calls,
)
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.invoke import as_another_actor
from tools.simulator.seed_inference import (
    EndpointSeed,
    autoscale,
    create_endpoint,
    create_model,
    endpoint_names,
    put_invocations,
    sagemaker,
)

WRITES = {"AddTags", "DeleteTags", "DeleteEndpoint", "CreateEndpoint", "RegisterScalableTarget"}


@pytest.fixture
def seeded(stack: Stack) -> Iterator[Stack]:
    with autoscaled_endpoint_shims():
        for seed in SEEDS:
            create_endpoint(seed)
        # Scaled out from zero by a step policy on its backlog: its minimum may go to 0 (rule 5).
        autoscale("idle-async", minimum=1, maximum=1, from_zero_alarm=ASYNC_METRIC)
        yield stack


def tags(name: str) -> dict[str, str]:
    arn = sagemaker().describe_endpoint(EndpointName=name)["EndpointArn"]
    return {t["Key"]: t["Value"] for t in sagemaker().list_tags(ResourceArn=arn)["Tags"]}


def by_name(stack: Stack, outcome: Outcome) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for record in stack.records():
        if record.outcome is outcome:
            found.setdefault(record.resource.name, []).append(record.action)
    return found


@pytest.mark.parametrize(
    "path", sorted(Path(p) for p in event_files() if p.parent.name == "idle_endpoint"), ids=lambda p: p.name
)
def test_given_each_sample_event_when_invoked_in_dry_run_then_it_succeeds_and_writes_nothing(
    seeded: Stack, path: Path
) -> None:
    calls = record_calls("sagemaker", "application-autoscaling")
    [result] = seeded.invoke(FN, json.loads(path.read_text()), env={"ECOGUARD_MODE": "dry-run"})
    assert result["mode"] == "dry-run"
    assert not set(calls.calls) & WRITES


def test_given_the_aws_authored_in_service_event_then_it_is_accepted_and_its_endpoint_evaluated(stack: Stack) -> None:
    # tests/fixtures copy of the SageMaker Developer Guide example: "IN_SERVICE", time "1583831889050".
    create_endpoint(EndpointSeed("MyEndpoint", timedelta(minutes=5)))
    event = json.loads((REFERENCE_EVENTS / "sagemaker-endpoint-state-change.json").read_text())
    [result] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert result["evaluated"] == 1 and result["compliant"] == 1, "a new endpoint is tracked, not idle"


def test_given_a_malformed_endpoint_event_then_it_fails_naming_the_field_and_reads_nothing(stack: Stack) -> None:
    event = load_event("idle_endpoint/sagemaker-endpoint-state-change.json")
    del event["detail"]["EndpointName"]
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert_rejected(result, r"detail\.EndpointName")
    assert not calls.calls


def test_given_a_seeded_account_when_dry_run_sweeps_then_only_the_idle_endpoint_is_marked_in_state_not_tagged(
    seeded: Stack,
) -> None:
    calls = record_calls("sagemaker", "application-autoscaling")
    result = sweep(seeded, Mode.DRY_RUN, "dry-1")
    assert not set(calls.calls) & WRITES, "dry-run writes nothing to governed resources"
    would = by_name(seeded, Outcome.WOULD_APPLY)
    assert would == {"idle-realtime": ["mark-idle"], "idle-async": ["scale-to-zero"]}
    assert by_name(seeded, Outcome.SKIPPED) == {"idle-exempt": ["skip"]}
    assert result["evaluated"] == len(SEEDS)
    assert IDLE_SINCE_TAG not in tags("idle-realtime")
    dry_run = marks(seeded, Mode.DRY_RUN)
    assert dry_run.get(arn("idle-realtime")).version == 1, "the dry-run mark is kept in ecoguard's state"
    assert dry_run.get(arn("busy-two-variants")).version == 0
    assert marks(seeded, Mode.ENFORCE).get(arn("idle-realtime")).version == 0, "and kept apart from enforce's"
    assert endpoint_names() == {s.name for s in SEEDS}


def test_given_dry_run_after_the_grace_then_deletion_is_reported_every_sweep_and_nothing_deleted(
    seeded: Stack,
) -> None:
    sweep(seeded, Mode.DRY_RUN, "dry-1")
    travel_past_grace(seeded, "idle-realtime", mode=Mode.DRY_RUN)
    sweep(seeded, Mode.DRY_RUN, "dry-2")
    sweep(seeded, Mode.DRY_RUN, "dry-3")
    deletes = [r for r in seeded.records() if r.action == "delete-endpoint"]
    assert [(r.outcome, r.trigger_id) for r in sorted(deletes, key=lambda r: r.trigger_id)] == [
        (Outcome.WOULD_APPLY, "dry-2"),
        (Outcome.WOULD_APPLY, "dry-3"),
    ]
    assert "idle-realtime" in endpoint_names()


def test_given_a_dry_run_mark_past_its_grace_then_enforce_marks_again_rather_than_deletes(seeded: Stack) -> None:
    sweep(seeded, Mode.DRY_RUN, "dry-1")
    travel_past_grace(seeded, "idle-realtime", mode=Mode.DRY_RUN)
    dry_run_mark = marks(seeded, Mode.DRY_RUN).get(arn("idle-realtime"))
    started = datetime.now(UTC)
    sweep(seeded, Mode.ENFORCE, "run-1")
    assert "idle-realtime" in endpoint_names()
    assert IDLE_SINCE_TAG in tags("idle-realtime")
    assert by_name(seeded, Outcome.APPLIED)["idle-realtime"] == ["mark-idle"]
    # Enforce's own mark, its grace starting now: the dry-run mark never counts toward it.
    enforce_mark = marks(seeded, Mode.ENFORCE).get(arn("idle-realtime"))
    assert enforce_mark.version == 1
    assert datetime.fromisoformat(enforce_mark.value["since"]) >= started.replace(microsecond=0)
    assert marks(seeded, Mode.DRY_RUN).get(arn("idle-realtime")) == dry_run_mark, "enforce never touches it"


def test_given_enforce_then_idle_is_marked_then_deleted_only_after_the_grace(seeded: Stack) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    assert IDLE_SINCE_TAG in tags("idle-realtime")
    assert by_name(seeded, Outcome.APPLIED) == {
        "idle-realtime": ["mark-idle"],
        "idle-async": ["scale-to-zero"],
    }

    sweep(seeded, Mode.ENFORCE, "run-2")  # within the grace period
    assert "idle-realtime" in endpoint_names()

    travel_past_grace(seeded, "idle-realtime")
    calls = record_calls("sagemaker")
    sweep(seeded, Mode.ENFORCE, "run-3")
    assert calls.calls["DeleteEndpoint"] == 1
    assert endpoint_names() == {s.name for s in SEEDS} - {"idle-realtime"}
    [deleted] = [r for r in seeded.records() if r.action == "delete-endpoint"]
    assert deleted.outcome is Outcome.APPLIED
    # The config and the model are kept, for a restore; the config's content is recorded too, in case it is
    # deleted after.
    config = sagemaker().describe_endpoint_config(EndpointConfigName="idle-realtime-config")
    assert deleted.before == {
        "EndpointName": "idle-realtime",
        "EndpointConfigName": "idle-realtime-config",
        "EndpointConfig": {
            "EndpointConfigName": "idle-realtime-config",
            "ProductionVariants": config["ProductionVariants"],
        },
        "Tags": {"team": "growth"},
    }
    assert sagemaker().describe_model(ModelName="idle-realtime-model")
    assert marks(seeded).get(arn("idle-realtime")).version == 0, "the mark goes with the endpoint"


def test_given_traffic_after_the_mark_then_the_mark_and_its_tag_are_cleared(seeded: Stack) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    put_invocations("idle-realtime", {"AllTraffic": 1}, at=datetime.now(UTC) - timedelta(minutes=10))
    travel_past_grace(seeded, "idle-realtime")
    sweep(seeded, Mode.ENFORCE, "run-2")
    assert IDLE_SINCE_TAG not in tags("idle-realtime")
    assert marks(seeded).get(arn("idle-realtime")).version == 0
    assert by_name(seeded, Outcome.APPLIED)["idle-realtime"] == ["mark-idle", "clear-idle-mark"]
    assert "idle-realtime" in endpoint_names()


def test_given_enforce_then_serverless_exempt_busy_and_new_endpoints_are_never_touched(seeded: Stack) -> None:
    calls = record_calls("sagemaker", "application-autoscaling")
    sweep(seeded, Mode.ENFORCE, "run-1")
    travel_past_grace(seeded, "idle-realtime")
    sweep(seeded, Mode.ENFORCE, "run-2")
    touched = {
        p.get("EndpointName") or p.get("ResourceArn", "").rsplit("/", 1)[-1] or p.get("ResourceId", "").split("/")[1]
        for op, p in calls.params
        if op in WRITES
    }
    assert touched == {"idle-realtime", "idle-async"}


def test_given_an_async_endpoint_in_enforce_then_its_autoscaling_minimum_is_zero(seeded: Stack) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    targets = boto3.client("application-autoscaling", region_name=REGION).describe_scalable_targets(
        ServiceNamespace="sagemaker"
    )["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
        ("endpoint/idle-async/variant/AllTraffic", 0, 1)
    ]
    assert "idle-async" in endpoint_names(), "asynchronous endpoints scale to zero; they are not deleted"


def test_given_a_deleted_endpoint_when_restored_then_it_is_recreated_identically_and_the_restore_audited(
    seeded: Stack,
) -> None:
    before = sagemaker().describe_endpoint(EndpointName="idle-realtime")
    sweep(seeded, Mode.ENFORCE, "run-1")
    travel_past_grace(seeded, "idle-realtime")
    sweep(seeded, Mode.ENFORCE, "run-2")
    [deleted] = [r for r in seeded.records() if r.action == "delete-endpoint"]
    session = boto3.session.Session(region_name=REGION)
    table = seeded.resolver.refs["AuditTable"]

    preview = operations.restore_record(session, table, deleted.action_id, apply=False, record_key=seeded.record_key)
    assert preview.outcome is Outcome.WOULD_APPLY and "idle-realtime" not in endpoint_names()
    result = operations.restore_record(session, table, deleted.action_id, apply=True, record_key=seeded.record_key)
    assert result.outcome is Outcome.RESTORED

    after = sagemaker().describe_endpoint(EndpointName="idle-realtime")
    assert (after["EndpointName"], after["EndpointConfigName"], after["EndpointArn"]) == (
        before["EndpointName"],
        before["EndpointConfigName"],
        before["EndpointArn"],
    )
    assert tags("idle-realtime") == {"team": "growth"}
    [undo] = [r for r in seeded.records() if r.action == "restore:delete-endpoint"]
    assert undo.outcome is Outcome.RESTORED and undo.before == {"exists": False}
    again = operations.restore_record(session, table, deleted.action_id, apply=True, record_key=seeded.record_key)
    assert again.outcome is Outcome.DUPLICATE, "the latest attempt restored it: a second restore does nothing"


@pytest.mark.parametrize(("endpoints", "variants"), [(1200, 1), (300, 2), (260, 3)])
def test_given_many_endpoints_then_get_metric_data_is_called_once_per_page_of_endpoints(
    stack: Stack, endpoints: int, variants: int
) -> None:
    create_model("shared-model")
    names = tuple(f"v{i}" for i in range(variants))
    create_endpoint(EndpointSeed("template", timedelta(days=3), names), model="shared-model")
    sm = sagemaker()
    for i in range(endpoints - 1):
        sm.create_endpoint(EndpointName=f"ep-{i:04d}", EndpointConfigName="template-config")
    calls = record_calls("cloudwatch")
    sweep(stack, Mode.DRY_RUN, "many")
    queries = [q for op, p in calls.params if op == "GetMetricData" for q in p["MetricDataQueries"]]
    assert len(queries) == endpoints * variants
    # Each page of 100 endpoints is measured together, when the sweep reaches it (a resumed sweep measures
    # no endpoint it handled): up to 5 variants each, one call per page.
    assert calls.calls["GetMetricData"] == math.ceil(endpoints / 100)
    assert all(len(p["MetricDataQueries"]) <= 500 for op, p in calls.params if op == "GetMetricData")
    # moto 5.2.5 ignores the namespace when dimensions are given: assert what we send instead.
    for query in queries:
        metric = query["MetricStat"]["Metric"]
        assert metric["Namespace"] == "AWS/SageMaker" and metric["MetricName"] == "Invocations"
        assert [d["Name"] for d in metric["Dimensions"]] == ["EndpointName", "VariantName"]
        assert query["MetricStat"]["Stat"] == "Sum"


def test_given_an_endpoint_deleted_while_the_sweep_is_paused_then_no_other_endpoint_is_skipped(stack: Stack) -> None:
    names = ["a-idle", "b-idle", "c-idle", "d-idle", "e-idle"]
    for name in names:
        create_endpoint(EndpointSeed(name, timedelta(days=3)))
    calls = 0

    def remaining_ms() -> int:
        # Call 1 precedes the page, 2 a-idle, 3-6 the reads ahead of b-idle to e-idle (the deadline checked
        # between two describes), 7 b-idle. At call 8 the deadline is near: the sweep pauses before c-idle,
        # and meanwhile someone deletes a-idle (already handled).
        nonlocal calls
        calls += 1
        if calls == 1 + 1 + 4 + 1 + 1:
            with as_another_actor():  # the owner's call, not the function's
                sagemaker().delete_endpoint(EndpointName="a-idle")
            return 0
        return 600_000

    results = stack.invoke(
        FN, load_event(SWEEP) | {"id": "paused"}, env={"ECOGUARD_MODE": "dry-run"}, remaining_ms=remaining_ms
    )
    assert [r["finished"] for r in results] == [False, True]
    marked = sorted(r.resource.name for r in stack.records() if r.action == "mark-idle")
    assert marked == names, "each endpoint handled exactly once, none skipped"


def test_given_the_endpoint_a_saved_page_token_names_is_deleted_then_the_resume_passes_over_what_was_handled(
    stack: Stack,
) -> None:
    # Two pages of endpoints (ListEndpoints, 100 a page, by name). moto's NextToken names the first endpoint
    # of the next page (AWS documents the token as opaque), and refuses it once that endpoint is gone.
    create_model("shared-model")
    create_endpoint(EndpointSeed("template", timedelta(days=3)), model="shared-model")
    names = [f"ep-{i:04d}" for i in range(120)]
    for name in names:
        sagemaker().create_endpoint(EndpointName=name, EndpointConfigName="template-config")
    calls = 0

    def remaining_ms() -> int:
        # Call 1 precedes the first page; then its 100 endpoints, and the 99 reads ahead of all but the first
        # (the deadline checked between two describes); the second page; ep-0100 to ep-0104, and the 20 reads
        # ahead on that page (ep-0101 to ep-0119 and template). At the next call the deadline is near: the
        # sweep pauses before ep-0105, and meanwhile the owner deletes ep-0100, which the saved token names.
        nonlocal calls
        calls += 1
        if calls == 1 + (100 + 99) + 1 + (5 + 20) + 1:
            with as_another_actor():
                sagemaker().delete_endpoint(EndpointName="ep-0100")
            return 0
        return 600_000

    log = record_calls("sagemaker")
    results = stack.invoke(
        FN, load_event(SWEEP) | {"id": "paused"}, env={"ECOGUARD_MODE": "dry-run"}, remaining_ms=remaining_ms
    )
    assert [(r["finished"], r["evaluated"]) for r in results] == [(False, 105), (True, 16)]
    listings = [p.get("NextToken") is not None for op, p in log.params if op == "ListEndpoints"]
    assert listings == [False, True, True, False, True], "two pages, the refused token, two pages again"
    described = Counter(p["EndpointName"] for op, p in log.params if op == "DescribeEndpoint")
    assert set(described) == {*names, "template"}
    assert all(described[name] == 1 for name in names[:105]), "none handled is described again"


def test_given_the_deletion_is_denied_then_it_is_recorded_failed_and_the_mark_kept(seeded: Stack) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    travel_past_grace(seeded, "idle-realtime")
    injected = fail_calls("sagemaker", "DeleteEndpoint", "AccessDeniedException")
    result = sweep(seeded, Mode.ENFORCE, "run-2")
    assert injected["DeleteEndpoint"] == 1 and result["failed"] == 1
    [failed] = [r for r in seeded.records() if r.action == "delete-endpoint"]
    assert failed.outcome is Outcome.FAILED and "AccessDeniedException" in (failed.error or "")
    assert "idle-realtime" in endpoint_names()
    assert marks(seeded).get(arn("idle-realtime")).version, "still marked: the next sweep tries again"


def test_given_one_endpoint_cannot_be_read_then_it_is_recorded_failed_and_the_others_are_handled(
    seeded: Stack,
) -> None:
    fail_calls(
        "sagemaker", "DescribeEndpoint", "AccessDeniedException", when=lambda p: p["EndpointName"] == "idle-realtime"
    )
    result = sweep(seeded, Mode.DRY_RUN, "dry-1")
    assert result["failed"] == 1 and result["evaluated"] == len(SEEDS)
    [failed] = [r for r in seeded.records() if r.outcome is Outcome.FAILED]
    assert (failed.resource.name, failed.pk) == ("idle-realtime", arn("idle-realtime"))
    assert by_name(seeded, Outcome.WOULD_APPLY) == {"idle-async": ["scale-to-zero"]}


def sent_messages(stack: Stack) -> list[tuple[str | None, str]]:
    """What reached the notification topic (read from moto's SNS backend: it has no subscriber here)."""
    from moto.sns.models import sns_backends

    topic = sns_backends["123456789012"][REGION].topics[stack.resolver.refs["NotificationTopic"]]
    return [(subject, message) for _, message, subject, _, _ in topic.sent_notifications]


def test_given_an_idle_endpoint_then_its_mark_and_its_deletion_are_each_notified(seeded: Stack) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    [(subject, message)] = sent_messages(seeded)
    assert subject is not None and subject.startswith("ecoguard idle-endpoint (enforce)")
    assert "applied: idle-realtime: no invocations on any of 1 variant(s) in 24 h: marked idle" in message
    travel_past_grace(seeded, "idle-realtime")
    sweep(seeded, Mode.ENFORCE, "run-2")
    assert "endpoint deleted (config and model kept)" in sent_messages(seeded)[-1][1]


def test_given_a_dry_run_mark_and_traffic_then_enforce_never_sees_it_and_dry_run_clears_its_own(
    seeded: Stack,
) -> None:
    sweep(seeded, Mode.DRY_RUN, "dry-1")
    assert marks(seeded, Mode.DRY_RUN).get(arn("idle-realtime")).version == 1
    put_invocations("idle-realtime", {"AllTraffic": 2}, at=datetime.now(UTC) - timedelta(minutes=10))
    sweep(seeded, Mode.ENFORCE, "run-1")
    assert marks(seeded, Mode.ENFORCE).get(arn("idle-realtime")).version == 0
    assert marks(seeded, Mode.DRY_RUN).get(arn("idle-realtime")).version == 1, "enforce never sees the dry-run mark"
    assert "idle-realtime" not in by_name(seeded, Outcome.APPLIED)
    sweep(seeded, Mode.DRY_RUN, "dry-2")
    assert marks(seeded, Mode.DRY_RUN).get(arn("idle-realtime")).version == 0, "busy again: its own mode clears it"
    assert by_name(seeded, Outcome.WOULD_APPLY)["idle-realtime"] == ["mark-idle"], "cleared in state only: no tag"


def test_the_sweep_reads_every_endpoints_tags_in_one_listing_not_one_call_each(seeded: Stack) -> None:
    calls = record_calls("sagemaker", "resourcegroupstaggingapi")
    sweep(seeded, Mode.DRY_RUN, "run-1")
    assert calls.calls["GetResources"] == 1
    [listing] = [p for op, p in calls.params if op == "GetResources"]
    assert listing == {"ResourceTypeFilters": ["sagemaker:endpoint"], "ResourcesPerPage": 100}
    # Only the endpoint about to be scaled to zero has its tags read again (no IAM Deny can back its exempt
    # tag: scalable targets carry no tags; actions/idle_endpoint.py::TAGLESS_CHANGES).
    assert [p["ResourceArn"] for op, p in calls.params if op == "ListTags"] == [arn("idle-async")]
    described = [p["EndpointName"] for op, p in calls.params if op == "DescribeEndpoint"]
    # Each endpoint once, except the busy one: its traffic is seen without describing it.
    assert sorted(described) == sorted(s.name for s in SEEDS if s.name != "busy-two-variants")


def lagging_tag_listing() -> None:
    """Named shim ``tagging_api_lag``: the tagging API can lag a tag change; this listing sees no tags at all."""

    def stale(**_: Any) -> tuple[Any, dict[str, Any]]:
        return AWSResponse("", 200, HTTPHeaders(), None), {"ResourceTagMappingList": []}

    client("resourcegroupstaggingapi").meta.events.register(
        "before-call.resource-groups-tagging-api.GetResources", stale
    )


def test_given_a_lagging_tag_listing_then_a_deletion_decides_on_tags_read_now(seeded: Stack) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    travel_past_grace(seeded, "idle-realtime")
    # Exempted after the mark; the lagging listing does not show it (nor the team tag).
    sagemaker().add_tags(ResourceArn=arn("idle-realtime"), Tags=[{"Key": "ecoguard:exempt", "Value": "true"}])
    lagging_tag_listing()
    calls = record_calls("sagemaker")
    sweep(seeded, Mode.ENFORCE, "run-2")
    assert "DeleteEndpoint" not in calls.calls
    assert "idle-realtime" in endpoint_names()
    skipped = [r for r in seeded.records() if r.resource.name == "idle-realtime" and r.outcome is Outcome.SKIPPED]
    assert [r.reason for r in skipped] == ["tagged ecoguard:exempt=true"]
    assert calls.calls["ListTags"] == 1, "only the endpoint about to be deleted has its tags read"


def clones(prefix: str, count: int, variants: tuple[str, ...], traffic: dict[str, float]) -> list[str]:
    """``count`` endpoints on one shared two-week-old configuration, each with ``traffic`` in the last hour."""
    create_model(f"{prefix}-model")
    template = f"{prefix}-000"
    create_endpoint(EndpointSeed(template, timedelta(days=14), variants), model=f"{prefix}-model")
    names = [template] + [f"{prefix}-{i:03d}" for i in range(1, count)]
    for name in names[1:]:
        sagemaker().create_endpoint(EndpointName=name, EndpointConfigName=f"{template}-config")
    for name in names:
        put_invocations(name, traffic)
    return names


LISTING = {
    "Namespace": "AWS/SageMaker",
    "MetricName": "Invocations",
    "Dimensions": [{"Name": "EndpointName"}, {"Name": "VariantName"}],
}


def test_given_busy_endpoints_then_none_is_described_and_each_idle_candidate_is_described_once(
    stack: Stack,
) -> None:
    busy = clones("busy", 40, ("blue", "green"), {"green": 5})
    idle = [f"idle-{i}" for i in range(3)]
    for name in idle:
        create_endpoint(EndpointSeed(name, timedelta(days=3)))
    calls = record_calls("sagemaker", "cloudwatch")
    result = sweep(stack, Mode.DRY_RUN, "busy-1")
    described = [p["EndpointName"] for op, p in calls.params if op == "DescribeEndpoint"]
    assert sorted(described) == idle, "no busy endpoint is described; each candidate once"
    assert calls.calls["DescribeEndpointConfig"] == len(idle)
    assert [p for op, p in calls.params if op == "ListMetrics"] == [LISTING]
    assert [p for op, p in calls.params if op == "ListInferenceComponents"] == [{"MaxResults": 100}]
    queries = [len(p["MetricDataQueries"]) for op, p in calls.params if op == "GetMetricData"]
    assert queries == [len(busy), len(idle)], "the busy pairs listed (green only), then the candidates' variants"
    assert (result["evaluated"], result["compliant"]) == (len(busy) + len(idle), len(busy))
    assert sorted(by_name(stack, Outcome.WOULD_APPLY)) == idle


def test_given_more_listed_pairs_than_a_page_then_list_metrics_pages_and_get_metric_data_batches(
    stack: Stack,
) -> None:
    busy = clones("busy", 260, ("blue", "green"), {"blue": 1, "green": 2})
    calls = record_calls("sagemaker", "cloudwatch")
    result = sweep(stack, Mode.DRY_RUN, "busy-2")
    pairs = 2 * len(busy)
    listings = [p for op, p in calls.params if op == "ListMetrics"]
    assert len(listings) == math.ceil(pairs / 500) == 2, "listed once for the three pages of endpoints"
    assert listings[0] == LISTING and listings[1]["NextToken"]
    queries = [len(p["MetricDataQueries"]) for op, p in calls.params if op == "GetMetricData"]
    # Each page's listed pairs together (ListEndpoints: 100 a page), when the sweep reaches that page.
    assert queries == [200, 200, pairs - 400]
    assert "DescribeEndpoint" not in calls.calls and "DescribeEndpointConfig" not in calls.calls
    assert result["compliant"] == len(busy)


def test_given_a_marked_endpoint_that_gets_traffic_then_only_it_is_described_and_its_mark_cleared(
    seeded: Stack,
) -> None:
    sweep(seeded, Mode.ENFORCE, "run-1")
    put_invocations("idle-realtime", {"AllTraffic": 1}, at=datetime.now(UTC) - timedelta(minutes=10))
    calls = record_calls("sagemaker")
    sweep(seeded, Mode.ENFORCE, "run-2")
    described = [p["EndpointName"] for op, p in calls.params if op == "DescribeEndpoint"]
    assert "busy-two-variants" not in described
    assert described.count("idle-realtime") == 1
    assert calls.calls["DeleteTags"] == 1
    assert IDLE_SINCE_TAG not in tags("idle-realtime")
    assert marks(seeded).get(arn("idle-realtime")).version == 0


def test_given_the_metric_listing_fails_then_every_endpoint_is_described_and_decided_as_before(
    seeded: Stack,
) -> None:
    injected = fail_calls("cloudwatch", "ListMetrics", "AccessDenied")
    calls = record_calls("sagemaker")
    result = sweep(seeded, Mode.DRY_RUN, "dry-1")
    assert injected["ListMetrics"] == 1
    assert sorted(p["EndpointName"] for op, p in calls.params if op == "DescribeEndpoint") == sorted(
        s.name for s in SEEDS
    )
    assert result["evaluated"] == len(SEEDS) and not result.get("failed")
    assert by_name(seeded, Outcome.WOULD_APPLY) == {"idle-realtime": ["mark-idle"], "idle-async": ["scale-to-zero"]}


def test_given_a_busy_endpoint_with_an_invalid_idle_hours_tag_then_it_is_described_and_skipped(stack: Stack) -> None:
    create_endpoint(EndpointSeed("odd-window", timedelta(days=3), tags={"ecoguard:idle-hours": "soon"}))
    put_invocations("odd-window", {"AllTraffic": 3})
    calls = record_calls("sagemaker")
    sweep(stack, Mode.DRY_RUN, "dry-1")
    assert calls.calls["DescribeEndpoint"] == 1
    assert by_name(stack, Outcome.SKIPPED) == {"odd-window": ["skip"]}


def test_given_busy_and_idle_endpoints_when_the_sweep_pauses_then_it_resumes_at_the_same_endpoint(
    stack: Stack,
) -> None:
    names = ["a-busy", "b-idle", "c-busy", "d-idle", "e-busy", "f-idle"]
    for name in names:
        create_endpoint(EndpointSeed(name, timedelta(days=3)))
        if name.endswith("busy"):
            put_invocations(name, {"AllTraffic": 7})
    calls = 0

    def remaining_ms() -> int:
        # Call 1 precedes the page, then the first three endpoints, and 2 reads ahead between the describes
        # of b-idle, d-idle and f-idle (the busy ones are not described): the sweep pauses before d-idle.
        nonlocal calls
        calls += 1
        return 0 if calls == 1 + 3 + 2 + 1 else 600_000

    results = stack.invoke(
        FN, load_event(SWEEP) | {"id": "paused"}, env={"ECOGUARD_MODE": "dry-run"}, remaining_ms=remaining_ms
    )
    assert [r["finished"] for r in results] == [False, True]
    assert [r["evaluated"] for r in results] == [3, 3], "each endpoint evaluated once across the two invocations"
    assert [r["compliant"] for r in results] == [2, 1]
    marked = sorted(r.resource.name for r in stack.records() if r.action == "mark-idle")
    assert marked == ["b-idle", "d-idle", "f-idle"]


def test_given_the_deadline_nears_inside_the_re_check_before_a_deletion_then_nothing_is_deleted_until_the_handoff(
    seeded: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-check before a deletion is several calls; each governed call is checked against the deadline
    (ecoguard.deadline), so time running out in the middle of it sends no DeleteEndpoint: the sweep pauses
    at that endpoint and the continuation re-checks and deletes it, once."""
    sweep(seeded, Mode.ENFORCE, "run-1")
    travel_past_grace(seeded, "idle-realtime")
    now = [1_000.0]
    monkeypatch.setattr(deadline, "clock", lambda: now[0])
    described: Counter[str] = Counter()

    def time_passes(params: dict[str, Any], **_: Any) -> None:
        described[params["EndpointName"]] += 1
        if params["EndpointName"] == "idle-realtime" and described["idle-realtime"] == 2:  # the re-check
            now[0] += 30  # 61 s were left at the endpoint's turn: 31 s now, under the margin

    client("sagemaker").meta.events.register("provide-client-params.sagemaker.DescribeEndpoint", time_passes)
    calls = record_calls("sagemaker")
    results = seeded.invoke(
        FN,
        load_event(SWEEP) | {"id": "run-3"},
        env={"ECOGUARD_MODE": "enforce"},
        remaining_ms=lambda: deadline.DEADLINE_MARGIN_MS + 1_000,
    )
    assert [r["finished"] for r in results] == [False, True], "paused at the endpoint, then carried on"
    assert calls.calls["DeleteEndpoint"] == 1 and "idle-realtime" not in endpoint_names()
    # Described and re-checked (cut short), then described and re-checked again by the continuation.
    assert described["idle-realtime"] == 4
    deletions = [r for r in seeded.records() if r.action == "delete-endpoint"]
    assert [r.outcome for r in deletions] == [Outcome.APPLIED]
