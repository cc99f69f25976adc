"""The deploy smoke test (make deploy-smoke): one LocalStack for the whole session.

Collected only when ECOGUARD_DEPLOY_SMOKE is set (``make deploy-smoke`` sets it, and ``make test`` runs
that target after the other suites), so a plain ``pytest`` does not start a server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.deploy.localstack import REGION, LocalStack, running_localstack

collect_ignore_glob = [] if os.environ.get("ECOGUARD_DEPLOY_SMOKE") else ["test_*.py"]


@pytest.fixture(scope="session")
def localstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_localstack(Path(tmp_path_factory.mktemp("localstack"))) as server:
        yield server


class Clients:
    """boto3 clients of the session's LocalStack, and of nothing else."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)

    def __call__(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]


@pytest.fixture(scope="session")
def aws(localstack: LocalStack) -> Clients:
    return Clients(localstack.endpoint)
