"""Regenerate the field tables of docs/POLICY.md from the policy models (``make docs``)."""

from __future__ import annotations

from pathlib import Path

from ecoguard.policy.reference import render

ROOT = Path(__file__).resolve().parents[1]
POLICY_DOC = ROOT / "docs" / "POLICY.md"


def main() -> None:
    POLICY_DOC.write_text(render(POLICY_DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {POLICY_DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
