"""``ecoguard kpi-alarms``: the CloudFormation it prints for the retraining gate's KPIs."""

from __future__ import annotations

from ecoguard.policy import RetrainingGatePolicy
from ecoguard_cli.kpi_alarms import kpi_alarm_resources


def policy(**model: object) -> RetrainingGatePolicy:
    base = {
        "name": "churn",
        "endpoint": "churn-prod",
        "monitoring_schedule": "churn-model-quality",
        "kpis": [
            {"metric": "f1", "threshold": 0.8, "breach_when": "below"},
            {"metric": "rmse", "threshold": 3.5, "breach_when": "above"},
        ],
        "pipeline": {"name": "churn-retrain"},
    }
    return RetrainingGatePolicy.model_validate({"models": [{**base, **model}]})


def test_given_model_quality_kpis_then_each_gets_an_alarm_on_its_metric_with_the_policys_direction() -> None:
    resources, notes = kpi_alarm_resources(policy(), period=86400)
    assert notes == []
    f1 = resources["ChurnF1KpiAlarm"]["Properties"]
    assert (f1["Namespace"], f1["MetricName"], f1["Threshold"]) == ("aws/sagemaker/Endpoints/model-metrics", "f1", 0.8)
    assert f1["Dimensions"] == [
        {"Name": "Endpoint", "Value": "churn-prod"},
        {"Name": "MonitoringSchedule", "Value": "churn-model-quality"},
    ]
    assert f1["ComparisonOperator"] == "LessThanThreshold" and f1["Period"] == 86400
    assert resources["ChurnRmseKpiAlarm"]["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"


def test_given_a_drift_kpi_or_a_model_without_a_schedule_then_no_alarm_and_a_note_says_why() -> None:
    drift = {
        "metric": "feature_baseline_drift_tenure",
        "namespace": "aws/sagemaker/Endpoints/data-metrics",
        "threshold": 0.2,
        "breach_when": "above",
    }
    resources, notes = kpi_alarm_resources(policy(kpis=[drift]))
    assert resources == {} and "data-quality schedule" in notes[0]
    resources, notes = kpi_alarm_resources(policy(monitoring_schedule=None))
    assert resources == {} and len(notes) == 2 and "needs both endpoint and monitoring_schedule" in notes[0]
