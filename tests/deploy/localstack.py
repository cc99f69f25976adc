"""LocalStack on 127.0.0.1, on the host (no Docker), for the length of a test session.

Runs from its own Python 3.13 virtualenv (``make`` builds .venv-localstack from requirements-localstack.txt
and tools/localstack_plugins). Offline, three of its defaults would reach the internet; the settings below
replace them (shared/FIELD_NOTES.md, "LocalStack on the host, without Docker"):

- DynamoDB (and its streams) is served by moto: ``PROVIDER_OVERRIDE_*=ecoguard-moto``;
- Lambda functions are recorded, never run: ``LAMBDA_RUNTIME_EXECUTOR=ecoguard-record-only``;
- CloudFormation does not fetch its list of resource types: ``CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=1``.

The process is started in its own process group and stopped by its id, group and all, also on failure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv-localstack" / "bin" / "python"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
READY_WITHIN_S = 120
STOP_WITHIN_S = 20


@dataclass(frozen=True)
class LocalStack:
    endpoint: str
    pid: int
    log: Path

    def client_environment(self) -> dict[str, str]:
        """What an AWS client (boto3, the SAM CLI) needs to talk to this LocalStack and nothing else."""
        return {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_environment(port: int, state: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(state),
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "OVERRIDE_IN_DOCKER": "0",
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
        "LOCALSTACK_VOLUME_DIR": str(state / "volume"),
        "FILESYSTEM_ROOT": str(state / "filesystem"),
        "PROVIDER_OVERRIDE_DYNAMODB": "ecoguard-moto",
        "PROVIDER_OVERRIDE_DYNAMODBSTREAMS": "ecoguard-moto",
        "LAMBDA_RUNTIME_EXECUTOR": "ecoguard-record-only",
        "CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES": "1",
    }


def _healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def stop(pid: int) -> None:
    """Stop the process group ``pid`` leads: SIGTERM, then SIGKILL if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WITHIN_S
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def running_localstack(state: Path) -> Iterator[LocalStack]:
    if not PYTHON.exists():
        raise RuntimeError(f"{PYTHON} is missing: run `make deploy-smoke`, which builds .venv-localstack")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = state / "localstack.log"
    state.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PYTHON), "-m", "localstack.runtime.main"],
            cwd=state,
            env=server_environment(port, state),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while not _healthy(endpoint):
            if process.poll() is not None:
                raise RuntimeError(f"LocalStack exited ({process.returncode}): {log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"LocalStack not ready within {READY_WITHIN_S} s: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield LocalStack(endpoint, process.pid, log)
    finally:
        stop(process.pid)
        process.wait(timeout=STOP_WITHIN_S)
