"""Advice only, never acted on. Part of idle-compute.

- HyperPod: one finding per cluster, with its instance groups, counts, instance types and a monthly estimate.
  A cluster is orchestrated by Slurm or Amazon EKS, and its node and task utilization is observed inside it
  (Developer Guide, "Cluster and task observability": Prometheus and Grafana); the SageMaker API shows only
  instance groups and counts (DescribeCluster, ListClusterNodes). Idle nodes are not visible to ecoguard, so it
  does not act on them: scaling a group down (UpdateCluster, BatchDeleteClusterNodes) could end a job. Every group
  counts: ``InstanceGroups`` and ``RestrictedInstanceGroups`` (DescribeCluster), and a flexible group defined
  by ``InstanceRequirements`` counts its instances per type from ``InstanceTypeDetails`` (SageMaker API
  reference, ClusterInstanceGroupDetails).
  A group on a training plan (``TrainingPlanArn``) gets no scale-down advice and no estimate of what scaling it
  down would avoid: the plan's capacity is paid upfront (CreateTrainingPlan), so fewer nodes save nothing. The
  finding names the plan instead, and what helps: using its reserved hours (ReservedCapacityFunction notices
  them before the plan ends).
- Elastic Inference: an endpoint configuration or notebook instance still naming an ``ml.eia*`` accelerator.
  Amazon Elastic Inference is no longer available (AWS CLI Command Reference, elastic-inference: "Amazon
  Elastic Inference is no longer available"; new customers could not launch EI accelerators in SageMaker
  after April 15, 2023), so that configuration is dead.
"""

from __future__ import annotations

from dataclasses import replace

from ecoguard.decisions import Finding, Plan
from ecoguard.guardrails.idle_compute import GUARDRAIL, AcceleratorHolder, Cluster
from ecoguard.impact import fleet_estimate, region_of
from ecoguard.policy import AdvisoryPolicy

HYPERPOD = "hyperpod-cluster"
ELASTIC_INFERENCE = "elastic-inference-accelerator"
EIA_PREFIX = "ml.eia"
HOURS_PER_MONTH = 730.0  # 365 x 24 / 12


def plan_name(arn: str) -> str:
    """A training plan's name, from its ARN (``arn:...:training-plan/<name>``)."""
    return arn.rsplit("/", 1)[-1]


def plan_cluster(cluster: Cluster, policy: AdvisoryPolicy) -> Plan:
    if not policy.enabled:
        return Plan()
    on_demand = [g for g in cluster.groups if g.training_plan is None]
    on_plans = [g for g in cluster.groups if g.training_plan is not None]
    parts = [part for g in on_demand for part in g.parts()]
    impact = None
    if parts or not on_plans:
        estimate = fleet_estimate(
            parts, hours=HOURS_PER_MONTH, region=region_of(cluster.arn), utilization_pct=None, period="per month"
        )
        # HyperPod bills its own per-instance rates; the sourced price table is SageMaker's on-demand one.
        unknown = (*estimate.unknown, "no sourced HyperPod price per instance type")
        impact = replace(estimate, usd=None, unknown=unknown).to_dict()
    groups = [
        {
            "name": g.name,
            "instance_type": g.instance_type,
            "count": g.current_count,
            "target": g.target_count,
            **({"by_type": [list(p) for p in g.by_type]} if g.by_type else {}),
            **({"restricted": True} if g.restricted else {}),
            **({"training_plan": g.training_plan} if g.training_plan else {}),
        }
        for g in cluster.groups
    ]
    nodes = sum(g.current_count for g in cluster.groups)
    summary = ", ".join(f"{g.name}: {g.current_count} x {g.instance_type}" for g in cluster.groups) or "no groups"
    said = [f"HyperPod cluster ({cluster.status}) with {nodes} node(s): {summary}"]
    if on_demand or not on_plans:
        review = (
            "review its utilization there"
            if not on_plans
            else (f"review the utilization of {', '.join(g.name for g in on_demand)} there")
        )
        said.append(
            "Idle nodes are visible only inside the cluster (Slurm or EKS), so ecoguard reports it and does not "
            f"act; {review}"
        )
    plans = sorted({g.training_plan for g in on_plans if g.training_plan})
    for arn in plans:
        names = ", ".join(g.name for g in on_plans if g.training_plan == arn)
        said.append(
            f"{names} run(s) on training plan {plan_name(arn)}, paid in advance: scaling down saves nothing, so no "
            "scale-down advice; use the plan's reserved hours before it ends"
        )
    evidence = {
        "status": cluster.status,
        "orchestrator": cluster.orchestrator or "Slurm",
        "instance_groups": groups,
        **({"training_plans": plans} if plans else {}),
    }
    return Plan((Finding(GUARDRAIL, cluster.resource, HYPERPOD, ". ".join(said), evidence, impact),))


def plan_accelerators(holder: AcceleratorHolder, policy: AdvisoryPolicy) -> Plan:
    dead = tuple(a for a in holder.accelerators if a.startswith(EIA_PREFIX))
    if not policy.enabled or not dead:
        return Plan()
    finding = Finding(
        GUARDRAIL,
        holder.resource,
        ELASTIC_INFERENCE,
        f"{holder.kind} names Elastic Inference accelerator(s) {', '.join(dead)}: Amazon Elastic Inference is no "
        "longer available; remove the accelerator (use an instance type with the accelerator built in)",
        {"kind": holder.kind, "accelerators": list(dead)},
    )
    return Plan((finding,))
