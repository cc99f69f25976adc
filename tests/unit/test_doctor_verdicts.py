"""The doctor's verdicts (ecoguard_cli/doctor/verdicts.py): what was read in, one row out. No AWS."""

from __future__ import annotations

from ecoguard_cli.doctor.model import Status
from ecoguard_cli.doctor.verdicts import (
    Simulated,
    Trail,
    abac_row,
    advanced_selectors_record_writes,
    basic_selectors_record_writes,
    botocore_version,
    exempt_deny_row,
    log_group_arn_row,
    permission_row,
    retention_policies_row,
    scale_from_zero_row,
    sdk_features_row,
    sdk_row,
    trail_row,
)

GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/a"


def test_given_every_simulated_call_allowed_then_ok_and_any_denied_one_fails_naming_it() -> None:
    allowed = [Simulated("logs:PutRetentionPolicy", GROUP, "allowed")]
    assert permission_row("LogRetentionFunction", allowed, []).result is Status.OK
    denied = [*allowed, Simulated("logs:DescribeLogGroups", "*", "implicitDeny")]
    row = permission_row("LogRetentionFunction", denied, [])
    assert row.result is Status.FAIL
    assert "logs:DescribeLogGroups on * (implicitDeny)" in row.detail


def test_given_a_call_without_a_sample_resource_then_unknown_not_ok() -> None:
    row = permission_row("X", [Simulated("a:B", "*", "allowed")], ["sagemaker:NewCall"])
    assert (row.result, "sagemaker:NewCall" in row.detail) == (Status.UNKNOWN, True)


def test_given_tagging_arns_without_the_star_suffix_that_match_describe_log_groups_then_ok() -> None:
    assert log_group_arn_row([GROUP], {"/aws/sagemaker/Endpoints/a": GROUP}).result is Status.OK


def test_given_tagging_arns_ending_in_colon_star_then_fail() -> None:
    row = log_group_arn_row([GROUP + ":*"], {})
    assert row.result is Status.FAIL
    assert GROUP + ":*" in row.detail


def test_given_a_tagging_arn_describe_log_groups_names_differently_then_fail() -> None:
    other = GROUP.replace("us-east-1", "eu-west-1")
    assert log_group_arn_row([GROUP], {"/aws/sagemaker/Endpoints/a": other}).result is Status.FAIL


def test_given_no_tagged_log_group_then_unknown_with_what_to_do() -> None:
    row = log_group_arn_row([], {})
    assert row.result is Status.UNKNOWN
    assert "tag one log group" in row.todo


def test_abac_off_on_any_bucket_warns_naming_it_and_all_on_is_ok() -> None:
    assert abac_row({"a": "Enabled", "b": "Enabled"}).result is Status.OK
    row = abac_row({"a": "Enabled", "b": "Disabled"})
    assert (row.result, "b" in row.detail, "PutBucketAbac" in row.todo) == (Status.WARN, True, True)
    assert abac_row({"a": "Enabled", "b": None}).result is Status.UNKNOWN
    assert "the first 2 buckets only" in abac_row({"a": "Enabled", "b": "Enabled"}, more=True).detail


def test_account_retention_policies_warn_none_is_ok_and_an_sdk_without_the_type_is_unknown() -> None:
    assert retention_policies_row([]).result is Status.OK
    assert retention_policies_row([{"policyName": "org-30-days"}]).result is Status.WARN
    assert retention_policies_row(None).result is Status.UNKNOWN


def test_a_logging_trail_with_write_management_events_is_ok_else_fail() -> None:
    assert trail_row([Trail("org", True, True)]).result is Status.OK
    assert trail_row([Trail("org", False, True)]).result is Status.FAIL
    assert trail_row([Trail("data-only", True, False)]).result is Status.FAIL
    assert trail_row([]).result is Status.FAIL
    assert trail_row([Trail("org", None, True)]).result is Status.UNKNOWN


