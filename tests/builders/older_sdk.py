"""An S3 service model as an older botocore has it: no ListBuckets parameters (MaxBuckets, BucketRegion,
ContinuationToken, Prefix: S3 added them in October 2024) and no lifecycle TransitionDefaultMinimumObjectSize
(September 2024). ``older_s3_models`` writes it where botocore looks first (``AWS_DATA_PATH``), so every
client created afterwards is built from it, as on a Lambda runtime whose bundled botocore predates them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest

API_VERSION = "2006-03-01"
LIFECYCLE_SHAPES = (
    "PutBucketLifecycleConfigurationRequest",
    "PutBucketLifecycleConfigurationOutput",
    "GetBucketLifecycleConfigurationOutput",
)


def trimmed_s3_model() -> dict[str, Any]:
    loader = botocore.session.get_session().get_component("data_loader")
    model: dict[str, Any] = loader.load_service_model("s3", "service-2", API_VERSION)
    listing = model["operations"]["ListBuckets"]["input"]["shape"]
    model["shapes"][listing]["members"] = {}
    for shape in LIFECYCLE_SHAPES:
        model["shapes"][shape]["members"].pop("TransitionDefaultMinimumObjectSize", None)
    return model


def older_s3_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "s3" / API_VERSION
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(trimmed_s3_model()))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))


SAGEMAKER_API_VERSION = "2017-07-24"
LOGS_API_VERSION = "2014-03-28"


def older_models(
    service: str,
    api_version: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    drop: dict[str, str] | dict[str, tuple[str, ...]],
) -> None:
    """``service``'s model without the members ``drop`` names (shape -> a member, or several), as an older
    botocore has it, where botocore looks first (``AWS_DATA_PATH``)."""
    loader = botocore.session.get_session().get_component("data_loader")
    model: dict[str, Any] = loader.load_service_model(service, "service-2", api_version)
    for shape, members in drop.items():
        for member in (members,) if isinstance(members, str) else members:
            model["shapes"][shape]["members"].pop(member)
    folder = tmp_path / service / api_version
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))


def older_sagemaker_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drop: dict[str, str]) -> None:
    """A SageMaker model without the members ``drop`` names (shape -> member)."""
    older_models("sagemaker", SAGEMAKER_API_VERSION, tmp_path, monkeypatch, drop)


def older_logs_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drop: dict[str, tuple[str, ...]]) -> None:
    """A CloudWatch Logs model without the members ``drop`` names (shape -> member): botocore before
    ``retentionPolicyName`` (LogGroup) or ``logGroupClass``."""
    older_models("logs", LOGS_API_VERSION, tmp_path, monkeypatch, drop)
