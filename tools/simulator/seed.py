"""Seed a simulated account like a real ML team's: many SageMaker and Lambda log groups,
some with a retention already, some exempt, some out of scope."""

from __future__ import annotations

import boto3

from tools.simulator.identity import REGION

# (name, retention or None, tags)
LOG_GROUPS: list[tuple[str, int | None, dict[str, str]]] = [
    ("/aws/sagemaker/TrainingJobs", None, {}),
    ("/aws/sagemaker/ProcessingJobs", None, {}),
    ("/aws/sagemaker/TransformJobs", None, {}),
    ("/aws/sagemaker/NotebookInstances", None, {}),
    ("/aws/sagemaker/studio", None, {}),
    ("/aws/sagemaker/InferenceRecommendationsJobs", 14, {}),
    ("/aws/sagemaker/Endpoints/churn-xgboost-prod", 90, {"team": "growth"}),
    ("/aws/sagemaker/Endpoints/churn-xgboost-staging", None, {"team": "growth"}),
    ("/aws/sagemaker/Endpoints/fraud-detector-prod", 3653, {"compliance": "pci"}),
    ("/aws/sagemaker/Endpoints/fraud-detector-shadow", None, {"ecoguard:exempt": "true"}),
    ("/aws/sagemaker/Endpoints/llm-summariser", None, {}),
    ("/aws/sagemaker/Endpoints/image-embedder", None, {"ecoguard:retention-days": "7"}),
    ("/aws/sagemaker/Endpoints/recsys-two-tower", None, {"ecoguard:retention-days": "31"}),
    ("/aws/sagemaker/Endpoints/forecast-deepar", 30, {}),
    ("/aws/sagemaker/Clusters/hyperpod-research", None, {"ecoguard:exempt": "TRUE"}),
    ("/aws/lambda/feature-pipeline-ingest", None, {}),
    ("/aws/lambda/feature-pipeline-validate", None, {}),
    ("/aws/lambda/model-registry-notifier", 7, {}),
    ("/aws/lambda/batch-scoring-trigger", None, {}),
    ("/aws/lambda/label-studio-webhook", 365, {}),
    ("/aws/lambda/drift-report-mailer", None, {"owner": "mlops"}),
    ("/aws/lambda/legal-hold-exporter", None, {"ecoguard:exempt": "true"}),
    # The group named in events/log_retention/cloudtrail-createloggroup.json.
    ("/aws/lambda/echoapi", None, {}),
    ("/ecs/annotation-ui", None, {}),
    ("/aws/apigateway/inference-gateway", None, {}),
    ("/aws/codebuild/model-image-build", None, {}),
]
# Plus a fleet of per-job training and endpoint groups, to make the sweep page.
for n in range(1, 41):
    LOG_GROUPS.append((f"/aws/sagemaker/TrainingJobs/exp-{n:03d}", 30 if n % 4 == 0 else None, {}))
for n in range(1, 21):
    LOG_GROUPS.append((f"/aws/lambda/etl-step-{n:02d}", 14 if n % 5 == 0 else None, {}))


def seed_log_groups(region: str = REGION) -> int:
    logs = boto3.client("logs", region_name=region)
    for name, retention, tags in LOG_GROUPS:
        if tags:
            logs.create_log_group(logGroupName=name, tags=tags)
        else:
            logs.create_log_group(logGroupName=name)
        if retention is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    return len(LOG_GROUPS)


def retention_snapshot(region: str = REGION) -> dict[str, int | None]:
    logs = boto3.client("logs", region_name=region)
    snapshot: dict[str, int | None] = {}
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            snapshot[group["logGroupName"]] = group.get("retentionInDays")
    return snapshot
