"""Attribution for the log-group and notebook sweeps (issue 19, item 4): their tagging-API listings cover the
policy's ``report.attribution_tags`` too, one listing per distinct key after the governing ones, so a resource
tagged only ``team`` carries its tags on ``Resource.tags`` and is decided exactly as an untagged one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.adapters.logs import LOG_GROUP_TYPE, LogsAdapter
from ecoguard.adapters.sagemaker import NOTEBOOK_TYPE, SageMakerAdapter
from ecoguard.adapters.tagging import PAGE_SIZE, TaggingAdapter
from ecoguard.decisions import Resource
from ecoguard.guardrails.idle_notebook import Activity, Notebook, decide_notebook
from ecoguard.guardrails.log_retention import LogGroup, decide_retention
from ecoguard.policy import IdleNotebooksPolicy, LogRetentionPolicy, OffHours
from ecoguard.records import attributed
from tests.unit.fakes import NOW

REGION = "us-east-1"
GROUP_ARN = f"arn:aws:logs:{REGION}:123456789012:log-group:/aws/sagemaker/Endpoints/churn"
NOTEBOOK_ARN = f"arn:aws:sagemaker:{REGION}:123456789012:notebook-instance/Research-NB"


def tagging_client() -> Any:
    return boto3.client(
        "resourcegroupstaggingapi", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )


def logs_adapter(tagging: Any) -> LogsAdapter:
    logs = boto3.client("logs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return LogsAdapter(logs, TaggingAdapter(tagging))


def sagemaker_adapter(tagging: Any) -> SageMakerAdapter:
    sagemaker = boto3.client("sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return SageMakerAdapter(sagemaker, TaggingAdapter(tagging))


def listing(resource_type: str, key: str) -> dict[str, Any]:
    return {"ResourceTypeFilters": [resource_type], "TagFilters": [{"Key": key}], "ResourcesPerPage": PAGE_SIZE}


def mapping(arn: str, tags: dict[str, str]) -> dict[str, Any]:
    found = [{"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    return {"ResourceTagMappingList": found, "PaginationToken": ""}


@pytest.mark.parametrize(
    ("attribution", "keys"),
    [
        (("team", "cost-center"), ["ecoguard:exempt", "ecoguard:retention-days", "team", "cost-center"]),
        # Deduplicated, in order: a key the policy names twice, or a governing key, is listed once.
        (("team", "ecoguard:exempt", "team"), ["ecoguard:exempt", "ecoguard:retention-days", "team"]),
        ((), ["ecoguard:exempt", "ecoguard:retention-days"]),  # no attribution keys: no extra call
    ],
)
def test_log_groups_are_listed_once_per_governing_and_attribution_key(
    attribution: tuple[str, ...], keys: list[str]
) -> None:
    tagging = tagging_client()
    with Stubber(tagging) as stub:  # each expected call, in order, and no other
        for key in keys:
            stub.add_response(
                "get_resources",
                mapping(GROUP_ARN, {"team": "ml"} if key == "team" else {}),
                listing(LOG_GROUP_TYPE, key),
            )
        listed = logs_adapter(tagging).listed_tags(attribution)
        stub.assert_no_pending_responses()
    assert listed == ({GROUP_ARN: {"team": "ml"}} if "team" in attribution else {})


@pytest.mark.parametrize(
    ("attribution", "keys"),
    [
        (("team", "cost-center"), ["ecoguard:exempt", "ecoguard:idle-hours", "team", "cost-center"]),
        (("ecoguard:idle-hours", "cost-center"), ["ecoguard:exempt", "ecoguard:idle-hours", "cost-center"]),
        ((), ["ecoguard:exempt", "ecoguard:idle-hours"]),
    ],
)
def test_notebooks_are_listed_once_per_governing_and_attribution_key(
    attribution: tuple[str, ...], keys: list[str]
) -> None:
    tagging = tagging_client()
    with Stubber(tagging) as stub:
        for key in keys:
            tags = {"cost-center": "cc-7", "team": "ml"} if key == "cost-center" else {}
            stub.add_response("get_resources", mapping(NOTEBOOK_ARN, tags), listing(NOTEBOOK_TYPE, key))
        listed = sagemaker_adapter(tagging).notebook_tags(attribution)
        stub.assert_no_pending_responses()
    expected = {NOTEBOOK_ARN.lower(): {"cost-center": "cc-7", "team": "ml"}}
    assert listed == (expected if "cost-center" in attribution else {})


def test_a_resource_on_several_listings_keeps_every_tag_once() -> None:
    tagging = tagging_client()
    tags = {"ecoguard:exempt": "true", "team": "ml"}
    with Stubber(tagging) as stub:
        stub.add_response("get_resources", mapping(GROUP_ARN, tags), listing(LOG_GROUP_TYPE, "ecoguard:exempt"))
        stub.add_response("get_resources", mapping(GROUP_ARN, {}), listing(LOG_GROUP_TYPE, "ecoguard:retention-days"))
        stub.add_response("get_resources", mapping(GROUP_ARN, tags), listing(LOG_GROUP_TYPE, "team"))
        listed = logs_adapter(tagging).listed_tags(("team",))
    assert listed == {GROUP_ARN: tags}


# Listed only because of ``team``: decided exactly as a group or instance without tags (a decision's resource
# compares by ARN, name and kind; its tags only reach the record's attribution).
LOG_POLICIES = [LogRetentionPolicy(), LogRetentionPolicy(max_days=30), LogRetentionPolicy(enabled=False)]


@pytest.mark.parametrize("policy", LOG_POLICIES)
@pytest.mark.parametrize("retention", [None, 14, 3653])
def test_a_group_tagged_only_team_is_decided_as_an_untagged_one(
    policy: LogRetentionPolicy, retention: int | None
) -> None:
    group = LogGroup("/aws/sagemaker/Endpoints/churn", GROUP_ARN, retention, stored_bytes=10**9)
    tagged, untagged = decide_retention(group, {"team": "ml"}, policy), decide_retention(group, {}, policy)
    assert tagged == untagged
    if tagged is not None:
        assert attributed(tagged.resource, ("team", "cost-center")) == {"team": "ml"}


def notebook(tags: dict[str, str], config: str | None = "ecoguard-activity") -> Notebook:
    return Notebook(
        name="research-nb",
        arn=NOTEBOOK_ARN,
        status="InService",
        instance_type="ml.t3.medium",
        lifecycle_config=config,
        in_service_since=NOW - timedelta(days=1),
        tags=tags,
    )


ALWAYS_OFF = OffHours(start="00:00", end="23:59", weekends=True)


@pytest.mark.parametrize("activity", [Activity(reports=36, peak=0.0), Activity(reports=36, peak=1.0), None])
@pytest.mark.parametrize("config", ["ecoguard-activity", None])
@pytest.mark.parametrize(
    "policy",
    [
        IdleNotebooksPolicy(),
        IdleNotebooksPolicy(fallback="off-hours", off_hours=ALWAYS_OFF),
        IdleNotebooksPolicy(enabled=False),
    ],
)
def test_a_notebook_tagged_only_team_is_decided_as_an_untagged_one(
    activity: Activity | None, config: str | None, policy: IdleNotebooksPolicy
) -> None:
    configs = frozenset({"ecoguard-activity"})
    tagged = decide_notebook(notebook({"team": "ml"}, config), activity, policy, configs, NOW)
    assert tagged == decide_notebook(notebook({}, config), activity, policy, configs, NOW)
    if tagged is not None:
        assert attributed(tagged.resource, ("team", "cost-center")) == {"team": "ml"}


def test_no_attribution_keys_means_no_attribution() -> None:
    resource = Resource(GROUP_ARN, "churn", "AWS::Logs::LogGroup", tags={"team": "ml"})
    assert attributed(resource, ()) is None
