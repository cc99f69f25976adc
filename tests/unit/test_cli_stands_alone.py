"""The operator's CLI (cli/ecoguard_cli) acts on a deployed stack: it imports nothing from the simulator
(tools/) or from moto. Each check runs in a fresh interpreter in which importing either fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("audit", "restore", "report", "advise", "regions", "kpi-alarms", "doctor", "policy")

BLOCK = """
import importlib.abc, sys

BLOCKED = ("moto", "tools")

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{name} is not available to the operator's CLI", name=name)
        return None

sys.meta_path.insert(0, Blocked())
"""

PROBE = (
    BLOCK
    + """
import contextlib, importlib, io, json, pkgutil
import ecoguard_cli
from ecoguard_cli.__main__ import main

for module in pkgutil.walk_packages(ecoguard_cli.__path__, "ecoguard_cli."):
    importlib.import_module(module.name)
helps = {}
for command in [[], *[[c] for c in sys.argv[1].split(",")]]:
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main([*command, "--help"])
        except SystemExit as exc:
            helps[" ".join(["ecoguard", *command])] = exc.code
# The two commands that need no AWS account run for real.
with contextlib.redirect_stdout(io.StringIO()):
    runs = {"regions": main(["regions"]), "kpi-alarms": main(["kpi-alarms"])}
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
print(json.dumps({"helps": helps, "runs": runs, "loaded": loaded}))
"""
)


def blocked_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter outside the repository, with this repository's packages (and tools/) on
    the path: without the blocker, ``import tools`` would succeed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/ecoguard"), str(ROOT / "cli"), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env, cwd="/"
    )


def test_given_moto_and_tools_cannot_be_imported_then_every_cli_module_loads_and_every_help_exits_0() -> None:
    result = blocked_python(PROBE, ",".join(COMMANDS))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {
        "helps": dict.fromkeys(["ecoguard", *(f"ecoguard {c}" for c in COMMANDS)], 0),
        "runs": {"regions": 0, "kpi-alarms": 0},
        "loaded": [],
    }


def test_the_blocker_stops_an_import_of_the_simulator_and_of_moto() -> None:
    for module in ("tools.simulator.account", "moto"):
        result = blocked_python(BLOCK + f"import {module}\n")
        assert result.returncode != 0 and "is not available to the operator's CLI" in result.stderr, module
    assert blocked_python("import tools.simulator.template\n").returncode == 0
