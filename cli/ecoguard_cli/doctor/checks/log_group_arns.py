"""The tagging API names log groups as the log-retention sweep matches them: arn:...:log-group:NAME, the
``logGroupArn`` of DescribeLogGroups, without the ``:*`` its older ``arn`` field ends with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import log_group_arn_row

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment

SAMPLED = 20  # log groups compared with DescribeLogGroups (one call each)


@check("log-group ARNs", order=20)
def tagging_api_log_group_arns(deployment: Deployment) -> list[Row]:
    page = deployment.tagging.get_resources(ResourceTypeFilters=["logs:log-group"], ResourcesPerPage=100)
    tagged = [str(m["ResourceARN"]) for m in page.get("ResourceTagMappingList", [])]
    described: dict[str, str] = {}
    for arn in tagged[:SAMPLED]:
        if ":log-group:" not in arn:
            continue
        name = arn.split(":log-group:", 1)[1].removesuffix(":*")
        for group in deployment.logs.describe_log_groups(logGroupNamePrefix=name, limit=5).get("logGroups", []):
            if group["logGroupName"] == name:
                described[name] = str(group.get("logGroupArn") or str(group.get("arn", "")).removesuffix(":*"))
    return [log_group_arn_row(tagged, described)]
