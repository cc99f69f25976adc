"""The session-level dry-run rule (tests/dry_run_writes.py) catches a governed write, and only that."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from tests.dry_run_writes import governed_writes_in_dry_run
from tools.simulator.invoke import (
    Invocation,
    Write,
    as_another_actor,
    is_write,
    recording_api_calls,
    write_target,
)

ENV = {
    "ECOGUARD_MODE": "dry-run",
    "ECOGUARD_AUDIT_TABLE": "ecoguard-audit",
    "ECOGUARD_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:ecoguard",
    "ECOGUARD_REPORT_BUCKET": "ecoguard-reports",
    "AWS_LAMBDA_FUNCTION_NAME": "ecoguard-log-retention",
}
OWN_WRITES = [
    Write("dynamodb", "PutItem", "ecoguard-audit"),
    Write("dynamodb", "UpdateItem", "ecoguard-audit"),
    Write("sns", "Publish", "arn:aws:sns:us-east-1:123456789012:ecoguard"),
    Write("lambda", "Invoke", "ecoguard-log-retention"),
    Write("s3", "PutObject", "ecoguard-reports"),
]


def invocation(*writes: Write, env: dict[str, str] | None = None, fn: str = "LogRetentionFunction") -> Invocation:
    return Invocation(fn, env or ENV, apply_requested=False, writes=list(writes))


def test_given_a_dry_run_that_writes_only_ecoguards_own_resources_then_there_is_no_violation() -> None:
    assert governed_writes_in_dry_run([invocation(*OWN_WRITES)]) == []


def test_given_a_dry_run_that_changes_a_log_group_then_the_write_is_caught() -> None:
    write = Write("logs", "PutRetentionPolicy", "/aws/lambda/echoapi")
    assert governed_writes_in_dry_run([invocation(*OWN_WRITES, write)]) == [
        "LogRetentionFunction (dry-run): logs:PutRetentionPolicy on /aws/lambda/echoapi"
    ]


def test_given_a_dry_run_that_writes_another_table_or_bucket_or_invokes_another_function_then_each_is_caught() -> None:
    writes = [
        Write("dynamodb", "PutItem", "someone-elses-table"),
        Write("s3", "PutBucketLifecycleConfiguration", "ecoguard-reports"),
        Write("s3", "PutObject", "training-data"),
        Write("lambda", "Invoke", "ecoguard-restore"),
        Write("sagemaker", "DeleteEndpoint", "MyEndpoint"),
        Write("sagemaker", "StopNotebookInstance", None),
    ]
    assert len(governed_writes_in_dry_run([invocation(*writes)])) == len(writes)


def test_given_enforce_then_writes_are_not_this_rules_business() -> None:
    enforce = {**ENV, "ECOGUARD_MODE": "enforce"}
    assert governed_writes_in_dry_run([invocation(Write("sagemaker", "DeleteEndpoint", "e"), env=enforce)]) == []


def test_given_a_restore_then_its_request_not_the_mode_decides_whether_it_is_a_preview() -> None:
    write = Write("logs", "PutRetentionPolicy", "/aws/lambda/echoapi")
    enforce = {**ENV, "ECOGUARD_MODE": "enforce"}
    preview = Invocation("RestoreFunction", enforce, apply_requested=False, writes=[write])
    applied = Invocation("RestoreFunction", ENV, apply_requested=True, writes=[write])
    assert governed_writes_in_dry_run([preview]) == [
        "RestoreFunction (dry-run): logs:PutRetentionPolicy on /aws/lambda/echoapi"
    ]
    assert governed_writes_in_dry_run([applied]) == []


def test_reads_are_not_writes_and_writes_name_their_target() -> None:
    assert not any(is_write(op) for op in ("DescribeLogGroups", "GetMetricData", "ListTags", "Query", "HeadBucket"))
    assert all(is_write(op) for op in ("PutItem", "Publish", "Invoke", "DeleteEndpoint", "AddTags", "TagResource"))
    assert write_target({"TableName": "t", "Item": {}}) == "t"
    assert write_target({"Tags": []}) is None


def test_given_a_handlers_write_then_it_is_recorded_but_another_actors_write_meanwhile_is_not() -> None:
    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(logs) as stub:
        stub.add_response("put_retention_policy", {})
        stub.add_response("delete_retention_policy", {})
        writes: list[Write] = []
        # Not a template function: the least-privilege check only compares the functions in template.yaml.
        with recording_api_calls("NotATemplateFunction", writes):
            logs.put_retention_policy(logGroupName="/aws/lambda/a", retentionInDays=30)
            with as_another_actor():
                logs.delete_retention_policy(logGroupName="/aws/lambda/a")
    assert writes == [Write("logs", "PutRetentionPolicy", "/aws/lambda/a")]


def test_given_a_dry_run_that_macs_with_the_stacks_record_key_then_it_is_own_and_any_other_key_is_caught() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1b8ca2ba-49ba-4875-9c7a-a236d3502933"
    env = {**ENV, "ECOGUARD_RECORD_KEY": key}
    assert write_target({"KeyId": key, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}) == key
    macs = [Write("kms", "VerifyMac", key), Write("kms", "GenerateMac", key)]
    assert governed_writes_in_dry_run([invocation(*macs, env=env)]) == []
    other = Write("kms", "VerifyMac", "arn:aws:kms:us-east-1:123456789012:key/another")
    grant = Write("kms", "CreateGrant", key)
    assert len(governed_writes_in_dry_run([invocation(other, grant, env=env)])) == 2
