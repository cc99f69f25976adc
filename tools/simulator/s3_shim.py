"""A named fake for two moto 5.2.5 gaps in S3 (measured):

- Intelligent-Tiering configurations are accepted but not stored (Get/List find nothing);
- lifecycle rules lose ``ObjectSizeGreaterThan`` and ``NewerNoncurrentVersions``.

``FakeS3ConfigStore`` answers the lifecycle and Intelligent-Tiering configuration operations from
memory, exactly as written, for every botocore session created while it is installed (it adds its
hooks to ``botocore.handlers.BUILTIN_HANDLERS``, and to boto3's default session). Requests still go
through botocore's parameter validation and every client event, so ``record_calls`` counts them;
only the HTTP exchange with moto is replaced. Everything else in S3 (buckets, tags, versioning,
ListBuckets) stays moto's. Bucket existence is checked against moto's backend.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore import handlers
from botocore.awsrequest import AWSResponse

from tools.simulator.identity import ACCOUNT

OPERATIONS = (
    "PutBucketLifecycleConfiguration",
    "GetBucketLifecycleConfiguration",
    "DeleteBucketLifecycle",
    "PutBucketIntelligentTieringConfiguration",
    "GetBucketIntelligentTieringConfiguration",
    "ListBucketIntelligentTieringConfigurations",
    "DeleteBucketIntelligentTieringConfiguration",
)
_PARAMS = "ecoguard_fake_s3_params"
# A seam for the bench's quota model (tools/bench/quota.py::held): called with "s3.<Operation>" before each
# answer; a (status, code, message) it returns is the answer instead (a throttling error).
ANSWERING: list[Callable[[str], tuple[int, str, str] | None]] = []


def _response(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0})
    return AWSResponse("https://s3.fake", status, {}, None), parsed  # type: ignore[arg-type]


def _error(status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    return _response(status, {"Error": {"Code": code, "Message": message}})


def _bucket_exists(name: str) -> bool:
    from moto.s3.models import s3_backends

    return name in s3_backends[ACCOUNT]["aws"].buckets


class FakeS3ConfigStore:
    _installed: list[FakeS3ConfigStore] = []  # noqa: RUF012 - at most one; a newer install evicts a leaked one

    def __init__(self) -> None:
        self.lifecycle: dict[str, dict[str, Any]] = {}
        self.tiering: dict[str, dict[str, dict[str, Any]]] = {}
        # Served last, so test hooks on before-call (tests/conftest.py::fail_calls) still fire first.
        self._specs: list[tuple[str, Any, Any]] = [
            spec
            for op in OPERATIONS
            for spec in (
                (f"before-parameter-build.s3.{op}", self._stash, handlers.REGISTER_LAST),
                (f"before-call.s3.{op}", self._serve, handlers.REGISTER_LAST),
            )
        ]

    def install(self) -> None:
        for stale in list(FakeS3ConfigStore._installed):
            stale.uninstall()
        FakeS3ConfigStore._installed.append(self)
        handlers.BUILTIN_HANDLERS.extend(self._specs)
        if boto3.DEFAULT_SESSION is not None:
            emitter = boto3.DEFAULT_SESSION._session.get_component("event_emitter")
            for event, handler, _ in self._specs:
                emitter.register_last(event, handler)

    def uninstall(self) -> None:
        if self in FakeS3ConfigStore._installed:
            FakeS3ConfigStore._installed.remove(self)
        for spec in self._specs:
            if spec in handlers.BUILTIN_HANDLERS:
                handlers.BUILTIN_HANDLERS.remove(spec)
        if boto3.DEFAULT_SESSION is not None:
            emitter = boto3.DEFAULT_SESSION._session.get_component("event_emitter")
            for event, handler, _ in self._specs:
                emitter.unregister(event, handler)

    def _stash(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = copy.deepcopy(params)

    def _serve(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params = context.pop(_PARAMS)
        for answering in ANSWERING:
            refused = answering(f"s3.{model.name}")
            if refused is not None:
                return _error(*refused)
        bucket = params["Bucket"]
        if not _bucket_exists(bucket):
            return _error(404, "NoSuchBucket", f"The specified bucket does not exist: {bucket}")
        op = model.name
        if op == "PutBucketLifecycleConfiguration":
            stored: dict[str, Any] = {"Rules": params["LifecycleConfiguration"]["Rules"]}
            if "TransitionDefaultMinimumObjectSize" in params:
                stored["TransitionDefaultMinimumObjectSize"] = params["TransitionDefaultMinimumObjectSize"]
            self.lifecycle[bucket] = stored
            return _response(200, {k: v for k, v in stored.items() if k != "Rules"})
        if op == "GetBucketLifecycleConfiguration":
            if bucket not in self.lifecycle:
                return _error(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
            return _response(200, copy.deepcopy(self.lifecycle[bucket]))
        if op == "DeleteBucketLifecycle":
            self.lifecycle.pop(bucket, None)
            return _response(204, {})
        configs = self.tiering.get(bucket, {})
        if op == "PutBucketIntelligentTieringConfiguration":
            self.tiering[bucket] = {**configs, params["Id"]: params["IntelligentTieringConfiguration"]}
            return _response(200, {})
        if op == "ListBucketIntelligentTieringConfigurations":
            listed = [copy.deepcopy(configs[k]) for k in sorted(configs)]
            return _response(200, {"IsTruncated": False, "IntelligentTieringConfigurationList": listed})
        if params["Id"] not in configs:
            return _error(404, "NoSuchConfiguration", f"no Intelligent-Tiering configuration {params['Id']}")
        if op == "GetBucketIntelligentTieringConfiguration":
            return _response(200, {"IntelligentTieringConfiguration": copy.deepcopy(configs[params["Id"]])})
        self.tiering[bucket] = {k: v for k, v in configs.items() if k != params["Id"]}
        return _response(204, {})


@contextmanager
def fake_s3_configs() -> Iterator[FakeS3ConfigStore]:
    store = FakeS3ConfigStore()
    store.install()
    try:
        yield store
    finally:
        store.uninstall()
