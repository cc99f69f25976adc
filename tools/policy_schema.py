"""Write the policy's JSON schema to docs/policy.schema.json (``make docs``)."""

from __future__ import annotations

import json

from ecoguard.policy import Policy
from tools.simulator.template import ROOT

SCHEMA = ROOT / "docs" / "policy.schema.json"


def policy_schema() -> str:
    return json.dumps(Policy.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA.write_text(policy_schema())
    print(f"wrote {SCHEMA.relative_to(ROOT)}")
