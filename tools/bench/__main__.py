"""``make bench [SCALE=1.0]``: every sweep at scale, cold starts, package sizes and the tool's own cost,
written to docs/PERFORMANCE.md (the measured figures between its BENCH markers; at a reduced scale, to its copy
in dist/: tools/bench/output.py) and dist/bench.json."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tools.bench import coldstart, events_first, package
from tools.bench.figures import cost_rows, sweep_rows
from tools.bench.markdown import render
from tools.bench.output import document_for
from tools.simulator.template import ROOT, functions, load_template

DOC = ROOT / "docs" / "PERFORMANCE.md"
OUT = ROOT / "dist" / "bench.json"
BEGIN, END = "<!-- BENCH:BEGIN -->", "<!-- BENCH:END -->"
QUOTA_BEGIN, QUOTA_END = "<!-- QUOTA:BEGIN -->", "<!-- QUOTA:END -->"
SWEEP_ORDER = (
    "LogRetentionFunction",
    "StorageLifecycleFunction",
    "IdleEndpointFunction",
    "IdleNotebookFunction",
    "TrainingGuardFunction",
    "ServingAdvisorFunction",
)
# Quota mode measures these too; they are seeded by tools.bench.overlapped (then run as every other sweep).
QUOTA_ORDER = (*SWEEP_ORDER, "StudioIdleFunction", "IdleComputeFunction")
SEEDED_BY = {"StudioIdleFunction": "tools.bench.overlapped", "IdleComputeFunction": "tools.bench.overlapped"}


def run_sweep(function: str, scale: float, tps: float, quota: list[str] | None = None) -> dict[str, Any]:
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", SEEDED_BY.get(function, "tools.bench.sweep"), function, "--scale", str(scale)]
        + (["--tps", str(tps)] if function not in SEEDED_BY else [])
        + (quota or []),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"{function} bench failed:\n{result.stderr[-4000:]}")
    figures = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    figures["process_s"] = round(time.monotonic() - started, 1)
    print(f"  {function}: {figures['process_s']} s", flush=True)
    return figures


def demo_savings() -> dict[str, Any]:
    """What ``make demo``'s enforce run saves, from the impact report it writes (ecoguard/impact.py)."""
    subprocess.run(
        [sys.executable, "-m", "tools.simulator", "demo"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    report = json.loads((ROOT / "dist" / "ecoguard-report.json").read_text())
    return {key: report[key] for key in ("avoided_to_date", "monthly_run_rate", "potential_monthly")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--tps", type=float, default=5.0, help="simulated calls a second per governed API operation")
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per handler for import times")
    parser.add_argument("--render-only", action="store_true", help="redo the tables from dist/bench.json")
    parser.add_argument("--quota", action="store_true", help="documented quotas and a latency, in real time")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--timeout", type=int, default=120, help="every sweep's Lambda timeout in s (quota mode)")
    parser.add_argument(
        "--sweeps",
        type=sweeps_of,
        default=QUOTA_ORDER,
        help="quota mode: comma-separated LogicalIds (default all); the others' last figures are kept",
    )
    args = parser.parse_args()
    if args.quota and args.render_only:
        saved = json.loads(OUT.with_name("bench-quota.json").read_text())
        scale, latency = saved["scale"], saved["latency_ms"]
        table = quota_table(saved["sweeps"], scale, latency, saved["timeout_s"])
        write_quota_tables(scale, f"{table}\n\n{events_first.table(saved['events'], latency)}")
        return
    if args.quota:
        quota_bench(args.scale, args.latency_ms, args.timeout, args.sweeps)
        return
    if args.render_only:
        figures = json.loads(OUT.read_text())
        specs = functions(load_template())
        figures["sweep_rows"] = sweep_rows(figures["sweeps"], specs, figures["imports"])
        figures["cost"] = cost_rows(figures["sweeps"], specs, load_template())
        write(figures)
        return
    started = time.monotonic()
    template = load_template()
    specs = functions(template)

    print(f"sweeps at scale {args.scale}:", flush=True)
    sweeps = [run_sweep(f, args.scale, args.tps) for f in SWEEP_ORDER]
    print("sam build, package sizes, cold starts:", flush=True)
    build_dir = ROOT / ".aws-sam" / "bench"
    package.build(build_dir)
    sizes = package.sizes(build_dir)
    imports = coldstart.measure(build_dir, specs, runs=args.runs)
    print("demo savings:", flush=True)
    savings = demo_savings()
    figures = {
        "scale": args.scale,
        "tps": args.tps,
        "machine": {"cpus": os.cpu_count(), "load_avg": [round(x, 2) for x in os.getloadavg()]},
        "sweeps": sweeps,
        "sweep_rows": sweep_rows(sweeps, specs, imports),
        "cost": cost_rows(sweeps, specs, template),
        "package": sizes,
        "imports": imports,
        "demo": savings,
        "bench_s": round(time.monotonic() - started, 1),
    }
    doc = write(figures)
    print(f"wrote {doc.relative_to(ROOT)} and {OUT.relative_to(ROOT)} in {figures['bench_s']} s")


def sweeps_of(text: str) -> tuple[str, ...]:
    """``--sweeps LogRetentionFunction,StorageLifecycleFunction``: the sweeps to run, in the table's order."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    if not names or not names <= set(QUOTA_ORDER):
        raise argparse.ArgumentTypeError(f"--sweeps takes some of {', '.join(QUOTA_ORDER)}; got {text!r}")
    return tuple(f for f in QUOTA_ORDER if f in names)


def quota_bench(scale: float, latency_ms: float, timeout_s: int, run: tuple[str, ...] = QUOTA_ORDER) -> None:
    """The sweeps ``run`` with the account bounded as a real one is (``tools/bench/quota.py``): each one's wall
    against its floor. Written to dist/bench-quota.json, over the last figures of the sweeps not run (same scale
    and model); into docs/PERFORMANCE.md (QUOTA markers) only at full scale."""
    flags = ["--quota", "--latency-ms", str(latency_ms), "--timeout", str(timeout_s)]
    print(f"sweeps at scale {scale}, documented quotas, {latency_ms:g} ms a call, timeout {timeout_s} s:", flush=True)
    out = OUT.with_name("bench-quota.json")
    settings = {"scale": scale, "latency_ms": latency_ms, "timeout_s": timeout_s}
    command = f"make bench QUOTA=1 SCALE={scale:g} LATENCY_MS={latency_ms:g} TIMEOUT={timeout_s}" + (
        f" SWEEPS={','.join(run)}" if run != QUOTA_ORDER else ""
    )
    measured = {f: {**run_sweep(f, scale, 1e9, flags), "command": command} for f in run}
    try:
        earlier = json.loads(out.read_text())
    except (OSError, ValueError):
        earlier = {}
    if {k: earlier.get(k) for k in settings} == settings:
        measured = {**{s["function"]: s for s in earlier.get("sweeps", [])}, **measured}
    sweeps = [measured[f] for f in QUOTA_ORDER if f in measured]
    events = run_events(latency_ms)
    table = f"{quota_table(sweeps, scale, latency_ms, timeout_s)}\n\n{events_first.table(events, latency_ms)}"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({**settings, "sweeps": sweeps, "events": events, "table": table}, indent=2, default=str))
    print(table)
    write_quota_tables(scale, table)


def write_quota_tables(scale: float, table: str) -> None:
    doc = replace_between(document_for(scale, DOC), QUOTA_BEGIN, QUOTA_END, table)
    print(f"wrote {doc.relative_to(ROOT)}")


def run_events(latency_ms: float) -> list[dict[str, Any]]:
    """A resource created after the sweep, handled by its own event (``tools/bench/events_first.py``)."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "tools.bench.events_first", "--latency-ms", str(latency_ms)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"events-first bench failed:\n{result.stderr[-4000:]}")
    rows: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"  events first: {len(rows)} cases", flush=True)
    return rows


def quota_table(sweeps: list[dict[str, Any]], scale: float, latency_ms: float, timeout_s: int) -> str:
    """One row a sweep (its wall against its floor), each with the command that measured it."""
    lines = [
        f"Scale **{scale:g}**, documented quotas (tools/bench/quota.py), {latency_ms:g} ms added to every call, "
        f"every sweep's timeout {timeout_s} s. Calls: every call answered (bookkeeping included; throttled answers "
        "not counted, they are in their own column, each retried). Simulator: the time moto itself took to answer "
        "the calls the sweep's own thread waited on, beyond the added latency (its CPU, not in the floor).",
        "",
        "| sweep | resources | wall s | floor s (quota; latency) | wall / floor | goal (issue 32) | simulator s "
        "| (wall - simulator) / floor | calls | throttled answers | invocations (hand-offs) | failed | deferred |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for figures in sweeps:
        quota, outcomes = figures["quota"], figures["outcomes"]
        ratio = figures["wall_s"] / quota["floor_s"] if quota["floor_s"] else float("nan")
        simulator = quota.get("simulator_main_s")
        own = (
            f"{(figures['wall_s'] - simulator) / quota['floor_s']:.2f}"
            if simulator is not None and quota["floor_s"]
            else "unknown"
        )
        lines.append(
            f"| {figures['function']} | {figures['truth']['listed']} | {figures['wall_s']} | {quota['floor_s']} "
            f"({quota['quota_s']}; {quota['latency_s']}) | {ratio:.2f} | {goal_of(figures['function'], ratio)} | "
            f"{'unknown' if simulator is None else simulator} | {own} | "
            f"{sum(quota['served'].values())} | "
            f"{sum(quota['throttled'].values())} | {figures['invocations']} ({figures['invocations'] - 1}) | "
            f"{outcomes.get('failed', 0)} | {outcomes.get('deferred', 0)} |"
        )
    commands = [f"{f['function']}: `{f.get('command', f'make bench QUOTA=1 SCALE={scale:g}')}`" for f in sweeps]
    lines += ["", "Measured by: " + "; ".join(commands) + "."]
    return "\n".join(lines)


def goal_of(function: str, ratio: float) -> str:
    """Issue 32's goal for the sweep's wall against its floor, and whether this run met it."""
    if function == "StorageLifecycleFunction":
        return "wall ≤ 0.5 of Cloud Custodian's (side by side, below)"
    bound = 1.05 if function == "LogRetentionFunction" else 1.2
    return f"≤ {bound}: {'met' if ratio <= bound else 'missed'}"


def replace_between(doc: Path, begin: str, end: str, body: str) -> Path:
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{begin}\n{body}\n{end}{tail}", encoding="utf-8")
    return doc


def write(figures: dict[str, Any]) -> Path:
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2, sort_keys=True, default=str))
    doc = document_for(float(figures["scale"]), DOC)
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{BEGIN}\n{render(figures)}\n{END}{tail}", encoding="utf-8")
    return doc


if __name__ == "__main__":
    main()
