"""Package sizes from one ``sam build``: the layer unzipped, each function's code, and what the layer
bundles that the Lambda python3.12 runtime already provides."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from tools.simulator.template import ROOT

# Provided by the Lambda python3.12 runtime (boto3 and its dependencies).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six")


def build(build_dir: Path) -> None:
    sam = os.environ.get("SAM_CLI") or str(ROOT / ".venv-sam" / "bin" / "sam")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    subprocess.run(  # noqa: S603 - the SAM CLI from our own virtualenv, fixed arguments
        [sam, "build", "--build-dir", str(build_dir), "--template-file", "template.yaml"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def size_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def sizes(build_dir: Path) -> dict[str, Any]:
    layer = build_dir / "EcoguardLayer" / "python"
    packages = {p.name: size_bytes(p) for p in layer.iterdir() if p.is_dir() and not p.name.endswith(".dist-info")}
    return {
        "layer_bytes": size_bytes(build_dir / "EcoguardLayer"),
        "layer_top": sorted(packages.items(), key=lambda kv: -kv[1])[:6],
        "runtime_provided_in_layer": sorted(p for p in RUNTIME_PROVIDED if (layer / p).exists()),
        "functions": {
            d.name: size_bytes(d) for d in sorted(build_dir.iterdir()) if d.is_dir() and d.name.endswith("Function")
        },
    }
