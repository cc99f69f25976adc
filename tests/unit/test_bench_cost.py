"""The bench's cost table: a scheduled function the bench did not sweep has an unknown cost, not NaN or 0,
and the total says which functions it leaves out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.bench.figures import cost_rows
from tools.simulator.template import FunctionSpec


def spec(name: str) -> FunctionSpec:
    return FunctionSpec(name, Path("."), "app.handler", 900, 1024, {}, {})


TEMPLATE: dict[str, Any] = {
    "Resources": {
        name: {"Properties": {"Events": {"Sweep": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}}}}
        for name in ("Benched", "NotBenched")
    }
}


def test_given_a_scheduled_function_not_benched_then_its_cost_is_unknown_and_left_out() -> None:
    sweeps = [{"function": "Benched", "simulated_s": [10.0, 26.0], "invocations": 2}]
    rows = {r["function"]: r for r in cost_rows(sweeps, {n: spec(n) for n in ("Benched", "NotBenched")}, TEMPLATE)}
    assert rows["Benched"]["seconds_per_run"] == 36.0
    assert rows["Benched"]["gb_s_per_month"] == 730.0 * 36.0  # 1,024 MB: 1 GB
    assert rows["NotBenched"] | {"function": "", "schedule": "", "runs_per_month": 0} == {
        "function": "",
        "schedule": "",
        "runs_per_month": 0,
        "seconds_per_run": None,
        "gb_s_per_month": None,
        "usd_per_month": None,
    }
