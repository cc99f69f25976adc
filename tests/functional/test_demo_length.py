"""`make demo` is read to the end (issue 30): at most 300 lines at 120 columns, every cell and sentence whole
(no ellipsis, no Python dict), each label once; ``VERBOSE=1`` keeps every scene's tables."""

from __future__ import annotations

import io
import re

from rich.console import Console

from tools.simulator.demo import run_demo

WIDTH = 120


def demo_text(*, verbose: bool) -> str:
    out = io.StringIO()
    run_demo(Console(file=out, width=WIDTH), verbose=verbose)
    return out.getvalue()


def test_given_the_default_demo_then_it_is_short_whole_and_in_the_tense_of_its_mode() -> None:
    short = demo_text(verbose=False)
    lines = short.splitlines()
    assert len(lines) <= 300, len(lines)
    assert "…" not in short and "..." not in short
    assert not re.search(r"\{'\w+': ", short), "a Python dict printed"
    assert "skipped skip" not in short and "finding finding" not in short
    # Dry-run speaks of what would happen, enforce of what did; the restores are sentences.
    dry_run, enforce = short.split("enforce: LogRetentionFunction", 1)
    assert "would-apply: 60 x put-retention-policy" in dry_run and "  applied:" not in dry_run
    assert "  applied: 61 x put-retention-policy" in enforce and "  would-apply:" not in enforce
    assert "churn-idle is back as it was before action" in short
    # Advice repeated in enforce mode is counted, not printed again.
    assert "findings: the same 7 as in dry-run" in enforce

    verbose = demo_text(verbose=True)
    assert len(verbose.splitlines()) > len(lines)
    assert "serving-advisor" in verbose and "log-retention, dry-run" in verbose
