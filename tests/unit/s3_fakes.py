"""An in-memory S3 client for unit tests of ``S3Adapter`` reads and writes (no moto)."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import botocore.session
from botocore.exceptions import ClientError


# MemoryS3 stands in for a boto3 S3 client: it answers only the calls S3Adapter makes, so it is
# cast to the client type it replaces (no fake has every operation of a service).
class MemoryS3:
    """Just enough of an S3 client for ``S3Adapter`` reads and writes of one bucket's configurations."""

    # The service model of the installed botocore, which S3Adapter asks what the SDK accepts.
    meta = SimpleNamespace(service_model=botocore.session.get_session().get_service_model("s3"))

    def __init__(self, lifecycle: dict[str, Any] | None, tiering: dict[str, dict[str, Any]]) -> None:
        self.lifecycle = copy.deepcopy(lifecycle)
        self.tiering = copy.deepcopy(tiering)

    def get_bucket_lifecycle_configuration(self, Bucket: str) -> dict[str, Any]:
        if self.lifecycle is None:
            raise ClientError({"Error": {"Code": "NoSuchLifecycleConfiguration"}}, "GetBucketLifecycleConfiguration")
        return copy.deepcopy(self.lifecycle)

    def put_bucket_lifecycle_configuration(self, Bucket: str, LifecycleConfiguration: Any, **kw: Any) -> None:
        self.lifecycle = {"Rules": copy.deepcopy(LifecycleConfiguration["Rules"]), **kw}

    def delete_bucket_lifecycle(self, Bucket: str) -> None:
        self.lifecycle = None

    def list_bucket_intelligent_tiering_configurations(self, Bucket: str) -> dict[str, Any]:
        return {"IsTruncated": False, "IntelligentTieringConfigurationList": list(self.tiering.values())}

    def put_bucket_intelligent_tiering_configuration(
        self, Bucket: str, Id: str, IntelligentTieringConfiguration: Any
    ) -> None:
        self.tiering[Id] = copy.deepcopy(IntelligentTieringConfiguration)

    def delete_bucket_intelligent_tiering_configuration(self, Bucket: str, Id: str) -> None:
        del self.tiering[Id]
