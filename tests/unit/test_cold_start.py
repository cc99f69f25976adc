"""Cold start (issue 9): importing a handler creates no boto3 client or resource and loads nothing it
does not need before its first invocation. Each handler is imported in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
# Loaded on first use only (yaml: the policy parser), or never on Lambda (the rest).
LAZY = ("yaml", "rich", "moto", "aws_xray_sdk", "tools", "pytest")

PROBE = """
import json, sys
import boto3.session, botocore.session

created = []
def refuse(kind):
    def call(self, *args, **kwargs):
        created.append(kind)
        raise AssertionError(f"a boto3 {kind} was created at import")
    return call

botocore.session.Session.create_client = refuse("client")
boto3.session.Session.resource = refuse("resource")
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import app
print(json.dumps({"created": created, "loaded": sorted(m for m in sys.argv[3].split(",") if m in sys.modules)}))
"""


def fresh_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter, outside the repository and without the test run's PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env, cwd="/"
    )


def probe_import(code_dir: Path, watched: tuple[str, ...] | list[str]) -> dict[str, list[str]]:
    result = fresh_python(PROBE, str(code_dir), str(ROOT / "layers" / "ecoguard"), ",".join(watched))
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("handler", HANDLERS)
def test_given_a_handler_module_when_imported_fresh_then_no_client_is_created_and_heavy_modules_stay_unloaded(
    handler: str,
) -> None:
    assert probe_import(ROOT / "functions" / handler, LAZY) == {"created": [], "loaded": []}


def test_the_probe_detects_a_client_created_at_import(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import boto3\nboto3.client('s3', region_name='us-east-1')\n")
    result = fresh_python(PROBE, str(tmp_path), str(ROOT / "layers" / "ecoguard"), ",".join(LAZY))
    assert result.returncode != 0 and "a boto3 client was created at import" in result.stderr


ACTION_MODULES = sorted(
    f"ecoguard.actions.{p.stem}"
    for p in (ROOT / "layers/ecoguard/ecoguard/actions").glob("*.py")
    if p.stem != "__init__"
)


def test_given_the_restore_handler_when_imported_fresh_then_no_guardrail_runner_or_action_is_loaded() -> None:
    assert probe_import(ROOT / "functions/restore", [*ACTION_MODULES, "ecoguard.runner"]) == {
        "created": [],
        "loaded": [],
    }


def test_given_a_record_of_one_guardrail_when_its_action_unit_is_built_then_only_that_guardrails_actions_load() -> None:
    probe = (
        "import json, sys; sys.path[:0] = [sys.argv[1]]\n"
        "from ecoguard.actions import registry\n"
        "import boto3\n"
        "registry('storage-lifecycle').unit('merge-lifecycle', lambda s: boto3.client(s, region_name='eu-west-1'))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ecoguard.actions.'))))\n"
    )
    result = fresh_python(probe, str(ROOT / "layers/ecoguard"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["ecoguard.actions.storage_lifecycle"]
