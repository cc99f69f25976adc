"""Cold start, measured: each handler module's import in a fresh interpreter, against ``import boto3``.

Each run is a new ``python`` process whose path is the built function's code and the built layer's
``ecoguard`` package (``sam build`` output), as on Lambda, with the environment variables the template
sets to literals (Lambda sets them before the import). The layer's third-party packages are built for
arm64 and cannot load on an x86_64 machine, so the same pinned versions are installed for this machine
into one directory of their own, next to the runtime's boto3 and its dependencies (the versions pinned in
requirements-dev.txt): only what a Lambda process has, not the dev virtualenv's hundred distributions.
Runs alternate between the handler and boto3 alone, so machine load hits both alike.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.simulator.template import ROOT, FunctionSpec

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


def probe(module: str, paths: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    code = PROBE.format(paths=paths, module=module, watch=WATCH)
    command = [sys.executable, "-S", "-c", code]  # our interpreter, without its site-packages
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=env or {})  # noqa: S603
    return dict(json.loads(result.stdout))


def literal_environment(spec: FunctionSpec) -> dict[str, str]:
    """The function's environment variables that the template sets to a literal: Lambda sets them before
    the handler is imported. References (table names, ARNs) only matter once it runs."""
    return {k: v for k, v in spec.environment.items() if isinstance(v, str)}


# Where a handler's import time goes, by the package that owns each module (``-X importtime`` self times).
GROUPS = {
    "boto3": ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "jmespath", "six"),
    "pydantic": ("pydantic", "pydantic_core", "typing_extensions", "annotated_types", "typing_inspection"),
    "powertools": ("aws_lambda_powertools",),
    "ecoguard": ("ecoguard", "app"),
}


def breakdown(module: str, paths: list[str], env: dict[str, str]) -> dict[str, float]:
    """Milliseconds of ``import module`` per owning package, from one ``-X importtime`` run. The flag
    adds its own overhead, so these are shares of a slower import, not the medians above."""
    code = f"import sys; sys.path[:0] = {paths!r}; import {module}"
    command = [sys.executable, "-S", "-X", "importtime", "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=env)  # noqa: S603
    totals = dict.fromkeys([*GROUPS, "other"], 0.0)
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own_us, _, name = line.removeprefix("import time:").split("|")
        root = name.strip().split(".")[0]
        group = next((g for g, roots in GROUPS.items() if root in roots), "other")
        totals[group] += int(own_us) / 1000
    return {k: round(v) for k, v in totals.items()}


RUNTIME_PINS = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")


def runtime_site(build_dir: Path) -> Path:
    """The layer's requirements and the runtime's boto3, installed for this machine (once per pin set)."""
    layer_requirements = (ROOT / "layers/ecoguard/requirements.txt").read_text().splitlines()
    dev = (ROOT / "requirements-dev.txt").read_text().splitlines()
    boto = [line for line in dev if line.split("==")[0].lower() in RUNTIME_PINS]
    pins = sorted({line.strip() for line in [*layer_requirements, *boto] if "==" in line and not line.startswith("#")})
    target = build_dir / "x86-site"
    stamp = target / ".pins"
    if stamp.exists() and stamp.read_text() == "\n".join(pins):
        return target
    subprocess.run(  # noqa: S603 - our own interpreter's pip, pinned requirements
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--upgrade", "--target", str(target), *pins],
        check=True,
        capture_output=True,
        text=True,
    )
    stamp.write_text("\n".join(pins))
    return target


def measure(build_dir: Path, specs: Mapping[str, FunctionSpec], runs: int = 10) -> dict[str, dict[str, Any]]:
    build_dir = build_dir.resolve()
    layer = str(build_dir / "EcoguardLayer" / "python")
    third_party = str(runtime_site(build_dir))
    out: dict[str, dict[str, Any]] = {}
    for logical_id in sorted(specs):
        code_dir = str(build_dir / logical_id)
        env = literal_environment(specs[logical_id])
        app: list[float] = []
        boto: list[float] = []
        last: dict[str, Any] = {}
        for _ in range(runs):
            last = probe("app", [code_dir, third_party, layer], env)
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
            "breakdown_ms": breakdown("app", [code_dir, third_party, layer], env),
        }
    return out
