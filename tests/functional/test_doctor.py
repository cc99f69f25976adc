"""``ecoguard doctor`` on the simulated account: template.yaml deployed through moto's CloudFormation
(tools/simulator/deployed.py), with the shims of tools/simulator/doctor_shims.py for the APIs moto lacks."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC, COMPONENT_METRIC
from ecoguard_cli.__main__ import main
from ecoguard_cli.doctor.calls import EXEMPT_DENIED, FUNCTION_CALLS
from ecoguard_cli.doctor.deployment import Deployment
from ecoguard_cli.doctor.model import Row, Status
from ecoguard_cli.doctor.run import exit_code, run_checks
from tests.builders.inference_components import component_summary, described_component
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.deployed import deploy_simulated_stack
from tools.simulator.doctor_shims import DoctorAccount, decision, install
from tools.simulator.seed import seed_log_groups
from tools.simulator.seed_inference import EndpointSeed, autoscale, create_endpoint

STACK = "ecoguard"
READS = ("Describe", "List", "Get", "Simulate", "Filter")  # FilterLogEvents reads a log group


@dataclass
class Doctor:
    session: boto3.session.Session
    account: DoctorAccount
    operations: list[str]

    def rows(self) -> list[Row]:
        return run_checks(Deployment(self.session, STACK))

    def row(self, name: str) -> Row:
        [found] = [r for r in self.rows() if r.check == name]
        return found


@pytest.fixture
def doctor(aws: None) -> Doctor:
    deploy_simulated_stack(STACK)
    seed_log_groups()
    session = boto3.session.Session()
    account = DoctorAccount()
    install(session, account)
    operations: list[str] = []
    session.events.register("before-parameter-build", lambda model, **_: operations.append(model.name))
    return Doctor(session, account, operations)


def trail(name: str, **selectors: Any) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=f"{name}-trail-logs")
    cloudtrail = boto3.client("cloudtrail")
    cloudtrail.create_trail(Name=name, S3BucketName=f"{name}-trail-logs", IsMultiRegionTrail=True)
    if selectors:
        cloudtrail.put_event_selectors(TrailName=name, **selectors)
    cloudtrail.start_logging(Name=name)


def test_doctor_makes_only_read_calls(doctor: Doctor) -> None:
    trail("org-trail")
    doctor.rows()
    assert doctor.operations, "no call recorded"
    assert [op for op in doctor.operations if not op.startswith(READS)] == []
    assert {"SimulatePrincipalPolicy", "ListStackResources", "GetBucketAbac", "DescribeTrails"} <= set(
        doctor.operations
    )


def test_each_function_role_is_simulated_and_allows_every_call_the_function_makes(doctor: Doctor) -> None:
    rows = {r.check: r for r in doctor.rows() if r.check.startswith("permissions: ")}
    # Every function of template.yaml but the forwarder, which is deployed only with a central bus. (Before
    # logs:DescribeLogGroups got Resource "*" and the Studio, idle-compute and serving functions were merged,
    # this test expected 8 functions and that grant lacking in two roles; the template now grants it.)
    assert set(rows) == {f"permissions: {f}" for f in FUNCTION_CALLS if f != "AuditForwarderFunction"}
    assert len(rows) == 14  # the Bedrock throughput, EC2 accelerators and reserved capacity functions joined the 11
    assert {name: row.detail for name, row in rows.items() if row.result is not Status.OK} == {}
    for row in rows.values():
        assert row.detail.startswith("all ") and "calls allowed" in row.detail


def test_a_call_the_deployed_role_lacks_is_reported_as_an_implicit_deny(doctor: Doctor) -> None:
    role = Deployment(doctor.session, STACK).physical("IdleNotebookFunctionRole")
    assert role is not None
    iam = boto3.client("iam")
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        if name != "DeadLetterQueuePolicy":
            iam.delete_role_policy(RoleName=role, PolicyName=name)  # a role left from an older deploy
    row = doctor.row("permissions: IdleNotebookFunction")
    assert row.result is Status.FAIL
    # Only the dead-letter queue's grant is left: every other call is denied, none by a Deny.
    # its 14 calls include the settling Query and the signing of its records (kms:GenerateMac)
    assert row.detail.startswith("13 of 14 calls denied: ")
    assert "(implicitDeny)" in row.detail
    assert "explicitDeny" not in row.detail


def test_each_exempt_deny_of_the_template_holds_in_the_simulation(doctor: Doctor) -> None:
    rows = [r for r in doctor.rows() if r.check.startswith("exempt deny: ")]
    assert {r.check for r in rows} == {f"exempt deny: {f}" for f in EXEMPT_DENIED}
    assert len(rows) == 10  # the Studio, idle-compute, Bedrock throughput and EC2 functions' Never* joined the six
    assert [r.detail for r in rows if r.result is not Status.OK] == []


def test_a_deny_outside_the_template_is_reported_as_an_explicit_deny(doctor: Doctor) -> None:
    role = Deployment(doctor.session, STACK).physical("StorageLifecycleFunctionRole")
    assert role is not None
    # As an SCP or a permissions boundary denying lifecycle writes would.
    doctor.account.extra_denies[role] = [{"Effect": "Deny", "Action": "s3:PutLifecycleConfiguration", "Resource": "*"}]
    row = doctor.row("permissions: StorageLifecycleFunction")
    assert row.result is Status.FAIL
    assert "s3:PutLifecycleConfiguration on arn:aws:s3:::ecoguard-doctor-sample (explicitDeny)" in row.detail


def test_without_a_trail_the_doctor_fails_and_a_trail_with_management_events_passes(doctor: Doctor) -> None:
    assert doctor.row("CloudTrail management events").result is Status.FAIL
    trail("reads-only", EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    assert doctor.row("CloudTrail management events").result is Status.FAIL
    # A new trail logs every management event (CloudTrail User Guide, "Logging management events"); moto's
    # has no selector at all (moto_trail_has_no_default_selector), so the test gives it AWS's default.
    trail("org-trail", EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}])
    assert doctor.row("CloudTrail management events").result is Status.OK


def test_buckets_without_abac_warn_and_with_it_pass(doctor: Doctor) -> None:
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    row = doctor.row("S3 ABAC (exempt Deny holds)")
    assert row.result is Status.WARN
    doctor.account.abac.update(dict.fromkeys(buckets, "Enabled"))
    assert doctor.row("S3 ABAC (exempt Deny holds)").result is Status.OK


def test_an_account_retention_policy_is_reported(doctor: Doctor) -> None:
    assert doctor.row("account-level log retention").result is Status.OK
    doctor.account.account_policies.append(
        {"policyName": "org-retention", "policyType": "RETENTION_POLICY", "scope": "ALL", "policyDocument": "{}"}
    )
    row = doctor.row("account-level log retention")
    assert (row.result, "org-retention" in row.detail) == (Status.WARN, True)


def test_the_tagging_api_names_log_groups_as_the_code_matches_them(doctor: Doctor) -> None:
    row = doctor.row("tagging API: log-group ARNs")
    assert row.result is Status.OK, row.detail


def test_the_sdk_row_says_what_cannot_be_known_without_invoking(doctor: Doctor) -> None:
    [row] = [r for r in doctor.rows() if r.check.startswith("SDK: ")]
    assert row.result is Status.UNKNOWN
    assert "without invoking" in row.detail


def test_access_denied_on_the_simulation_makes_the_row_unknown_not_ok(doctor: Doctor) -> None:
    # IAM's answer to a caller without iam:SimulatePrincipalPolicy: 403 AccessDenied, "User: ... is not
    # authorized to perform: ..." (IAM User Guide, "Troubleshoot access denied error messages").
    def refuse(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "User: arn:aws:iam::123456789012:user/ops is not "
                       "authorized to perform: iam:SimulatePrincipalPolicy"}},
            "SimulatePrincipalPolicy",
        )  # fmt: skip

    doctor.session.events.register_first("before-call.iam.SimulatePrincipalPolicy", refuse)
    row = doctor.row("permissions")
    assert row.result is Status.UNKNOWN
    assert "SimulatePrincipalPolicy: AccessDenied" in row.detail


def test_the_cli_prints_one_table_and_exits_1_on_a_failed_check(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(boto3.session, "Session", lambda: doctor.session)
    status = main(["doctor", "--stack", STACK])
    printed = capsys.readouterr().out
    assert status == exit_code(doctor.rows()) == 1
    for heading in ("check", "result", "what to do", "CloudTrail management events", "permissions: RestoreFunction"):
        assert heading in printed


def test_the_simulation_shim_follows_iams_evaluation_for_what_it_knows_and_refuses_the_rest() -> None:
    allow = {"Effect": "Allow", "Action": "logs:PutRetentionPolicy", "Resource": "arn:aws:logs:*:*:log-group:*"}
    deny = {"Effect": "Deny", "Action": "logs:PutRetentionPolicy", "Resource": "*",
            "Condition": {"StringEqualsIgnoreCase": {"aws:ResourceTag/ecoguard:exempt": "true"}}}  # fmt: skip
    group = "arn:aws:logs:us-east-1:123456789012:log-group:g"
    assert (
        decision([allow, deny], "logs:PutRetentionPolicy", group, {}) == "allowed"
    )  # no tag: the Deny's key is absent
    exempt = {"aws:ResourceTag/ecoguard:exempt": ["TRUE"]}
    assert decision([allow, deny], "logs:PutRetentionPolicy", group, exempt) == "explicitDeny"
    assert decision([allow], "logs:DeleteRetentionPolicy", group, {}) == "implicitDeny"
    odd = {**deny, "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}
    with pytest.raises(NotImplementedError):
        decision([odd], "logs:PutRetentionPolicy", group, {"aws:CurrentTime": ["2026-01-01T00:00:00Z"]})


def test_a_stack_that_does_not_exist_is_said_in_one_line_with_exit_1(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(boto3.session, "Session", lambda: doctor.session)
    assert main(["doctor", "--stack", "no-such-stack"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "no stack no-such-stack in us-east-1" in line and "--region" in line


SCALE_FROM_ZERO = "scale from zero (async endpoints, inference components)"


def test_an_async_endpoint_without_a_step_policy_on_its_backlog_warns_and_with_one_passes(doctor: Doctor) -> None:
    # moto_step_policy_lists_no_alarms (tools/simulator/autoscaling_shim.py): AWS lists the alarms that invoke a
    # step policy. ListInferenceComponents is answered (none) by the `aws` fixture's inference_components_shim,
    # as AWS answers it for an endpoint without components.
    with autoscaled_endpoint_shims():
        create_endpoint(EndpointSeed("doctor-async", timedelta(days=3), asynchronous=True))
        create_endpoint(EndpointSeed("doctor-realtime", timedelta(days=3)))  # not asynchronous: not checked
        autoscale("doctor-async", minimum=1, maximum=2)  # a registered target, target tracking alone
        row = doctor.row(SCALE_FROM_ZERO)
        assert row.result is Status.WARN
        assert "1 of 1 could not scale out from zero" in row.detail
        assert (
            f"endpoint/doctor-async/variant/AllTraffic: no step scaling policy on a CloudWatch alarm of {ASYNC_METRIC}"
            in row.detail
        )
        assert "doctor-realtime" not in row.detail

        autoscale("doctor-async", minimum=1, maximum=2, from_zero_alarm="ApproximateBacklogSizePerInstance")
        assert doctor.row(SCALE_FROM_ZERO).result is Status.WARN, "a step policy on another metric does not do"

        autoscale("doctor-async", minimum=1, maximum=2, from_zero_alarm=ASYNC_METRIC)
        row = doctor.row(SCALE_FROM_ZERO)
    assert (row.result, row.detail) == (
        Status.OK,
        "all 1 can scale out from zero: the idle-endpoint guardrail may scale them in",
    )
    assert {"DescribeScalingPolicies", "DescribeAlarms", "ListInferenceComponents"} <= set(doctor.operations)


def test_an_inference_component_without_a_step_policy_on_no_capacity_failures_warns(doctor: Doctor) -> None:
    # moto_has_no_inference_components, and moto's Application Auto Scaling rejects the component dimension:
    # the doctor's session is answered as AWS answers for one component with no scaling policy.
    create_endpoint(EndpointSeed("doctor-components", timedelta(days=3)))
    answered: list[str] = []

    def reply(body: dict[str, Any]) -> Any:
        def hook(params: dict[str, Any], model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            text = params["body"].decode() if isinstance(params["body"], bytes) else str(params["body"])
            if model.name.startswith("DescribeScal") and "inference-component" not in text:
                return None  # endpoint variants: moto answers
            answered.append(model.name)
            return AWSResponse("", 200, HTTPHeaders(), None), body

        return hook

    events = doctor.session.events
    events.register(
        "before-call.sagemaker.ListInferenceComponents",
        reply({"InferenceComponents": [component_summary("doctor-ic", "doctor-components")]}),
    )
    events.register(
        "before-call.sagemaker.DescribeInferenceComponent",
        reply(described_component("doctor-ic", "doctor-components")),
    )
    events.register("before-call.application-auto-scaling.DescribeScalableTargets", reply({"ScalableTargets": []}))
    events.register("before-call.application-auto-scaling.DescribeScalingPolicies", reply({"ScalingPolicies": []}))
    row = doctor.row(SCALE_FROM_ZERO)
    assert row.result is Status.WARN
    assert (
        f"inference-component/doctor-ic: no step scaling policy on a CloudWatch alarm of {COMPONENT_METRIC}"
        in row.detail
    )
    assert {"ListInferenceComponents", "DescribeInferenceComponent", "DescribeScalingPolicies"} <= set(answered)


def test_a_log_retention_function_whose_sdk_said_it_lacks_retention_policy_name_fails_its_sdk_features_row(
    doctor: Doctor,
) -> None:
    # The line LogRetentionFunction logs once per run on such a runtime (tests/functional/
    # test_log_retention_older_sdk.py), in its own log group, read with FilterLogEvents.
    logs = boto3.client("logs")
    config = boto3.client("lambda").get_function_configuration(FunctionName=f"{STACK}-log-retention")
    group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{STACK}-log-retention"
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/07/[$LATEST]abc")
    said = "not supported by this runtime's SDK: account-policy: LogGroup.retentionPolicyName"
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/12/07/[$LATEST]abc",
        logEvents=[
            {"timestamp": int(time.time() * 1000), "message": json.dumps({"level": "WARNING", "message": said})}
        ],
    )
    row = doctor.row("SDK features: LogRetentionFunction")
    assert row.result is Status.FAIL and "retentionPolicyName" in row.detail
    assert doctor.row("SDK features: IdleComputeFunction").result is Status.OK
