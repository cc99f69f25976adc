"""SageMaker endpoints as the serving advisor sees them: configuration, model container, data capture, VPC,
and what else "Serverless Inference" excludes: DescribeModel's ``EnableNetworkIsolation``, ``Containers`` (an
inference pipeline has several), a container's ``ModelPackageName`` (a Marketplace package is another
account's: the seller's) and ``ImageConfig.RepositoryAccessMode`` ``Vpc`` (a private Docker registry)
(SageMaker API reference, DescribeModel and ContainerDefinition), and Model Monitor: the endpoint's monitoring
schedules (ListMonitoringSchedules; MonitoringScheduleSummary ``EndpointName`` and ``MonitoringScheduleStatus``
``Pending`` | ``Failed`` | ``Scheduled`` | ``Stopped``: a ``Pending`` or ``Scheduled`` one monitors the endpoint).

Listing and tags are ``SageMakerAdapter``'s (InService endpoints by name, 100 a page; one tagging listing);
an endpoint is described with DescribeEndpoint, DescribeEndpointConfig and DescribeModel (each config and
model read once per invocation); the monitoring schedules are listed once per invocation, every page (100 a
page; the listing ends only when ``NextToken`` does). Read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ecoguard.adapters.sagemaker import PAGE_SIZE, SageMakerAdapter, reservation_of, unless_gone
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.guardrails.idle_endpoint import EndpointRef
from ecoguard.guardrails.serving_advisor import ServedEndpoint, VariantConfig
from ecoguard.paging import Page

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# A schedule in these states monitors its endpoint (MonitoringScheduleSummary MonitoringScheduleStatus: Pending,
# Failed, Scheduled, Stopped; SageMaker API reference). Stopped and Failed ones start no monitoring job.
MONITORING = frozenset({"Pending", "Scheduled"})


class ServingAdapter:
    def __init__(self, sagemaker: SageMakerClient, tagging: TaggingAdapter) -> None:
        self._sm = sagemaker
        self._endpoints = SageMakerAdapter(sagemaker, tagging)
        self._models: dict[str, Mapping[str, Any] | None] = {}
        self._schedules: dict[str, tuple[str, ...]] | None = None
        self._schedules_lock = threading.Lock()

    def page(self, token: str | None) -> Page[EndpointRef]:
        return self._endpoints.endpoint_page(token)

    def tags(self) -> dict[str, dict[str, str]]:
        """Endpoint ARN (lower-cased) -> tags, for every tagged endpoint (one listing)."""
        return self._endpoints.endpoint_tags()

    def _model(self, name: str) -> Mapping[str, Any] | None:
        if name not in self._models:
            self._models[name] = unless_gone(lambda: self._sm.describe_model(ModelName=name))
        return self._models[name]

    def monitoring_schedules(self) -> dict[str, tuple[str, ...]]:
        """Endpoint name -> the names of the monitoring schedules that monitor it (``MONITORING``): one
        ListMonitoringSchedules listing per invocation, every page; endpoints read on several threads share it."""
        with self._schedules_lock:
            if self._schedules is None:
                found: dict[str, list[str]] = {}
                token: str | None = None
                while True:
                    kwargs: dict[str, Any] = {"MaxResults": PAGE_SIZE, **({"NextToken": token} if token else {})}
                    response = self._sm.list_monitoring_schedules(**kwargs)
                    for summary in response.get("MonitoringScheduleSummaries", []):
                        endpoint = summary.get("EndpointName")
                        if endpoint and summary["MonitoringScheduleStatus"] in MONITORING:
                            found.setdefault(endpoint, []).append(summary["MonitoringScheduleName"])
                    token = response.get("NextToken") or None
                    if token is None:
                        break
                self._schedules = {name: tuple(sorted(names)) for name, names in found.items()}
            return self._schedules

    def endpoint(self, ref: EndpointRef, tags: Mapping[str, str]) -> ServedEndpoint | None:
        """The endpoint with each variant's instance, count and model container; None if gone."""
        raw = unless_gone(lambda: self._sm.describe_endpoint(EndpointName=ref.name))
        if raw is None:
            return None
        config = self._endpoints.endpoint_config(raw["EndpointConfigName"]) or {}
        declared = {v["VariantName"]: v for v in config.get("ProductionVariants", [])}
        variants = []
        serverless = components = False
        for live in raw.get("ProductionVariants", []):
            spec = declared.get(live["VariantName"], {})
            serverless = serverless or bool(live.get("CurrentServerlessConfig") or spec.get("ServerlessConfig"))
            components = components or (bool(spec) and "ModelName" not in spec)
            model = self._model(spec["ModelName"]) if spec.get("ModelName") else None
            container: Mapping[str, Any] = (model or {}).get("PrimaryContainer") or next(
                iter((model or {}).get("Containers", [])), {}
            )
            count = live.get("CurrentInstanceCount") or spec.get("InitialInstanceCount") or 0
            package = container.get("ModelPackageName")
            variants.append(
                VariantConfig(
                    name=live["VariantName"],
                    instance_type=spec.get("InstanceType"),
                    instance_count=int(count),
                    image=container.get("Image"),
                    multi_model=container.get("Mode") == "MultiModel",
                    vpc=bool(((model or {}).get("VpcConfig") or {}).get("Subnets")),
                    network_isolation=bool((model or {}).get("EnableNetworkIsolation")),
                    containers=max(len((model or {}).get("Containers") or []), 1),
                    model_package=str(package) if package else None,
                    private_registry=(container.get("ImageConfig") or {}).get("RepositoryAccessMode") == "Vpc",
                    capacity_reservation=reservation_of(live, spec),
                )
            )
        capture = raw.get("DataCaptureConfig") or config.get("DataCaptureConfig") or {}
        return ServedEndpoint(
            name=raw["EndpointName"],
            arn=raw["EndpointArn"],
            config_name=raw["EndpointConfigName"],
            variants=tuple(variants),
            tags=dict(tags),
            data_capture=bool(capture.get("EnableCapture")),
            asynchronous=bool(config.get("AsyncInferenceConfig")),
            serverless=serverless,
            inference_components=components,
            monitoring_schedules=self.monitoring_schedules().get(raw["EndpointName"], ()),
        )
