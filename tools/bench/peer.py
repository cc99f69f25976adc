"""``make bench PEER=c7n``: ecoguard and Cloud Custodian side by side, on one moto server, one seeded account.

For log retention and S3 lifecycle, each tool in turn: the server is reset, the account seeded the same way
(``tools/bench/seed.py``), the tool run once, its API calls counted and its wall time taken, and the account
read back to check what it did:

- log retention: every governed group that kept logs forever has the default retention, a group tagged
  ``ecoguard:retention-days`` that many days, and no exempt or out-of-scope group or explicit retention
  changed ("groups wrong" counts the others);
- S3 lifecycle: every owner's rule seeded is still there unchanged, and the exempt bucket has no lifecycle
  configuration ("owner rules lost" counts the others). On a moto server, Intelligent-Tiering calls are
  accepted and nothing is stored (tests/README.md), alike for both tools.

ecoguard: the function's real handler in this process (``tools/bench/sweep.py::run_function``), in enforce,
every call going to the server (``AWS_ENDPOINT_URL``). Cloud Custodian 0.9.53, pull mode (``custodian run``),
in its own virtualenv (``.venv-c7n``), its calls counted by ``tools/bench/c7n_counted.py``; its policies
(``tools/bench/c7n/``) are the closest it can state of ecoguard's.

Prints the tables, writes them into docs/PERFORMANCE.md (between its PEER markers) and the raw figures to
dist/bench-peer.json. Not part of ``make test``.
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
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import boto3

from ecoguard import overlap, pacing
from tools.bench import seed
from tools.bench.output import document_for
from tools.bench.quota import QUOTAS, floor
from tools.bench.sweep import QUIET, SWEEPS, Calls, QuotaMode, Throttle, counting, outcomes_of, run_function
from tools.simulator.account import provision
from tools.simulator.demo import fake_credentials
from tools.simulator.identity import REGION, STACK
from tools.simulator.invoke import reset_caches
from tools.simulator.template import ROOT, load_template

OUT = ROOT / "dist" / "bench-peer.json"
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- PEER:BEGIN -->", "<!-- PEER:END -->"
QUOTA_BEGIN, QUOTA_END = "<!-- PEER-QUOTA:BEGIN -->", "<!-- PEER-QUOTA:END -->"
POLICIES = Path(__file__).parent / "c7n"
DEFAULT_DAYS = 30  # template.yaml LogRetentionDays's default
TAGGED_DAYS = 90  # tools/bench/seed.py: the group tagged ecoguard:retention-days
BOOKKEEPING = frozenset({"dynamodb", "sns", "ssm", "lambda", "kms", "sts"})


@contextmanager
def moto_server(quota: QuotaMode | None = None) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "tools.bench.peer_server",
            str(port),
            *(["--quota", "--latency-ms", str(quota.latency_ms)] if quota else []),
        ],
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


def quota_counts(endpoint: str, action: str = "") -> dict[str, Any]:
    """The server's throttled and served counts (``action`` "reset": zero them first)."""
    method = "POST" if action else "GET"
    path = "/ecoguard-bench/quota" + (f"/{action}" if action else "")
    request = urllib.request.Request(f"{endpoint}{path}", method=method)  # noqa: S310 - local server
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        counts: dict[str, Any] = json.loads(answer.read())
    return counts


def run_ecoguard(function: str, n: int, quota: QuotaMode | None = None, endpoint: str = "") -> dict[str, Any]:
    template = load_template()
    reset_caches()
    resolver = provision(template, stack=STACK)
    SEEDS[function](n)
    if quota:
        quota_counts(endpoint, "reset")  # bounded from here: the tool's own calls
    event = json.loads((ROOT / "events" / SWEEPS[function]).read_text())
    calls, throttle = Calls(), Throttle(1e9)  # no simulated rate limit: both tools at the server's pace
    pacing.LIMITER = pacing.Limiter()  # a fresh one, on the real clock
    with counting(calls, throttle):
        started = time.monotonic()
        results = run_function(
            function,
            event,
            resolver=resolver,
            template=template,
            throttle=throttle,
            env={**QUIET, "ECOGUARD_MODE": "enforce"},
            timeout_s=quota.timeout_s if quota else None,
        )
        wall = time.monotonic() - started
    return {
        "calls": dict(calls.by_op),
        "wall_s": round(wall, 2),
        "invocations": len(results),
        "outcomes": outcomes_of(results),
    }


