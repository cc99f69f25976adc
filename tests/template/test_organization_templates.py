"""Organization scale, at the template level (no network): the StackSet member template that
``make org-template`` builds, org/management.yaml, and the member side of template.yaml."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.builders.template import FUNCTIONS, RESOURCES, TEMPLATE, actions_of, matches, patterns_of
from tests.conftest import ROOT, event_files
from tests.least_privilege import expanded_policies
from tools.simulator.organization import MANAGEMENT_TEMPLATE, load_management_template
from tools.simulator.template import functions

SAM_PYTHON = Path(os.environ.get("SAM_CLI") or ROOT / ".venv-sam" / "bin" / "sam").parent / "python"
CFN_LINT = SAM_PYTHON.parent / "cfn-lint"
MEMBER_NAME = "ecoguard"  # tools/org_template.py::MEMBER_NAME
MANAGEMENT = load_management_template()
CENTRAL = functions(MANAGEMENT)
FORWARDER_RESOURCES = {
    "AuditForwarderFunction",
    "AuditForwarderFunctionLogGroup",
    "AuditForwarderErrorsAlarm",
}


def translated(*extra: str) -> dict[str, Any]:
    """template.yaml through tools/org_template.py's translation (code locations faked as `sam package`
    leaves them), in the SAM CLI's virtualenv."""
    command = [str(SAM_PYTHON), str(ROOT / "tools" / "org_template.py"), "translate", "template.yaml", "--fake-package"]
    output = subprocess.run([*command, *extra], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    result: dict[str, Any] = json.loads(output.stdout)
    return result


@pytest.fixture(scope="module")
def member() -> dict[str, Any]:
    return translated()


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CFN_LINT), str(path)], capture_output=True, text=True, check=False, timeout=300)


