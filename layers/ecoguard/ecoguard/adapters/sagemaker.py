"""SageMaker endpoints and notebook instances: list (InService only), describe, tag, delete, stop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.errors import NotFound, translate
from ecoguard.guardrails.idle_endpoint import Component, Endpoint, EndpointRef, Variant
from ecoguard.guardrails.idle_notebook import Notebook
from ecoguard.guardrails.tags import EXEMPT_TAG, IDLE_HOURS_TAG, settable_tags
from ecoguard.not_found import SAGEMAKER
from ecoguard.paging import Page

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# ListEndpoints, ListNotebookInstances and ListInferenceComponents return at most 100 a page; ListTags at most 50.
PAGE_SIZE = 100
TAGS_PAGE_SIZE = 50
# The tagging API's name for a notebook instance (as in its ARN, ``...:notebook-instance/<name>``).
NOTEBOOK_TYPE = "sagemaker:notebook-instance"
ENDPOINT_TYPE = "sagemaker:endpoint"


# What CreateEndpointConfig takes back of DescribeEndpointConfig's answer (SageMaker API reference: the
# request's members that the description returns; CreationTime and EndpointConfigArn are AWS's own).
CONFIG_FIELDS = (
    "EndpointConfigName",
    "ProductionVariants",
    "DataCaptureConfig",
    "KmsKeyId",
    "AsyncInferenceConfig",
    "ExplainerConfig",
    "ShadowProductionVariants",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
)


def unless_gone[T](call: Callable[[], T]) -> T | None:
    """What ``call`` returns; None if SageMaker says the resource does not exist (``ecoguard.not_found``)."""
    try:
        return call()
    except ClientError as exc:
        error = translate(exc, SAGEMAKER)
        if isinstance(error, NotFound):
            return None
        raise error from exc


def reservation_of(live: Mapping[str, Any], spec: Mapping[str, Any]) -> str | None:
    """The ML capacity reservation a variant is deployed on: ``CapacityReservationConfig.MlReservationArn`` in
    DescribeEndpoint's ProductionVariantSummary, else in the configuration's ProductionVariant (SageMaker API
    reference, ProductionVariantCapacityReservationSummary, ProductionVariantCapacityReservationConfig)."""
    for source in (live, spec):
        arn = (source.get("CapacityReservationConfig") or {}).get("MlReservationArn")
        if isinstance(arn, str) and arn:
            return arn
    return None


class SageMakerAdapter:
    def __init__(self, sagemaker: SageMakerClient, tagging: TaggingAdapter | None = None) -> None:
        self._sm = sagemaker
        self._tagging = tagging
        self._configs: dict[str, Mapping[str, Any]] = {}
        self._configs_lock = threading.Lock()
        self._config_locks: dict[str, threading.Lock] = {}

    # --- endpoints ----------------------------------------------------------------------------

    def _page(
        self, operation: str, items: str, token: str | None, **kwargs: Any
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a SageMaker listing, and the ``NextToken`` of the next (None after the last)."""
        if token:
            kwargs["NextToken"] = token
        try:
            response = getattr(self._sm, operation)(**kwargs)
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc
        return response.get(items, []), response.get("NextToken") or None

    def _paged(self, operation: str, items: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of every page of a SageMaker listing (``NextToken`` paging)."""
        token: str | None = None
        while True:
            listed, token = self._page(operation, items, token, **kwargs)
            yield from listed
            if token is None:
                return

    def endpoint_page(self, token: str | None) -> Page[EndpointRef]:
        """One page of InService endpoints, by name ascending (a paused sweep resumes after the last name it
        handled). ``token``: the previous page's NextToken, None for the first page."""
        listed, next_token = self._page(
            "list_endpoints",
            "Endpoints",
            token,
            MaxResults=PAGE_SIZE,
            StatusEquals="InService",
            SortBy="Name",
            SortOrder="Ascending",
        )
        return Page(tuple(EndpointRef(e["EndpointName"], e["EndpointArn"]) for e in listed), next_token)

    def component_endpoints(self) -> set[str]:
        """Names of the endpoints that host an inference component, from one account-wide listing."""
        listed = self._paged("list_inference_components", "InferenceComponents", MaxResults=PAGE_SIZE)
        return {c["EndpointName"] for c in listed}

    def endpoint_tags(self) -> dict[str, dict[str, str]]:
        """Endpoint ARN (lower-cased) -> all its tags, for every tagged endpoint: one listing, however many
        endpoints there are. An endpoint absent from it has no tags. A deletion re-reads its tags
        (``tags``) so that the restore record holds them as they are now."""
        if self._tagging is None:
            raise RuntimeError("SageMakerAdapter was built without a tagging client")
        return {arn.lower(): tags for arn, tags in self._tagging.all_tagged(ENDPOINT_TYPE).items()}

    def endpoint(self, name: str, tags: Mapping[str, str] | None = None) -> Endpoint | None:
        """The endpoint with its variants, kind and tags (read now unless ``tags`` are given, e.g. from
        ``endpoint_tags``); None if it no longer exists."""
        raw = unless_gone(lambda: self._sm.describe_endpoint(EndpointName=name))
        if raw is None:
            return None
        config = self.endpoint_config(raw["EndpointConfigName"])
        config_variants = {v["VariantName"]: v for v in (config or {}).get("ProductionVariants", [])}
        variants = []
        for v in raw.get("ProductionVariants", []):
            declared = config_variants.get(v["VariantName"], {})
            serverless = bool(v.get("CurrentServerlessConfig") or declared.get("ServerlessConfig"))
            count = v.get("CurrentInstanceCount") or declared.get("InitialInstanceCount")
            managed = declared.get("ManagedInstanceScaling") or {}
            floor = managed.get("MinInstanceCount") if managed.get("Status") == "ENABLED" else None
            variants.append(
                Variant(
                    v["VariantName"],
                    serverless,
                    int(count) if count else None,
                    declared.get("InstanceType"),
                    None if floor is None else int(floor),
                    reservation_of(v, declared),
                )
            )
        # Variants that host inference components name no model in the endpoint config.
        components = bool(config_variants) and any("ModelName" not in v for v in config_variants.values())
        since: datetime = raw.get("LastModifiedTime") or raw["CreationTime"]
        return Endpoint(
            name=raw["EndpointName"],
            arn=raw["EndpointArn"],
            status=raw["EndpointStatus"],
            config_name=raw["EndpointConfigName"],
            in_service_since=since,
            variants=tuple(variants),
            tags=dict(tags) if tags is not None else self.tags(raw["EndpointArn"]),
            asynchronous=bool(raw.get("AsyncInferenceConfig") or (config or {}).get("AsyncInferenceConfig")),
            inference_components=components,
        )

    def endpoint_config(self, name: str) -> Mapping[str, Any] | None:
        """The configuration, described once per adapter. Endpoints read on several threads can share one
        configuration: one thread describes it while the others wait for it (the same calls as one reader)."""
        with self._configs_lock:
            lock = self._config_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._configs:
                config = unless_gone(lambda: self._sm.describe_endpoint_config(EndpointConfigName=name))
                if config is None:
                    return None
                self._configs[name] = config
            return self._configs[name]

    def gone_parts(self, config_name: str) -> tuple[str, ...]:
        """What re-creating an endpoint from ``config_name`` needs that no longer exists: the configuration
        itself, or the models its variants name (read now, not from this adapter's cache)."""
        config = unless_gone(lambda: self._sm.describe_endpoint_config(EndpointConfigName=config_name))
        if config is None:
            return (f"endpoint configuration {config_name}",)
        self._configs[config_name] = config
        models = sorted({v["ModelName"] for v in config.get("ProductionVariants", []) if v.get("ModelName")})
        return tuple(
            f"model {model}"
            for model in models
            if unless_gone(partial(self._sm.describe_model, ModelName=model)) is None
        )

    def inference_components(self, endpoint: str) -> tuple[Component, ...]:
        """The endpoint's inference components, each with its current copy count (every page)."""
        listed = self._paged(
            "list_inference_components", "InferenceComponents", EndpointNameEquals=endpoint, MaxResults=PAGE_SIZE
        )
        names = [c["InferenceComponentName"] for c in listed]
        components = []
        for name in sorted(names):
            raw = unless_gone(partial(self._sm.describe_inference_component, InferenceComponentName=name))
            if raw is None:
                continue
            runtime = raw.get("RuntimeConfig") or {}
            copies = runtime.get("CurrentCopyCount") or runtime.get("DesiredCopyCount") or 1
            components.append(Component(name, int(copies)))
        return tuple(components)

    def delete_endpoint(self, name: str) -> None:
        try:
            self._sm.delete_endpoint(EndpointName=name)
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    def creatable_config(self, name: str) -> dict[str, Any] | None:
        """The configuration's content as CreateEndpointConfig takes it back (None: it no longer exists)."""
        described = self.endpoint_config(name)
        if described is None:
            return None
        # A member present but empty is left out: CreateEndpointConfig requires a given DataCaptureConfig's
        # members (SageMaker API reference, DataCaptureConfig), and an empty one configures nothing.
        return {key: described[key] for key in CONFIG_FIELDS if described.get(key) not in (None, {}, [])}

    def create_endpoint_config(self, content: Mapping[str, Any]) -> None:
        """CreateEndpointConfig from a recorded configuration (a restore, when it was deleted since)."""
        try:
            self._sm.create_endpoint_config(**content)
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc
        self._configs.pop(str(content["EndpointConfigName"]), None)

    def create_endpoint(self, name: str, config_name: str, tags: Mapping[str, str]) -> None:
        """CreateEndpoint, with the tags a caller may set (``aws:`` tags are AWS's own: passing one back is
        refused)."""
        tags = settable_tags(tags)
        if self.endpoint_config(config_name) is None:
            raise ValueError(f"endpoint config {config_name} no longer exists; cannot recreate {name}")
        try:
            self._sm.create_endpoint(
                EndpointName=name,
                EndpointConfigName=config_name,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    # --- tags ---------------------------------------------------------------------------------

    def tags(self, arn: str) -> dict[str, str]:
        listed = self._paged("list_tags", "Tags", ResourceArn=arn, MaxResults=TAGS_PAGE_SIZE)
        return {t["Key"]: t["Value"] for t in listed}

    def tag(self, arn: str, key: str, value: str) -> None:
        try:
            self._sm.add_tags(ResourceArn=arn, Tags=[{"Key": key, "Value": value}])
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    def untag(self, arn: str, key: str) -> None:
        try:
            self._sm.delete_tags(ResourceArn=arn, TagKeys=[key])
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    # --- notebook instances -------------------------------------------------------------------

    def notebook_tags(self, attribution: Sequence[str]) -> dict[str, dict[str, str]]:
        """Notebook ARN (lower-cased: SageMaker lower-cases names in ARNs) -> every tag, for every instance
        tagged ``ecoguard:exempt`` or ``ecoguard:idle-hours``, or one of the ``attribution`` keys (the policy's
        ``report.attribution_tags``): one listing per distinct key, however many instances there are."""
        if self._tagging is None:
            raise RuntimeError("SageMakerAdapter was built without a tagging client")
        tagged = self._tagging.tagged(NOTEBOOK_TYPE, (EXEMPT_TAG, IDLE_HOURS_TAG, *attribution))
        return {arn.lower(): tags for arn, tags in tagged.items()}

    def notebook_page(self, token: str | None) -> Page[Notebook]:
        listed, next_token = self._page(
            "list_notebook_instances",
            "NotebookInstances",
            token,
            MaxResults=PAGE_SIZE,
            StatusEquals="InService",
            SortBy="Name",
        )
        return Page(tuple(self._notebook(raw) for raw in listed), next_token)

    def notebook(self, name: str) -> Notebook | None:
        raw = unless_gone(lambda: self._sm.describe_notebook_instance(NotebookInstanceName=name))
        if raw is None:
            return None
        return self._notebook(raw)

    def _notebook(self, raw: Mapping[str, Any]) -> Notebook:
        return Notebook(
            name=raw["NotebookInstanceName"],
            arn=raw["NotebookInstanceArn"],
            status=raw["NotebookInstanceStatus"],
            instance_type=raw.get("InstanceType", ""),
            lifecycle_config=raw.get("NotebookInstanceLifecycleConfigName") or None,
            in_service_since=raw.get("LastModifiedTime") or raw["CreationTime"],
        )

    def stop_notebook(self, name: str) -> None:
        try:
            self._sm.stop_notebook_instance(NotebookInstanceName=name)
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc

    def start_notebook(self, name: str) -> None:
        try:
            self._sm.start_notebook_instance(NotebookInstanceName=name)
        except ClientError as exc:
            raise translate(exc, SAGEMAKER) from exc
