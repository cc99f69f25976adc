"""The demo account's cost-allocation tags: the team each seeded resource is charged to (``make demo``).

Applied after the scenes seed their resources, so the seeds the tests share stay as they are. The report
attributes what ecoguard avoided by these values, captured into each audit record when ecoguard decides.
"""

from __future__ import annotations

import boto3

from tools.simulator.identity import ACCOUNT, REGION

TAG = "team"
LOG_GROUP_TEAMS = (("/aws/sagemaker/TrainingJobs/", "research"), ("/aws/lambda/etl-step-", "data-platform"))
ENDPOINT_TEAMS = {
    "fraud-busy": "risk",
    "churn-idle": "growth",
    "llm-new": "nlp",
    "ocr-serverless": "vision",
    "batch-async": "risk",
    "legal-exempt": "legal",
}
NOTEBOOK_TEAMS = {"research-busy": "research", "research-idle": "research", "legacy-no-lifecycle": "growth"}


def tag_demo_teams(region: str = REGION) -> int:
    """Tag the seeded log groups, endpoints and notebook instances with their team; the number tagged."""
    logs, sagemaker = boto3.client("logs", region_name=region), boto3.client("sagemaker", region_name=region)
    tagged = 0
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            team = next((t for prefix, t in LOG_GROUP_TEAMS if group["logGroupName"].startswith(prefix)), None)
            if team:
                logs.tag_resource(resourceArn=group["arn"].removesuffix(":*"), tags={TAG: team})
                tagged += 1
    for kind, teams in (("endpoint", ENDPOINT_TEAMS), ("notebook-instance", NOTEBOOK_TEAMS)):
        for name, team in teams.items():
            arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{name}"
            try:
                sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": TAG, "Value": team}])
            except sagemaker.exceptions.ClientError:
                continue  # not seeded by this run's scenes
            tagged += 1
    return tagged