def test_basic_selectors_record_writes_unless_read_only_or_management_events_excluded() -> None:
    assert basic_selectors_record_writes([{"ReadWriteType": "All", "IncludeManagementEvents": True}])
    assert basic_selectors_record_writes([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    assert not basic_selectors_record_writes([{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    assert not basic_selectors_record_writes([{"ReadWriteType": "All", "IncludeManagementEvents": False}])


def test_advanced_selectors_record_writes_on_management_unless_read_only() -> None:
    management = {"Field": "eventCategory", "Equals": ["Management"]}
    assert advanced_selectors_record_writes([{"FieldSelectors": [management]}])
    assert advanced_selectors_record_writes(
        [{"FieldSelectors": [management, {"Field": "readOnly", "Equals": ["false"]}]}]
    )
    assert not advanced_selectors_record_writes(
        [{"FieldSelectors": [management, {"Field": "readOnly", "Equals": ["true"]}]}]
    )
    assert not advanced_selectors_record_writes([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}])


def test_the_layers_botocore_version_decides_and_without_one_the_row_says_it_cannot_be_known() -> None:
    assert botocore_version("ecoguard, boto3==1.44.8 botocore==1.44.8") == (1, 44, 8)
    assert botocore_version("The ecoguard package") is None
    assert sdk_row(["F"], "python3.12", (1, 44, 8)).result is Status.OK
    old = sdk_row(["F"], "python3.12", (1, 35, 35))
    assert (old.result, "BucketRegion" in old.detail) == (Status.FAIL, True)
    unknown = sdk_row(["F"], "python3.12", None)
    assert (unknown.result, "without invoking" in unknown.detail) == (Status.UNKNOWN, True)
    assert sdk_row(["F"], "python3.9", (1, 44, 8)).result is Status.FAIL


def test_the_exempt_deny_holds_only_if_every_write_is_explicitly_denied() -> None:
    held = [Simulated("logs:PutRetentionPolicy", GROUP, "explicitDeny")]
    assert exempt_deny_row("LogRetentionFunction", held).result is Status.OK
    row = exempt_deny_row("LogRetentionFunction", [*held, Simulated("logs:DeleteRetentionPolicy", GROUP, "allowed")])
    assert (row.result, "logs:DeleteRetentionPolicy (allowed)" in row.detail) == (Status.FAIL, True)
    s3 = exempt_deny_row("StorageLifecycleFunction", [Simulated("s3:PutLifecycleConfiguration", "b", "explicitDeny")])
    assert "ABAC" in s3.detail


def test_no_async_endpoint_or_inference_component_is_ok_and_says_so() -> None:
    row = scale_from_zero_row(0, [])
    assert (row.result, row.detail) == (Status.OK, "no asynchronous endpoint or inference component in this region")


def test_every_scalable_able_to_scale_out_from_zero_is_ok_with_the_count() -> None:
    row = scale_from_zero_row(3, [])
    assert row.result is Status.OK
    assert row.detail.startswith("all 3 can scale out from zero")


def test_a_scalable_without_a_scale_from_zero_policy_warns_naming_it_and_says_what_to_add() -> None:
    gap = "endpoint/a/variant/AllTraffic: no step scaling policy on a CloudWatch alarm of HasBacklogWithoutCapacity"
    row = scale_from_zero_row(2, [gap])
    assert row.result is Status.WARN  # the guardrail only reports it: nothing breaks, a saving is missed
    assert "1 of 2 could not scale out from zero" in row.detail and gap in row.detail
    assert "HasBacklogWithoutCapacity" in row.todo and "NoCapacityInvocationFailures" in row.todo


def test_many_scalables_without_a_policy_are_shortlisted() -> None:
    gaps = [f"inference-component/c{i}: no step scaling policy" for i in range(7)]
    row = scale_from_zero_row(7, gaps)
    assert row.result is Status.WARN
    assert "7 of 7" in row.detail and "c4" in row.detail and "c5" not in row.detail and "and 2 more" in row.detail


def test_given_a_function_that_said_its_sdk_lacks_a_member_then_fail_quoting_it_and_unknown_without_logs() -> None:
    needs = ["tracking-server: DescribeMlflowTrackingServerResponse.IsActive"]
    said = ["not supported by this runtime's SDK: tracking-server: DescribeMlflowTrackingServerResponse.IsActive"]
    failed = sdk_features_row("IdleComputeFunction", needs, said)
    assert failed.result is Status.FAIL and "IsActive" in failed.detail and failed.todo
    assert sdk_features_row("IdleComputeFunction", needs, []).result is Status.OK
    unread = sdk_features_row("IdleComputeFunction", needs, None)
    assert unread.result is Status.UNKNOWN and "IsActive" in unread.detail
