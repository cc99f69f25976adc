"""`make help` lists every target of the Makefile (issue 30)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def targets() -> set[str]:
    """The Makefile's named rules (not its file targets, such as ``$(VENV)/.installed``)."""
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", text, flags=re.MULTILINE)) - {"help"}


def test_given_make_help_then_every_target_is_listed() -> None:
    make = shutil.which("make")
    assert make is not None
    shown = subprocess.run([make, "-s", "-C", str(ROOT), "help"], capture_output=True, text=True, check=True).stdout
    assert len(targets()) >= 25
    missing = {t for t in targets() if not re.search(rf"make (?:[a-z-]+ \| )*{re.escape(t)}(?![\w-])", shown)}
    assert missing == set()
