"""`make demo` runs, and says what the README promises: dry-run changes nothing, enforce acts, restore undoes."""

from __future__ import annotations

import io

from rich.console import Console

from tools.ecoguard_local.demo import run_demo


def test_the_demo_runs_dry_run_then_enforce_then_restore() -> None:
    out = io.StringIO()
    results = run_demo(Console(file=out, width=160))
    assert results["log-retention/dry-run"]["changed"] == []
    assert results["log-retention/dry-run"]["records"] > 0
    assert len(results["log-retention/enforce"]["changed"]) > 50
    assert results["log-retention/dry-run"]["redelivery_actions"] == 0
    assert results["log-retention/restore"] == "restored"
    text = out.getvalue()
    assert "would-apply" in text and "applied" in text and "tagged ecoguard:exempt=true" in text


def test_the_idle_inference_scenes_delete_only_the_idle_endpoint_and_stop_only_the_idle_notebook() -> None:
    results = run_demo(Console(file=io.StringIO(), width=160))
    everything = ["batch-async", "churn-idle", "fraud-busy", "legal-exempt", "llm-new", "ocr-serverless"]
    assert results["idle-endpoint/dry-run"]["endpoints"] == everything
    assert results["idle-endpoint/enforce"]["endpoints"] == [e for e in everything if e != "churn-idle"]
    assert results["idle-endpoint/restore"] == "restored"
    assert set(results["idle-notebook/dry-run"]["statuses"].values()) == {"InService"}
    assert results["idle-notebook/enforce"]["statuses"] == {
        "research-busy": "InService",
        "research-terminal-only": "InService",
        "research-idle": "Stopped",
        "legacy-no-lifecycle": "InService",
    }
    assert results["idle-notebook/restore"] == "restored"
