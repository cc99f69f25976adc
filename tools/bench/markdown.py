"""The measured part of docs/PERFORMANCE.md, as Markdown tables."""

from __future__ import annotations

from typing import Any

NOT_BENCHED = "not benched"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _outcomes(o: dict[str, int]) -> str:
    keys = ("applied", "skipped", "finding", "compliant", "failed")
    return ", ".join(f"{o[k]} {k}" for k in keys if o.get(k))


def render(f: dict[str, Any]) -> str:
    benched = [c for c in f["cost"] if c["gb_s_per_month"] is not None]
    unbenched = [c["function"] for c in f["cost"] if c["gb_s_per_month"] is None]
    out = [
        f"Scale **{f['scale']}**, simulated rate limit **{f['tps']:g} calls/s per operation**, mode enforce. "
        f"Machine: {f['machine']['cpus']} CPUs, load average {f['machine']['load_avg']} at the end (shared). "
        f"Whole bench: **{f['bench_s']:.0f} s**. Raw figures: `dist/bench.json`.",
        "",
        "### Sweeps: API calls against the lower bound",
        "",
        _table(
            [
                "sweep",
                "resources",
                "outcomes",
                "governed calls",
                "lower bound (list + metrics + writes)",
                "ratio",
                "per-resource reads",
                "floor (bound + required reads)",
                "ratio to floor",
                "bookkeeping calls (goal: 0.1 x changes + 1 a page)",
                "total calls",
                "wall per resource changed",
            ],
            [
                [
                    r["function"],
                    r["resources"],
                    _outcomes(r["outcomes"]),
                    r["governed_calls"],
                    f"{r['lower_bound']['bound']} ({r['lower_bound']['listings']} + {r['lower_bound']['metric_calls']}"
                    f" + {r['lower_bound']['writes']})",
                    f"**{r['ratio']:.2f}**",
                    ", ".join(f"{k} {v}" for k, v in sorted(r["per_resource_reads"].items())) or "none",
                    r["floor"]["bound"],
                    f"**{r['floor_ratio']:.2f}**",
                    f"{r['bookkeeping_calls']} (≤ {r['bookkeeping_goal']:g})",
                    r["total_calls"],
                    "-" if r["wall_ms_per_change"] is None else f"{r['wall_ms_per_change']:.1f} ms",
                ]
                for r in f["sweep_rows"]
            ],
        ),
        "",
        "### Sweeps: the reads the floor allows, and any made beyond them",
        "",
        _table(
            ["sweep", "operation", "required", "made", "why it cannot be avoided"],
            [
                [r["function"], op, req["count"], r["calls"].get(op, 0), req["why"]]
                for r in f["sweep_rows"]
                for op, req in sorted(r["floor"]["required"].items())
            ],
        ),
        "",
        "Reads made beyond the floor: "
        + (
            "; ".join(
                f"{r['function']}: " + ", ".join(f"{op} {n}" for op, n in sorted(r["floor"]["excess"].items()))
                for r in f["sweep_rows"]
                if r["floor"]["excess"]
            )
            or "none"
        )
        + ".",
        "",
        "### Sweeps: time, memory, timeout",
        "",
        _table(
            [
                "sweep",
                "seed (s)",
                "handler wall (s, moto)",
                "RSS growth (MB)",
                "est. peak (MB) / MemorySize",
                "invocations under throttle",
                "longest invocation (s, simulated) / timeout",
                "finished",
            ],
            [
                [
                    r["function"],
                    r["seed_s"],
                    r["wall_s"],
                    r["rss_growth_mb"],
                    f"{r['estimated_peak_mb']} / {r['memory_mb']}",
                    r["invocations"],
                    f"{r['longest_invocation_s']} / {r['timeout_s']}",
                    "yes" if r["finished"] else "**no**",
                ]
                for r in f["sweep_rows"]
            ],
        ),
        "",
        "### Cold start: handler import vs `import boto3` (median of fresh interpreters)",
        "",
        _table(
            [
                "function",
                "import (ms)",
                "boto3 alone (ms)",
                "ratio",
                "RSS after import (MB)",
                "heavy modules loaded",
                "where it goes (ms, one -X importtime run)",
            ],
            [
                [
                    k,
                    v["import_ms"],
                    v["boto3_ms"],
                    f"**{v['ratio']:.2f}**",
                    v["rss_mb"],
                    ", ".join(v["heavy_loaded"]) or "none",
                    ", ".join(f"{g} {ms}" for g, ms in v.get("breakdown_ms", {}).items()),
                ]
                for k, v in sorted(f["imports"].items())
            ],
        ),
        "",
        "### Package (`sam build`, unzipped)",
        "",
        f"Layer: **{f['package']['layer_bytes'] / 2**20:.2f} MB** (goal 15 MB). Largest parts: "
        + ", ".join(f"{name} {size / 2**20:.2f} MB" for name, size in f["package"]["layer_top"])
        + ". Runtime-provided packages in the layer: "
        + (", ".join(f["package"]["runtime_provided_in_layer"]) or "none")
        + ".",
        "",
        _table(["function", "code (bytes)"], [[k, v] for k, v in sorted(f["package"]["functions"].items())]),
        "",
        "### The tool's own cost (scheduled sweeps at this scale)",
        "",
        _table(
            ["function", "schedule", "runs/month", "s/run (simulated)", "GB-s/month", "USD/month"],
            [
                [c["function"], c["schedule"], c["runs_per_month"]]
                + (
                    [c["seconds_per_run"], c["gb_s_per_month"], f"{c['usd_per_month']:.4f}"]
                    if c["gb_s_per_month"] is not None
                    else [NOT_BENCHED] * 3
                )
                for c in f["cost"]
            ],
        ),
        "",
        f"Total of the benched functions: **{sum(c['gb_s_per_month'] for c in benched):.0f} GB-s/month, "
        f"{sum(c['usd_per_month'] for c in benched):.2f} USD/month** (arm64 list price, before the free tier)"
        + (f"; not benched, so unknown: {', '.join(unbenched)}. " if unbenched else ". ")
        + f"The demo account's applied actions avoid, by ecoguard's impact estimates, a monthly run rate of "
        f"{figure(f['demo']['monthly_run_rate']['usd'], '.2f')} USD and "
        f"{figure(f['demo']['monthly_run_rate']['kg_co2e'], '.3g')} kgCO2e "
        f"per month ({sum(f['demo']['monthly_run_rate']['unknown'].values())} unknown part(s) counted, not estimated).",
    ]
    return "\n".join(out)


def figure(value: float | None, spec: str) -> str:
    """A figure of the report's JSON: None is a figure no action knows, shown as unknown, never as 0."""
    return "unknown" if value is None else format(value, spec)