def run_custodian(function: str, n: int, custodian: str, endpoint: str, bounded: bool = False) -> dict[str, Any]:
    reset_caches()
    SEEDS[function](n)
    if bounded:
        quota_counts(endpoint, "reset")  # bounded from here: the tool's own calls
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
                str(POLICIES / POLICY[function]),
            ],
            check=True,
            env={**os.environ, "AWS_ENDPOINT_URL": endpoint},
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        calls = json.loads(counts.read_text())
    return {"calls": calls, "wall_s": round(wall, 2), "invocations": 1}


def owner_rules_lost(n: int) -> int:
    """Buckets seeded with the owner's rule (``seed.seed_buckets``: slots 17 and 18) that no longer hold it
    unchanged, plus the exempt bucket (slot 19) if it was given any lifecycle configuration."""
    s3: Any = boto3.client("s3", region_name=REGION)
    lost = 0
    for i in range(n):
        slot, name = i % 20, f"ml-bench-{i:05d}"
        try:
            rules = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        except s3.exceptions.ClientError:
            rules = []
        if slot in (17, 18):
            kept = [r for r in rules if r.get("ID") == "owner-scratch"]
            lost += not kept or kept[0].get("Expiration", {}).get("Days") != 14
        elif slot == 19:
            lost += bool(rules)
    return lost


SEEDS = {"LogRetentionFunction": seed.seed_log_groups, "StorageLifecycleFunction": seed.seed_buckets}
POLICY = {"LogRetentionFunction": "log-retention.yml", "StorageLifecycleFunction": "s3-lifecycle.yml"}
KIND = {"LogRetentionFunction": "log_groups", "StorageLifecycleFunction": "buckets"}
SWEEP_NAMES = {"log-retention": "LogRetentionFunction", "s3": "StorageLifecycleFunction"}
SWEEP_ORDER = tuple(SWEEP_NAMES.values())


def checked(function: str, n: int) -> int:
    return wrong_groups(n) if function == "LogRetentionFunction" else owner_rules_lost(n)


def changes_of(function: str, n: int) -> int:
    if function == "LogRetentionFunction":
        return sum(1 for i in range(n) if i % 20 < 11 or i % 20 == 17)
    return sum(1 for i in range(n) if i % 20 != 19)  # every bucket not exempt gets at least the abort rule


