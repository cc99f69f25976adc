"""Seed EC2 accelerator instances and the CloudWatch agent's GPU metrics, as the agent publishes them.

moto stamps every instance's LaunchTime "now" and has no clock to advance: ``launch`` (simulator shim
``moto_instances_launch_now``) moves it into the past through moto's backend. ``publish_gpu`` writes
``CWAgent`` ``nvidia_smi_utilization_gpu`` one datapoint a minute per GPU (the agent's default
``metrics_collection_interval``, 60 s) with the dimensions the agent gives it (``index``, ``name``, ``host``)
and ``InstanceId`` from ``append_dimensions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.ec2.models import ec2_backends

from ecoguard.guardrails.ec2_accelerators import GPU_METRIC, GPU_NAMESPACE, INSTANCE_DIMENSION
from tools.simulator.identity import ACCOUNT, REGION

MINUTE = timedelta(minutes=1)
PUT_METRIC_DATA_LIMIT = 1000  # MetricData: at most 1,000 datums per PutMetricData call (CloudWatch API reference)


def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


def launch(
    instance_type: str,
    *,
    age: timedelta,
    tags: Mapping[str, str] | None = None,
    disable_api_stop: bool = False,
) -> str:
    """A running instance of ``instance_type`` launched ``age`` ago; its id."""
    client = ec2()
    backend = ec2_backends[ACCOUNT][REGION]
    image = min(backend.amis)  # one of the images moto provides, read without a call
    kwargs: dict[str, Any] = {"ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": instance_type}
    if tags:
        kwargs["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    if disable_api_stop:
        kwargs["DisableApiStop"] = True
    instance_id = str(client.run_instances(**kwargs)["Instances"][0]["InstanceId"])
    found = backend.get_instance(instance_id)
    found.launch_time = datetime.now(UTC).replace(tzinfo=None) - age  # moto keeps naive UTC
    return instance_id


def publish_gpu(
    instance_id: str,
    minutes: Sequence[float],
    *,
    gpu: int = 0,
    name: str = "NVIDIA T4G",
    extra_every: int = 0,
) -> None:
    """One GPU's utilization, one value a minute, newest last. ``extra_every`` > 0: another writer adds a 0
    every that many minutes (PutMetricData into ``CWAgent`` is open to any principal allowed it)."""
    now = datetime.now(UTC)
    dims = [
        {"Name": INSTANCE_DIMENSION, "Value": instance_id},
        {"Name": "index", "Value": str(gpu)},
        {"Name": "name", "Value": name},
        {"Name": "host", "Value": f"ip-10-0-0-{gpu + 10}.ec2.internal"},
    ]
    data: list[Any] = []
    for i, value in enumerate(minutes):
        at = now - MINUTE * (len(minutes) - i) + timedelta(seconds=30)
        data.append({"MetricName": GPU_METRIC, "Dimensions": dims, "Timestamp": at, "Value": value, "Unit": "Percent"})
        if extra_every and i % extra_every == 0:
            forged = at + timedelta(seconds=10)
            data.append({"MetricName": GPU_METRIC, "Dimensions": dims, "Timestamp": forged, "Value": 0.0})
    cw = boto3.client("cloudwatch", region_name=REGION)
    for start in range(0, len(data), PUT_METRIC_DATA_LIMIT):
        cw.put_metric_data(Namespace=GPU_NAMESPACE, MetricData=data[start : start + PUT_METRIC_DATA_LIMIT])


def state(instance_id: str) -> str:
    described = ec2().describe_instances(InstanceIds=[instance_id])
    return str(described["Reservations"][0]["Instances"][0]["State"]["Name"])
