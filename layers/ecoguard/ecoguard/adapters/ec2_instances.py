"""EC2 instances and instance types, for the ec2-accelerators guardrail.

- DescribeInstances pages (``MaxResults`` 5 to 1000, not with ``InstanceIds``: EC2 API Reference) are filtered
  by ``instance-state-name=running``. AWS applies filters after it cuts a page ("Query API pagination"), so a page
  may hold no instance and still carry a ``NextToken``: the listing goes on until no token is returned.
- DescribeInstanceTypes takes at most 100 types a call (botocore's model, RequestInstanceTypeList); each type is
  read once per process (a type's description does not change).
- DescribeInstanceAttribute ``disableApiStop``: whether StopInstances would be refused.
- StopInstances / StartInstances: one instance each. Both are idempotent for an instance already in (or on its
  way to) the state asked for: they answer its current and previous state (EC2 API Reference, examples).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from ecoguard.adapters.sdk_support import accepts
from ecoguard.errors import calling
from ecoguard.guardrails.accelerator_impact import AcceleratorType
from ecoguard.guardrails.ec2_accelerators import Instance
from ecoguard.paging import Page

PAGE_SIZE = 1000  # DescribeInstances MaxResults: at most 1000
TYPES_PER_CALL = 100  # DescribeInstanceTypes InstanceTypes: at most 100
RUNNING = [{"Name": "instance-state-name", "Values": ["running"]}]


def accelerator_type(described: Mapping[str, Any]) -> AcceleratorType:
    """One DescribeInstanceTypes entry as the guardrail reads it."""
    gpus = described.get("GpuInfo", {}).get("Gpus", [])
    neurons = described.get("NeuronInfo", {}).get("NeuronDevices", [])
    inference = described.get("InferenceAcceleratorInfo", {}).get("Accelerators", [])

    def named(items: list[Any], with_maker: bool) -> str | None:
        if not items:
            return None
        first = items[0]
        return f"{first.get('Manufacturer', '')} {first.get('Name', '')}".strip() if with_maker else first.get("Name")

    storage = described.get("InstanceStorageInfo", {}).get("TotalSizeInGB")
    return AcceleratorType(
        name=described["InstanceType"],
        vcpu=int(described.get("VCpuInfo", {}).get("DefaultVCpus", 0)),
        memory_mib=int(described.get("MemoryInfo", {}).get("SizeInMiB", 0)),
        gpus=sum(int(g.get("Count", 0)) for g in gpus),
        gpu_model=named(gpus, True),
        neuron_devices=sum(int(n.get("Count", 0)) for n in neurons),
        neuron_model=named(neurons, False),
        inference_accelerators=sum(int(a.get("Count", 0)) for a in inference),
        inference_model=named(inference, True),
        instance_storage_gb=int(storage) if storage else None,
    )


class Ec2InstancesAdapter:
    def __init__(self, ec2: Any) -> None:  # an EC2 client (no type stubs are installed for EC2)
        self._ec2 = ec2
        self._types: dict[str, AcceleratorType | None] = {}
        # IncludeManagedResources is newer than some runtimes' botocore, which would refuse the call
        # (ParamValidationError); without it, the instances an AWS service hides are not listed, so not touched.
        managed = accepts(ec2, "DescribeInstances", "IncludeManagedResources")
        self._managed: dict[str, Any] = {"IncludeManagedResources": True} if managed else {}

    def _arn(self, owner: str, instance_id: str) -> str:
        meta = self._ec2.meta
        return f"arn:{meta.partition}:ec2:{meta.region_name}:{owner}:instance/{instance_id}"

    def _instance(self, owner: str, described: Mapping[str, Any]) -> Instance:
        operator = described.get("Operator", {})
        launched = described["LaunchTime"]
        return Instance(
            instance_id=described["InstanceId"],
            arn=self._arn(owner, described["InstanceId"]),
            instance_type=described["InstanceType"],
            state=described.get("State", {}).get("Name", "unknown"),
            launch_time=launched if isinstance(launched, datetime) else datetime.fromisoformat(str(launched)),
            root_device_type=described.get("RootDeviceType", "unknown"),
            lifecycle=described.get("InstanceLifecycle"),
            operator=(operator.get("Principal") or "an AWS service") if operator.get("Managed") else None,
            tags={t["Key"]: t.get("Value", "") for t in described.get("Tags", [])},
        )

    def instance_page(self, token: str | None) -> Page[Instance]:
        """One page of running instances (``IncludeManagedResources``: instances an AWS service manages too,
        which it otherwise hides, so that they are reported rather than missed)."""
        kwargs: dict[str, Any] = {"Filters": RUNNING, "MaxResults": PAGE_SIZE, **self._managed}
        if token:
            kwargs["NextToken"] = token
        response = calling(self._ec2.describe_instances, **kwargs)
        items = [
            self._instance(reservation.get("OwnerId", ""), described)
            for reservation in response.get("Reservations", [])
            for described in reservation.get("Instances", [])
        ]
        return Page(items, response.get("NextToken") or None)

    def instance(self, instance_id: str) -> Instance | None:
        """The instance as it is now; None when EC2 no longer lists it."""
        response = calling(self._ec2.describe_instances, InstanceIds=[instance_id], **self._managed)
        for reservation in response.get("Reservations", []):
            for described in reservation.get("Instances", []):
                if described.get("InstanceId") == instance_id:
                    return self._instance(reservation.get("OwnerId", ""), described)
        return None

    def with_stop_protection(self, instance: Instance) -> Instance:
        """``instance`` with its ``DisableApiStop`` as DescribeInstanceAttribute answers it now."""
        answer = calling(
            self._ec2.describe_instance_attribute, InstanceId=instance.instance_id, Attribute="disableApiStop"
        )
        protected = bool(answer.get("DisableApiStop", {}).get("Value", False))
        return replace(instance, disable_api_stop=protected)

    def state(self, instance_id: str) -> str | None:
        response = calling(self._ec2.describe_instances, InstanceIds=[instance_id], **self._managed)
        for reservation in response.get("Reservations", []):
            for described in reservation.get("Instances", []):
                return str(described.get("State", {}).get("Name", "unknown"))
        return None

    def instance_types(self, names: Collection[str]) -> dict[str, AcceleratorType | None]:
        """Each type's description (None: EC2 does not describe it), read once per process."""
        missing = sorted({n for n in names if n not in self._types})
        for start in range(0, len(missing), TYPES_PER_CALL):
            batch = missing[start : start + TYPES_PER_CALL]
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {"InstanceTypes": batch}
                if token:
                    kwargs["NextToken"] = token
                response = calling(self._ec2.describe_instance_types, **kwargs)
                for described in response.get("InstanceTypes", []):
                    self._types[described["InstanceType"]] = accelerator_type(described)
                token = response.get("NextToken") or None
                if token is None:
                    break
            for name in batch:
                self._types.setdefault(name, None)
        return {n: self._types.get(n) for n in names}

    def stop(self, instance_id: str) -> None:
        calling(self._ec2.stop_instances, InstanceIds=[instance_id])

    def start(self, instance_id: str) -> None:
        calling(self._ec2.start_instances, InstanceIds=[instance_id])
