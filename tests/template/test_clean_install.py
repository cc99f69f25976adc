"""``pip install .`` in a clean virtualenv (issue 30): the wheel declares what it imports, so the installed
``ecoguard`` starts, on every Python that ``requires-python`` admits (3.12 and 3.13, the Lambda runtimes the
package can run on). The wheel is built offline; its dependencies come from the package index."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", ".aws-sam", "dist", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)
ADMITTED = ("3.12", "3.13")
HELPS: tuple[list[str], ...] = (
    [],
    ["audit"],
    ["restore"],
    ["report"],
    ["advise"],
    ["doctor"],
    ["policy"],
    ["policy", "validate"],
    ["policy", "show"],
    ["regions"],
    ["kpi-alarms"],
)


def interpreter(version: str) -> str:
    """Python ``version`` as the Makefile finds it: on PATH or under pyenv (a pyenv shim may not answer)."""
    candidates = [
        shutil.which(f"python{version}"),
        *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}"))),
        f"/usr/local/bin/python{version}",
        f"/usr/bin/python{version}",
    ]
    check = f"import sys; assert sys.version_info[:2] == ({version.replace('.', ', ')})"
    found = next((c for c in candidates if c and Path(c).is_file() and answers(c, check)), None)
    if found is None:
        pytest.fail(f"Python {version} not found (on PATH or under ~/.pyenv/versions): pyenv install {version}")
    return found


def answers(python: str, check: str) -> bool:
    return subprocess.run([python, "-c", check], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("clean-wheel")
    shutil.copytree(ROOT, work / "source", ignore=NOT_SOURCES, symlinks=True)
    offline = ("--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check", "-q")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(work / "source"), *offline, "-w", str(work / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [path] = (work / "out").glob("*.whl")
    return path


def clean_env() -> dict[str, str]:
    """No PYTHONPATH (the Makefile exports the repository's), no AWS settings: a new user's shell."""
    return {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"} and not k.startswith("AWS_")
    } | {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module", params=ADMITTED)
def installed(request: pytest.FixtureRequest, wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``ecoguard`` script of a fresh virtualenv with the wheel and its dependencies installed."""
    venv = tmp_path_factory.mktemp(f"venv-{request.param}")
    subprocess.run([interpreter(request.param), "-m", "venv", str(venv)], check=True, env=clean_env())
    install = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
    )
    assert install.returncode == 0, install.stderr
    return venv / "bin" / "ecoguard"


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, check=False, env=clean_env(), cwd=script.parent
    )


@pytest.mark.template
def test_given_a_clean_venv_with_the_wheel_when_each_help_is_asked_then_each_exits_0(installed: Path) -> None:
    for command in HELPS:
        result = run(installed, *command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.startswith(f"usage: {' '.join(['ecoguard', *command])}"), command


@pytest.mark.template
def test_given_a_clean_venv_with_the_wheel_when_the_policy_is_shown_then_the_bundled_policy_is_printed(
    installed: Path,
) -> None:
    result = run(installed, "policy", "show")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("version: 1\n") and "log_retention:" in result.stdout


@pytest.mark.template
def test_given_a_clean_venv_and_no_region_when_audit_then_one_line_and_exit_2(installed: Path) -> None:
    result = run(installed, "audit", "--stack", "ecoguard")
    assert result.returncode == 2
    assert result.stderr.startswith("ecoguard: no AWS region") and len(result.stderr.splitlines()) == 1