def row(tool: str, figures: dict[str, Any], wrong: int, changes: int) -> dict[str, Any]:
    calls: dict[str, int] = figures["calls"]
    governed = sum(v for k, v in calls.items() if k.split(":", 1)[0] not in BOOKKEEPING)
    return {
        "tool": tool,
        "invocations": figures.get("invocations", 1),
        "quota": figures.get("quota", {}),
        "governed_calls": governed,
        "total_calls": sum(calls.values()),
        "wall_s": figures["wall_s"],
        "wall_ms_per_change": round(figures["wall_s"] * 1000 / changes, 2) if changes else None,
        "wrong_groups": wrong,
        "outcomes": figures.get("outcomes", {}),
        "calls": calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--custodian", default=str(ROOT / ".venv-c7n" / "bin" / "python"))
    parser.add_argument("--quota", action="store_true", help="documented quotas and a latency, both tools alike")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--timeout", type=int, default=120, help="ecoguard's Lambda timeout in s (quota mode)")
    parser.add_argument(
        "--sweeps",
        type=sweeps_of,
        default=SWEEP_ORDER,
        help="comma-separated, of log-retention, s3 (default both); the others' last figures are kept",
    )
    parser.add_argument("--render-only", action="store_true", help="redo the tables from the last figures")
    args = parser.parse_args()
    quota = QuotaMode(args.latency_ms, args.timeout) if args.quota else None
    out = OUT.with_name("bench-peer-quota.json") if quota else OUT
    fake_credentials()
    raw: dict[str, Any] = {}
    with nullcontext("") if args.render_only else moto_server(quota) as endpoint:
        if endpoint:
            os.environ["AWS_ENDPOINT_URL"] = endpoint
        for function in () if args.render_only else args.sweeps:
            n, rows = seed.scaled(KIND[function], args.scale), []
            changes = changes_of(function, n)
            for tool in ("c7n", "ecoguard"):
                reset(endpoint)
                if quota:
                    quota_counts(endpoint, "off")  # seeding is not bounded; each tool turns the model on
                figures = (
                    run_custodian(function, n, args.custodian, endpoint, quota is not None)
                    if tool == "c7n"
                    else run_ecoguard(function, n, quota, endpoint)
                )
                if quota:
                    figures["quota"] = quota_counts(endpoint)
                rows.append(row(tool, figures, checked(function, n), changes))
                print(f"  {function} {tool}: {rows[-1]['total_calls']} calls, {rows[-1]['wall_s']} s", flush=True)
            load = _load()
            raw[function] = {
                "resources": n,
                "changes": changes,
                "rows": rows,
                "command": command_of(args),
                "load": load,
            }
    settings = {"scale": args.scale, "quota": quota and vars_of(quota)}
    raw = merged(out, settings, raw)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({**settings, **raw}, indent=2))
    table = "\n\n".join(
        render_quota(
            f,
            raw[f]["resources"],
            raw[f]["changes"],
            raw[f]["rows"],
            quota,
            command=raw[f].get("command"),
            load=raw[f].get("load"),
        )
        if quota
        else render(f, raw[f]["resources"], raw[f]["changes"], raw[f]["rows"])
        for f in SWEEP_ORDER
        if f in raw
    )
    print(table)
    # Below full scale, a copy in dist/ (tools/bench/output.py): the tracked document holds full-scale figures only.
    begin, end = (QUOTA_BEGIN, QUOTA_END) if quota else (BEGIN, END)
    doc = document_for(args.scale, DOC)
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    # Under the quota model each sweep's table says its own load; the plain tables, the load at this run's end.
    load = "" if quota or args.render_only else f"\n\nLoad average at the end: {_load()}."
    doc.write_text(f"{head}{begin}\n{table}{load}\n{end}{tail}", encoding="utf-8")


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def command_of(args: argparse.Namespace) -> str:
    """The make command these arguments are (the Makefile's bench target)."""
    names = [name for name, f in SWEEP_NAMES.items() if f in args.sweeps]
    quota = f" QUOTA=1 LATENCY_MS={args.latency_ms:g} TIMEOUT={args.timeout}" if args.quota else ""
    sweeps = f" SWEEPS={','.join(names)}" if tuple(args.sweeps) != SWEEP_ORDER else ""
    return f"make bench PEER=c7n{quota} SCALE={args.scale:g}{sweeps}"


def sweeps_of(text: str) -> tuple[str, ...]:
    """``--sweeps log-retention,s3``: the sweeps to run, in the tables' order."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = names - set(SWEEP_NAMES)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"--sweeps takes {', '.join(SWEEP_NAMES)}; got {text!r}")
    return tuple(f for name, f in SWEEP_NAMES.items() if name in names)


def merged(out: Path, settings: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` over the figures of the sweeps not run this time, kept from ``out`` when it was written with the
    same scale and model (so that one sweep can be measured again without the others)."""
    try:
        earlier = json.loads(out.read_text())
    except (OSError, ValueError):
        return raw
    if {k: earlier.get(k) for k in settings} != settings:
        return raw
    return {**{f: earlier[f] for f in SWEEP_ORDER if f in earlier}, **raw}


def vars_of(quota: QuotaMode) -> dict[str, Any]:
    return {"latency_ms": quota.latency_ms, "timeout_s": quota.timeout_s, "read_workers": overlap.READ_WORKERS}


