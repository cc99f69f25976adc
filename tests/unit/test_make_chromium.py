"""`make test` sets up the browser its report test needs (issue 30): where it cannot install Chromium (not root,
or no apt-get), it stops before anything else with the one command to run. PATH holds only a stand-in ``id``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def script(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def make(target: str, path: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("make")
    assert executable is not None
    return subprocess.run(
        [executable, "-s", "-C", str(ROOT), target],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(path), "HOME": str(path)},
        timeout=60,
    )


@pytest.mark.parametrize("target", ["test", "report-preview"])
def test_given_no_chromium_and_no_root_when_make_target_then_it_stops_first_with_the_command(
    tmp_path: Path, target: str
) -> None:
    script(tmp_path, "id", "echo 1000")
    result = make(target, tmp_path)
    assert result.returncode != 0
    assert result.stdout.strip() == (
        f"Chromium is not installed. Run: sudo apt-get install -y chromium   (then make {target} again)"
    )
    assert "venv" not in result.stdout + result.stderr, "it went on to set up virtualenvs"


def test_given_chromium_on_the_path_when_make_chromium_then_nothing_is_installed(tmp_path: Path) -> None:
    script(tmp_path, "id", "echo 1000")
    script(tmp_path, "chromium", "exit 0")
    script(tmp_path, "apt-get", "echo apt-get must not run; exit 1")
    result = make("chromium", tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
