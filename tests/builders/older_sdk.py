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


def older_sagemaker_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drop: dict[str, str]) -> None:
    """A SageMaker model without the members ``drop`` names (shape -> member), as an older botocore has it,
    where botocore looks first (``AWS_DATA_PATH``)."""
    loader = botocore.session.get_session().get_component("data_loader")
    model: dict[str, Any] = loader.load_service_model("sagemaker", "service-2", SAGEMAKER_API_VERSION)
    for shape, member in drop.items():
        model["shapes"][shape]["members"].pop(member)
    folder = tmp_path / "sagemaker" / SAGEMAKER_API_VERSION
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
