"""checkov on template.yaml: no failed check, and every suppression justified in the resource's Metadata."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from typing import Any

import pytest

from tests.conftest import ROOT
from tools.simulator.template import load_template

# Each suppression must say why, in words a reviewer can check, not just "n/a".
MIN_JUSTIFICATION = 60
TEMPLATES = ["template.yaml", "org/management.yaml"]


def checkov() -> str:
    path = os.environ.get("CHECKOV") or shutil.which("checkov")
    if not path:
        pytest.fail("checkov is not installed: run the tests with `make test`, which installs it in .venv-checkov")
    return path


@cache
def scan(template: str) -> dict[str, Any]:
    result = subprocess.run(
        [checkov(), "--file", template, "--framework", "cloudformation", "--output", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.stdout, result.stderr[-2000:]
    report = json.loads(result.stdout)
    scanned: dict[str, Any] = report[0] if isinstance(report, list) else report
    return scanned


def skips_in(template: str) -> dict[str, list[dict[str, str]]]:
    resources = load_template(ROOT / template)["Resources"]
    return {
        name: resource["Metadata"]["checkov"]["skip"]
        for name, resource in resources.items()
        if "checkov" in resource.get("Metadata", {})
    }


@pytest.mark.parametrize("template", TEMPLATES)
def test_checkov_reports_no_failed_check_and_no_parsing_error(template: str) -> None:
    report = scan(template)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 0, "checkov scanned nothing"
    assert failed == []


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_suppression_is_justified_in_the_resources_metadata(template: str) -> None:
    for name, skips in skips_in(template).items():
        for skip in skips:
            assert len(skip.get("comment", "")) >= MIN_JUSTIFICATION, f"{name}: {skip['id']} needs its reason"


@pytest.mark.parametrize("template", TEMPLATES)
def test_checkov_skipped_exactly_the_checks_the_metadata_names(template: str) -> None:
    declared = {(name, s["id"]) for name, skips in skips_in(template).items() for s in skips}
    skipped = {(c["resource"].split(".")[-1], c["check_id"]) for c in scan(template)["results"]["skipped_checks"]}
    assert skipped == declared