def render_quota(
    function: str,
    n: int,
    changes: int,
    rows: list[dict[str, Any]],
    quota: QuotaMode,
    *,
    command: str | None = None,
    load: str | None = None,
) -> str:
    """The issue's table: each tool's wall and calls under the quota model, and the sweep's floor."""
    by_tool = {r["tool"]: r for r in rows}
    eco, c7n = by_tool["ecoguard"], by_tool["c7n"]
    least = floor(dict(eco["quota"]["served"]), quota.latency_ms / 1000, overlap.READ_WORKERS)
    what = f"{n} log groups" if function == "LogRetentionFunction" else f"{n} buckets"
    service = "cloudwatch-logs." if function == "LogRetentionFunction" else "s3."
    own = [f"{api} {q.rate:g}/s" for api, q in QUOTAS.items() if api.startswith(service)]
    quotas = ", ".join(own) or "none published for its calls (only the latency bounds it)"
    lines = [
        f"{function}: {what}, {changes} to change; quotas {quotas}; {quota.latency_ms:g} ms added to every call; "
        f"ecoguard's timeout {quota.timeout_s} s.",
        "",
        f"| tool | wall s | wall / floor | invocations (hand-offs) | governed calls | throttled answers retried "
        f"| failed (its records) | {'groups wrong' if function == 'LogRetentionFunction' else 'owner rules lost'} "
        "(read back) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in (c7n, eco):
        throttled = sum(r["quota"]["throttled"].values())
        ratio = r["wall_s"] / least["floor_s"] if least["floor_s"] else float("nan")
        # Cloud Custodian keeps no per-resource outcome record: what it failed is only what reads back wrong.
        failed = r.get("outcomes", {}).get("failed", 0) if r["tool"] == "ecoguard" else "unknown"
        lines.append(
            f"| {r['tool']} | {r['wall_s']} | {ratio:.2f} | {r['invocations']} ({r['invocations'] - 1}) | "
            f"{r['governed_calls']} | {throttled} | {failed} | {r['wrong_groups']} |"
        )
    lines += [
        "",
        f"Floor {least['floor_s']} s (calls at the quota {least['quota_s']} s; every call's round trip with "
        f"{overlap.READ_WORKERS} in flight {least['latency_s']} s). ecoguard / Cloud Custodian: wall "
        f"{eco['wall_s'] / c7n['wall_s']:.2f}, governed calls {eco['governed_calls'] / c7n['governed_calls']:.2f}. "
        + (
            f"Goal: ecoguard within 1.05 of the floor ({eco['wall_s'] / least['floor_s']:.2f})."
            if function == "LogRetentionFunction"
            else f"Goal: ecoguard's wall at most 0.5 of Cloud Custodian's ({eco['wall_s'] / c7n['wall_s']:.2f})."
        ),
        *([f"Measured by `{command}`" + (f" (load average at its end: {load})." if load else ".")] if command else []),
    ]
    return "\n".join(lines)


def render(function: str, n: int, changes: int, rows: list[dict[str, Any]]) -> str:
    by_tool = {r["tool"]: r for r in rows}
    eco, c7n = by_tool["ecoguard"], by_tool["c7n"]
    logs = function == "LogRetentionFunction"
    what = f"{n} log groups" if logs else f"{n} buckets"
    wrong = "groups wrong" if logs else "owner rules lost"
    goal = (
        f"total calls {eco['total_calls'] / c7n['total_calls']:.2f} (goal ≤ 1.1), "
        f"wall {eco['wall_s'] / c7n['wall_s']:.2f} (goal ≤ 1.2)"
        if logs
        else f"governed calls {eco['governed_calls'] / c7n['governed_calls']:.2f} (goal ≤ 0.5), "
        f"wall {eco['wall_s'] / c7n['wall_s']:.2f} (goal ≤ 0.5)"
    )
    return "\n".join(
        [
            f"{function}: {what}, {changes} to change; one moto server, the same seeded account.",
            "",
            f"| tool | governed calls | total calls | wall s | wall per change | {wrong} |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r['tool']} | {r['governed_calls']} | {r['total_calls']} | {r['wall_s']} | "
                f"{r['wall_ms_per_change']} ms | {r['wrong_groups']} |"
                for r in rows
            ),
            "",
            f"ecoguard / Cloud Custodian: {goal}.",
        ]
    )


if __name__ == "__main__":
    main()