def normalized(value: Any) -> Any:
    """Statements as the member template holds them: ${AWS::StackName} is the fixed member name."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"].replace("${AWS::StackName}", MEMBER_NAME)
            return {"Fn::Sub": text} if "${" in text else text
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


def test_the_member_template_has_no_transform_and_no_serverless_resources(member: dict[str, Any]) -> None:
    assert "Transform" not in member
    assert not [t for t in (r["Type"] for r in member["Resources"].values()) if t.startswith("AWS::Serverless")]


@pytest.mark.template
def test_the_member_template_lints_clean(member: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "ecoguard-member.json"
    path.write_text(json.dumps(member))
    result = cfn_lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.template
def test_with_one_artifact_bucket_per_region_every_code_location_names_the_stacks_region(tmp_path: Path) -> None:
    pattern = "acme-ecoguard-artifacts-${AWS::Region}"
    regional = translated("--bucket-pattern", pattern)
    code = [
        r["Properties"]["Code" if r["Type"] == "AWS::Lambda::Function" else "Content"]
        for r in regional["Resources"].values()
        if r["Type"] in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion")
    ]
    assert len(code) == len(FUNCTIONS) + 1  # the functions and the layer
    assert all(c["S3Bucket"] == {"Fn::Sub": pattern} for c in code)
    path = tmp_path / "regional.json"
    path.write_text(json.dumps(regional))
    result = cfn_lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_member_template_keeps_every_parameter_and_condition(member: dict[str, Any]) -> None:
    assert member["Parameters"] == TEMPLATE["Parameters"]
    assert set(member["Conditions"]) == set(TEMPLATE["Conditions"])


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_member_template_keeps_every_function_with_its_runtime_and_condition(
    logical_id: str, member: dict[str, Any]
) -> None:
    function = member["Resources"][logical_id]
    assert function["Type"] == "AWS::Lambda::Function"
    assert function.get("Condition") == RESOURCES[logical_id].get("Condition")
    props = function["Properties"]
    assert (props["Runtime"], props["Architectures"], props["Handler"]) == (
        "python3.12",
        ["arm64"],
        "app.lambda_handler",
    )
    assert props["Code"]["S3Bucket"] and props["Code"]["S3Key"]
    # StackSet instances are named StackSet-<name>-<uuid>: the fixed member name keeps these within 64.
    assert isinstance(props["FunctionName"], str) and len(props["FunctionName"]) <= 64


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_member_template_keeps_every_rule_and_schedule(logical_id: str, member: dict[str, Any]) -> None:
    for source_id, source in FUNCTIONS[logical_id].events.items():
        generated = member["Resources"][f"{logical_id}{source_id}"]
        if source["Type"] == "EventBridgeRule":
            assert generated["Type"] == "AWS::Events::Rule"
            assert generated["Properties"]["EventPattern"] == source["Properties"]["Pattern"]
        elif source["Type"] == "Schedule":
            assert generated["Properties"]["ScheduleExpression"] == source["Properties"]["Schedule"]
        else:
            assert generated["Type"] == "AWS::Lambda::EventSourceMapping"
            continue
        [target] = generated["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_the_member_template_keeps_every_iam_statement_of_sams_own_expansion(member: dict[str, Any]) -> None:
    expected = expanded_policies()  # tools/sam_expand.py: template.yaml as `sam deploy` would expand it
    for logical_id, statements in expected.items():
        role = member["Resources"][logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        policies = member["Resources"][role]["Properties"]["Policies"]
        actual = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
        assert actual == normalized(statements), logical_id


def test_the_forwarder_reads_the_stream_with_partial_failures_bisection_and_the_dead_letter_queue(
    member: dict[str, Any],
) -> None:
    mapping = member["Resources"]["AuditForwarderFunctionAuditStream"]
    props = mapping["Properties"]
    assert mapping["Condition"] == "ForwardsToCentralBus"
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["AuditTable", "StreamArn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and props["BisectBatchOnFunctionError"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    role = member["Resources"]["AuditForwarderFunctionRole"]["Properties"]
    assert any(arn.endswith("/AWSLambdaDynamoDBExecutionRole") for arn in role["ManagedPolicyArns"])


# --- template.yaml: standalone unless CentralBusArn is set ---


def test_the_central_bus_parameter_defaults_to_standalone() -> None:
    parameter = TEMPLATE["Parameters"]["CentralBusArn"]
    assert parameter["Default"] == ""
    assert TEMPLATE["Conditions"]["ForwardsToCentralBus"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CentralBusArn"}, ""]}]
    }


def test_everything_forwarding_adds_exists_only_when_a_central_bus_is_given() -> None:
    conditional = {k for k, r in RESOURCES.items() if r.get("Condition") == "ForwardsToCentralBus"}
    assert conditional == FORWARDER_RESOURCES
    stream = RESOURCES["AuditTable"]["Properties"]["StreamSpecification"]
    assert stream == {"Fn::If": ["ForwardsToCentralBus", {"StreamViewType": "NEW_IMAGE"}, {"Ref": "AWS::NoValue"}]}


def test_the_forwarder_may_put_events_on_the_central_bus_only() -> None:
    statements = FUNCTIONS["AuditForwarderFunction"].properties["Policies"][0]["Statement"]
    assert statements == [
        {
            "Sid": "ForwardToCentralBus",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": {"Ref": "CentralBusArn"},
        }
    ]


# --- org/management.yaml ---


@pytest.mark.template
def test_the_management_template_lints_clean() -> None:
    result = cfn_lint(MANAGEMENT_TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_central_bus_accepts_put_events_only_from_the_organization() -> None:
    policy = MANAGEMENT["Resources"]["CentralBusPolicy"]["Properties"]
    statement = policy["Statement"]
    assert policy["EventBusName"] == {"Ref": "CentralBus"}
    assert statement["Effect"] == "Allow" and statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == {"Fn::GetAtt": ["CentralBus", "Arn"]}
    # Principal "*" is safe only because of this condition: callers must belong to the organization.
    assert statement["Principal"] == "*"
    assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == {"Ref": "OrganizationId"}
    assert statement["Condition"]["StringEquals"]["events:source"] == "ecoguard"
    assert set(statement["Condition"]) == {"StringEquals"}
    assert MANAGEMENT["Parameters"]["OrganizationId"]["AllowedPattern"] == "^o-[a-z0-9]{10,32}$"


def test_the_stackset_is_service_managed_auto_deployed_to_the_target_ous_and_regions() -> None:
    props = MANAGEMENT["Resources"]["MemberStackSet"]["Properties"]
    assert props["PermissionModel"] == "SERVICE_MANAGED" and props["AutoDeployment"]["Enabled"] is True
    [group] = props["StackInstancesGroup"]
    assert group["DeploymentTargets"]["OrganizationalUnitIds"] == {"Ref": "TargetOrganizationalUnitIds"}
    assert group["Regions"] == {"Ref": "TargetRegions"}
    assert props["TemplateURL"] == {"Ref": "MemberTemplateURL"}
    assert props["OperationPreferences"] == {
        "FailureTolerancePercentage": {"Ref": "FailureTolerancePercentage"},
        "MaxConcurrentPercentage": {"Ref": "MaxConcurrentPercentage"},
        "RegionConcurrencyType": {"Ref": "RegionConcurrencyType"},
    }
    assert "CAPABILITY_AUTO_EXPAND" not in props["Capabilities"]  # no macro in the member template


def test_every_member_parameter_is_a_stackset_parameter_with_the_same_default_and_constraints() -> None:
    passed = {
        p["ParameterKey"]: p["ParameterValue"]
        for p in MANAGEMENT["Resources"]["MemberStackSet"]["Properties"]["Parameters"]
    }
    assert set(passed) == set(TEMPLATE["Parameters"])
    assert passed.pop("CentralBusArn") == {"Fn::GetAtt": ["CentralBus", "Arn"]}
    for name, value in passed.items():
        assert value == {"Ref": name}
        mine, theirs = MANAGEMENT["Parameters"][name], TEMPLATE["Parameters"][name]
        for key in ("Type", "Default", "AllowedValues", "MaxLength"):
            assert mine.get(key) == theirs.get(key), (name, key)
    assert MANAGEMENT["Parameters"]["Mode"]["Default"] == "dry-run"


def test_the_central_table_is_keyed_for_idempotent_writes_and_retained() -> None:
    table = MANAGEMENT["Resources"]["CentralAuditTable"]
    assert table["DeletionPolicy"] == "Retain"
    assert [k["AttributeName"] for k in table["Properties"]["KeySchema"]] == ["pk", "sk"]


def central_events() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in event_files() if p.parent.name == "central_ingest"]


def test_the_central_rule_is_on_the_central_bus_and_matches_audit_events_only() -> None:
    [source] = CENTRAL["CentralIngestFunction"].events.values()
    assert source["Properties"]["EventBusName"] == {"Ref": "CentralBus"}
    pattern = source["Properties"]["Pattern"]
    assert central_events() and all(matches(pattern, e) for e in central_events())
    for path in event_files():
        event = json.loads(path.read_text())
        if "detail-type" in event and path.parent.name != "central_ingest":
            assert not matches(pattern, event), path


def test_undeliverable_audit_events_go_to_the_watched_central_dead_letter_queue() -> None:
    [source] = CENTRAL["CentralIngestFunction"].events.values()
    assert source["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["CentralDeadLetterQueue", "Arn"]}}
    [statement] = MANAGEMENT["Resources"]["CentralDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    alarm = MANAGEMENT["Resources"]["CentralFunctionsErrorsAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["CentralDeadLetterQueue", "QueueName"]}


def test_the_dead_letter_alarm_tells_someone_through_an_encrypted_topic() -> None:
    resources = MANAGEMENT["Resources"]
    assert resources["CentralFunctionsErrorsAlarm"]["Properties"]["AlarmActions"] == [{"Ref": "CentralAlarmTopic"}]
    assert resources["CentralAlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "CentralAlarmKey"}
    [publish] = resources["CentralAlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert resources["CentralAlarmSubscription"]["Condition"] == "HasCentralAlarmEmail"


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        ("arn:aws:events:us-east-1:999988887777:event-bus/ecoguard-org-central", True),
        ("arn:aws-cn:events:cn-north-1:999988887777:event-bus/central", True),
        ("arn:aws:events:us-east-1:9999:event-bus/central", False),
        ("arn:aws:sqs:us-east-1:999988887777:queue", False),
        ("ecoguard-org-central", False),
    ],
)
def test_the_central_bus_parameter_accepts_only_an_event_bus_arn_or_nothing(value: str, accepted: bool) -> None:
    pattern = TEMPLATE["Parameters"]["CentralBusArn"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is accepted


def test_no_member_function_is_routed_an_audit_event() -> None:
    for logical_id in FUNCTIONS:
        for event in central_events():
            assert not any(matches(p, event) for p in patterns_of(logical_id)), logical_id


@pytest.mark.parametrize("logical_id", sorted(CENTRAL))
def test_every_central_function_has_its_log_group_and_scoped_permissions(logical_id: str) -> None:
    props = CENTRAL[logical_id].properties
    group = MANAGEMENT["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for statement in props["Policies"][0]["Statement"]:
        assert all("*" not in a for a in actions_of(statement)) and statement["Resource"] != "*"
    assert (ROOT / CENTRAL[logical_id].code_uri / "app.py").is_file()
