"""The wheel (``pip install .``): the product (ecoguard) and the operator's CLI (ecoguard_cli), whole; nothing
of tools/ (the simulator, the bench) or of the tests. Built offline from a copy of the repository."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"ecoguard": ROOT / "layers/ecoguard/ecoguard", "ecoguard_cli": ROOT / "cli/ecoguard_cli"}
# Virtualenvs, caches and build output: not sources, and some of them large.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", ".aws-sam", "dist", "build", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES, symlinks=True)
    offline = ("--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check", "-q")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), *offline, "-w", str(work / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    [path] = (work / "out").glob("*.whl")
    return zipfile.ZipFile(path)


def dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    [path] = [n for n in wheel.namelist() if n.endswith(f".dist-info/{name}")]
    return wheel.read(path).decode()


def test_given_the_wheel_then_its_top_level_packages_are_exactly_ecoguard_and_ecoguard_cli(
    wheel: zipfile.ZipFile,
) -> None:
    top = {name.split("/")[0] for name in wheel.namelist() if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"ecoguard", "ecoguard_cli"}
    assert not [name for name in wheel.namelist() if name.startswith(("tools/", "tests/"))]


def test_given_the_wheel_then_every_module_and_data_file_of_both_packages_is_in_it(wheel: zipfile.ZipFile) -> None:
    expected = {
        f"{package}/{path.relative_to(directory).as_posix()}"
        for package, directory in PACKAGES.items()
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - set(wheel.namelist()) == set()
    assert {"ecoguard/py.typed", "ecoguard/policies/default.yaml", "ecoguard_cli/__main__.py"} <= expected


def test_given_the_wheel_then_its_console_script_is_the_operator_cli(wheel: zipfile.ZipFile) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(dist_info(wheel, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"ecoguard": "ecoguard_cli.__main__:main"}
