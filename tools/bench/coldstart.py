"""Cold start, measured: each handler module's import in a fresh interpreter, against ``import boto3``.

Each run is a new ``python`` process whose path is the built function's code and the built layer's
``ecoguard`` package (``sam build`` output), as on Lambda. The layer's third-party packages are built for
arm64 and cannot load on an x86_64 machine, so the same pinned versions come from the dev virtualenv,
which also stands in for the runtime's own boto3. Runs alternate between the handler and boto3 alone,
so machine load hits both alike.
"""

from __future__ import annotations

import json
import site
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE = """
import json, sys, time
sys.path[:0] = {paths!r}
t = time.perf_counter()
import {module}
elapsed = time.perf_counter() - t
rss = int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
loaded = sorted(m for m in {watch!r} if m in sys.modules)
origin = getattr(sys.modules.get('ecoguard'), '__file__', None)
print(json.dumps({{"s": elapsed, "rss_mb": rss, "loaded": loaded, "ecoguard": origin}}))
"""
# Modules a handler does not need before its first invocation (or at all, on Lambda).
WATCH = ("yaml", "rich", "moto", "aws_xray_sdk", "tools", "pytest", "hypothesis")


def probe(module: str, paths: list[str]) -> dict[str, Any]:
    code = PROBE.format(paths=paths, module=module, watch=WATCH)
    command = [sys.executable, "-s", "-c", code]  # our own interpreter and probe
    result = subprocess.run(command, capture_output=True, text=True, check=True, env={})  # noqa: S603
    return dict(json.loads(result.stdout))


# Where a handler's import time goes, by the package that owns each module (``-X importtime`` self times).
GROUPS = {
    "boto3": ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "jmespath", "six"),
    "pydantic": ("pydantic", "pydantic_core", "typing_extensions", "annotated_types", "typing_inspection"),
    "powertools": ("aws_lambda_powertools",),
    "ecoguard": ("ecoguard", "app"),
}


def breakdown(module: str, paths: list[str]) -> dict[str, float]:
    """Milliseconds of ``import module`` per owning package, from one ``-X importtime`` run. The flag
    adds its own overhead, so these are shares of a slower import, not the medians above."""
    code = f"import sys; sys.path[:0] = {paths!r}; import {module}"
    command = [sys.executable, "-s", "-X", "importtime", "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env={})  # noqa: S603
    totals = dict.fromkeys([*GROUPS, "other"], 0.0)
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own_us, _, name = line.removeprefix("import time:").split("|")
        root = name.strip().split(".")[0]
        group = next((g for g, roots in GROUPS.items() if root in roots), "other")
        totals[group] += int(own_us) / 1000
    return {k: round(v) for k, v in totals.items()}


def measure(build_dir: Path, functions: dict[str, Path], runs: int = 10) -> dict[str, dict[str, Any]]:
    build_dir = build_dir.resolve()
    layer = str(build_dir / "EcoguardLayer" / "python")
    third_party = site.getsitepackages()[0]
    out: dict[str, dict[str, Any]] = {}
    for logical_id in sorted(functions):
        code_dir = str(build_dir / logical_id)
        app: list[float] = []
        boto: list[float] = []
        last: dict[str, Any] = {}
        for _ in range(runs):
            last = probe("app", [code_dir, third_party, layer])
            app.append(last["s"])
            boto.append(probe("boto3", [third_party])["s"])
        if not str(last["ecoguard"]).startswith(str(build_dir)):
            raise RuntimeError(f"{logical_id} imported ecoguard from {last['ecoguard']}, not the built layer")
        app_ms, boto_ms = statistics.median(app) * 1000, statistics.median(boto) * 1000
        out[logical_id] = {
            "import_ms": round(app_ms),
            "boto3_ms": round(boto_ms),
            "ratio": round(app_ms / boto_ms, 2),
            "rss_mb": round(last["rss_mb"], 1),
            "heavy_loaded": last["loaded"],
            "breakdown_ms": breakdown("app", [code_dir, third_party, layer]),
        }
    return out
