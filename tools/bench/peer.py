"""``make bench PEER=c7n``: ecoguard and Cloud Custodian side by side, on one moto server, one seeded account.

For each sweep compared (log retention), each tool in turn: the server is reset, the account seeded the same
way (``tools/bench/seed.py``), the tool run once, and its API calls counted, its wall time taken, and the
account read back to check what it did against what should have been done (every governed group that
kept logs forever gets the default retention, a group tagged ``ecoguard:retention-days`` that many days, no
exempt or out-of-scope group and no explicit retention changed).

- ecoguard: the function's real handler in this process (``tools/bench/sweep.py::run_function``), in enforce,
  every call going to the server (``AWS_ENDPOINT_URL``).
- Cloud Custodian 0.9.53, pull mode (``custodian run``), in its own virtualenv (``.venv-c7n``), its calls
  counted by ``tools/bench/c7n_counted.py``. Its policy is the closest it can state of ecoguard's:
  ``tools/bench/c7n/log-retention.yml``.

Prints one Markdown table, writes it into docs/PERFORMANCE.md (between its PEER markers) and the raw
figures to dist/bench-peer.json. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tools.bench import seed
from tools.bench.sweep import QUIET, SWEEPS, Calls, Throttle, counting, run_function
from tools.simulator.account import REGION, STACK, provision
from tools.simulator.demo import fake_credentials
from tools.simulator.invoke import reset_caches
from tools.simulator.template import ROOT, load_template

OUT = ROOT / "dist" / "bench-peer.json"
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- PEER:BEGIN -->", "<!-- PEER:END -->"
POLICIES = Path(__file__).parent / "c7n"
DEFAULT_DAYS = 30  # template.yaml LogRetentionDays's default
TAGGED_DAYS = 90  # tools/bench/seed.py: the group tagged ecoguard:retention-days
BOOKKEEPING = frozenset({"dynamodb", "sns", "ssm", "lambda", "kms", "sts"})


@contextmanager
def moto_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tools.bench.peer_server", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the moto server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - local server
    with urllib.request.urlopen(request, timeout=60):  # noqa: S310
        pass


def expected_retention(i: int) -> int | None:
    """What group ``i`` of ``seed.seed_log_groups`` should keep once governed (None: logs kept forever)."""
    slot = i % 20
    if slot < 11:
        return DEFAULT_DAYS
    if slot < 16:
        return (7, 14, 30)[slot % 3]
    if slot == 17:
        return TAGGED_DAYS
    return None  # exempt, or out of scope


def group_name(i: int) -> str:
    slot = i % 20
    if slot >= 18:
        return f"/ecs/bench-{i:05d}"
    return f"{'/aws/sagemaker/Endpoints/' if i % 2 else '/aws/lambda/'}bench-{i:05d}"


def wrong_groups(n: int) -> int:
    """Groups whose retention is not what it should be, read back from the server."""
    logs: Any = boto3.client("logs", region_name=REGION)
    found: dict[str, int | None] = {}
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            found[group["logGroupName"]] = group.get("retentionInDays")
    return sum(1 for i in range(n) if found.get(group_name(i), -1) != expected_retention(i))


def run_ecoguard(n: int) -> dict[str, Any]:
    template = load_template()
    reset_caches()
    resolver = provision(template, stack=STACK)
    seed.seed_log_groups(n)
    event = json.loads((ROOT / "events" / SWEEPS["LogRetentionFunction"]).read_text())
    calls, throttle = Calls(), Throttle(1e9)  # no simulated rate limit: both tools at the server's pace
    with counting(calls, throttle):
        started = time.monotonic()
        results = run_function(
            "LogRetentionFunction",
            event,
            resolver=resolver,
            template=template,
            throttle=throttle,
            env={**QUIET, "ECOGUARD_MODE": "enforce"},
        )
        wall = time.monotonic() - started
    return {"calls": dict(calls.by_op), "wall_s": round(wall, 2), "invocations": len(results)}


def run_custodian(n: int, custodian: str, endpoint: str) -> dict[str, Any]:
    seed.seed_log_groups(n)
    with tempfile.TemporaryDirectory() as tmp:
        counts = Path(tmp) / "calls.json"
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - the c7n virtualenv's interpreter, fixed arguments
            [
                custodian,
                str(Path(__file__).parent / "c7n_counted.py"),
                str(counts),
                "run",
                "--region",
                REGION,
                "--cache-period",
                "0",
                "-s",
                str(Path(tmp) / "out"),
                str(POLICIES / "log-retention.yml"),
            ],
            check=True,
            env={**os.environ, "AWS_ENDPOINT_URL": endpoint},
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        calls = json.loads(counts.read_text())
    return {"calls": calls, "wall_s": round(wall, 2), "invocations": 1}


def row(tool: str, figures: dict[str, Any], wrong: int, changes: int) -> dict[str, Any]:
    calls: dict[str, int] = figures["calls"]
    governed = sum(v for k, v in calls.items() if k.split(":", 1)[0] not in BOOKKEEPING)
    return {
        "tool": tool,
        "governed_calls": governed,
        "total_calls": sum(calls.values()),
        "wall_s": figures["wall_s"],
        "wall_ms_per_change": round(figures["wall_s"] * 1000 / changes, 2) if changes else None,
        "wrong_groups": wrong,
        "calls": calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--custodian", default=str(ROOT / ".venv-c7n" / "bin" / "python"))
    args = parser.parse_args()
    fake_credentials()
    n = seed.scaled("log_groups", args.scale)
    changes = sum(1 for i in range(n) if i % 20 < 11 or i % 20 == 17)
    rows = []
    with moto_server() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        for tool in ("c7n", "ecoguard"):
            reset(endpoint)
            figures = run_custodian(n, args.custodian, endpoint) if tool == "c7n" else run_ecoguard(n)
            rows.append(row(tool, figures, wrong_groups(n), changes))
            print(f"  {tool}: {rows[-1]['total_calls']} calls, {rows[-1]['wall_s']} s", flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"scale": args.scale, "log_groups": n, "changes": changes, "rows": rows}, indent=2))
    table = render(n, changes, rows)
    print(table)
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    DOC.write_text(f"{head}{BEGIN}\n{table}\n\nLoad average at the end: {load}.\n{END}{tail}", encoding="utf-8")


def render(n: int, changes: int, rows: list[dict[str, Any]]) -> str:
    by_tool = {r["tool"]: r for r in rows}
    eco, c7n = by_tool["ecoguard"], by_tool["c7n"]
    lines = [
        f"Log retention, {n} log groups, {changes} to change; one moto server, the same seeded account.",
        "",
        "| tool | governed calls | total calls | wall s | wall per change | groups wrong |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['tool']} | {r['governed_calls']} | {r['total_calls']} | {r['wall_s']} | "
            f"{r['wall_ms_per_change']} ms | {r['wrong_groups']} |"
            for r in rows
        ),
        "",
        f"ecoguard / Cloud Custodian: total calls {eco['total_calls'] / c7n['total_calls']:.2f} (goal ≤ 1.1), "
        f"wall {eco['wall_s'] / c7n['wall_s']:.2f} (goal ≤ 1.2).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
