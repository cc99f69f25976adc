"""`make demo` runs, and says what the README promises: dry-run changes nothing, enforce acts, restore undoes."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tools.simulator.demo import run_demo
from tools.simulator.seed_serving import SEEDS, UNDERUSED_JOB


def test_the_demo_runs_dry_run_then_enforce_then_restore() -> None:
    out = io.StringIO()
    results = run_demo(Console(file=out, width=160))
    assert results["log-retention/dry-run"]["changed"] == []
    assert results["log-retention/dry-run"]["records"] > 0
    assert len(results["log-retention/enforce"]["changed"]) > 50
    assert results["log-retention/dry-run"]["redelivery_actions"] == 0
    assert results["log-retention/restore"] == "restored"
    assert Path(results["report"]["path"]).read_text().count("<svg") >= 2
    assert results["training-guard/dry-run"]["would_stop"] == ["resnet-idle", "xgboost-cpu"]
    assert results["training-guard/dry-run"]["stopped"] == []
    assert results["training-guard/enforce"]["stopped"] == ["resnet-idle", "xgboost-cpu"]
    assert results["training-guard/restore"] == "restored"
    assert results["storage-lifecycle/dry-run"]["changed"] == []
    assert results["storage-lifecycle/dry-run"]["records"] > 0
    # Six seeded buckets get rules; the exempt, unknown-class and other-region ones do not.
    assert len(results["storage-lifecycle/enforce"]["changed"]) == 6
    assert results["storage-lifecycle/enforce"]["second_sweep_actions"] == 0
    assert results["storage-lifecycle/enforce"]["owner_intact"] is True
    # The untagged bucket is not opted in: its noncurrent-version expiration is withheld, and said so.
    assert results["storage-lifecycle/dry-run"]["withheld"] == ["ml-datalake"]
    assert results["storage-lifecycle/enforce"]["withheld"] == ["ml-datalake"]
    assert results["storage-lifecycle/restore"] == "restored"
    assert results["retraining-gate/dry-run"]["started"] == 0
    gate = results["retraining-gate/enforce"]
    assert gate["started"] == 1
    assert gate["outcomes"] == {
        "f1 alarm: breach 1": "finding",
        "drift alarm on feature tenure": "finding",
        "f1 alarm: breach 2": "applied",
        "f1 alarm: breach 3": "finding",
        "f1 alarm: breach 4": "skipped",
        "unrelated EC2 alarm": "ignored (no model in the policy)",
        "f1 alarm: breach 2, same event delivered again": "skipped",
    }
    assert results["model-card-impact/dry-run"] == {"written": False, "applied": 0}
    assert results["model-card-impact/enforce"] == {"written": True, "applied": 1}
    # Every seeded endpoint gets exactly the recommendation it was built for; advise-none gets none.
    advised = {s.name: [s.expected] for s in SEEDS if s.expected} | {UNDERUSED_JOB: ["training-rightsizing"]}
    assert results["serving-advisor/dry-run"]["recommendations"] == advised
    assert results["serving-advisor/enforce"]["recommendations"] == advised
    text = out.getvalue()
    assert "would-apply" in text and "applied" in text and "tagged ecoguard:exempt=true" in text
    assert "refused: inside the cooldown" in text and "drift, only notified" in text


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


def test_the_studio_scene_configures_the_unconfigured_domain_keeps_the_owners_and_logs_out_the_idle_canvas() -> None:
    results = run_demo(Console(file=io.StringIO(), width=160))

    def idle(mode: str, domain: str, member: str, app: str) -> object:
        settings = results[f"studio-idle/{mode}"]["settings"][domain][member].get(app, {})
        return settings.get("AppLifecycleManagement", {}).get("IdleSettings")

    targets = [
        ("DefaultUserSettings", "JupyterLabAppSettings"),
        ("DefaultUserSettings", "CodeEditorAppSettings"),
        ("DefaultSpaceSettings", "JupyterLabAppSettings"),
    ]
    assert all(idle("dry-run", "research", m, a) is None for m, a in targets), "dry-run changes nothing"
    assert set(results["studio-idle/dry-run"]["canvas"].values()) == {"InService"}
    enabled = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60}
    assert all(idle("enforce", "research", m, a) == enabled for m, a in targets)
    owners = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 75}
    assert all(idle("enforce", "vision", m, a) == owners for m, a in targets), "the owner's shorter setting is kept"
    assert all(idle("enforce", "legal-hold", m, a) is None for m, a in targets), "exempt"
    assert results["studio-idle/enforce"]["canvas"] == {
        "research/carol": "Deleted",
        "research/dave": "InService",
        "research/erin": "InService",
        "legal-hold/frank": "InService",
    }
    # Advice is recorded once a day whatever the mode: the dry-run recorded the three running apps.
    assert results["studio-idle/dry-run"]["findings"] == 3
    assert results["studio-idle/restore"] == "restored"


def test_the_idle_compute_scene_ends_the_unused_pool_stops_the_server_in_off_hours_and_reports_hyperpod() -> None:
    results = run_demo(Console(file=io.StringIO(), width=160))
    dry, enforce = results["idle-compute/dry-run"], results["idle-compute/enforce"]
    assert set(dry["pools"].values()) == {"Available", "Reused"} and set(dry["servers"].values()) == {"Created, Active"}
    assert enforce["pools"] == {
        "bert-pool-unused": "Terminated",
        "resnet-pool-fresh": "Available",
        "llm-pool-reused": "Reused",
        "audit-pool-exempt": "Available",
    }
    # A server never stopped is Created and Active (DescribeMlflowTrackingServer): only IsActive says it runs.
    assert enforce["servers"] == {"team-mlflow": "Stopped, Inactive", "registry-mlflow": "Created, Active"}
    # Advice is recorded once a day whatever the mode: the dry-run recorded it, enforce recognised it.
    assert {"hyperpod-cluster", "elastic-inference-accelerator", "warm-pool-notice"} <= set(dry["findings"])
    assert "warm-pool-notice" in enforce["findings"]
    assert results["idle-compute/restore"] == "restored"


def test_the_bedrock_scene_notices_then_deletes_the_idle_hourly_throughput_and_reports_the_committed_one() -> None:
    results = run_demo(Console(file=io.StringIO(), width=160))
    dry, enforce = results["bedrock-throughput/dry-run"], results["bedrock-throughput/enforce"]
    assert dry["exists"] == {"support-bot-hourly": True, "legal-six-months": True}
    assert enforce["exists"] == {"support-bot-hourly": False, "legal-six-months": True}
    assert ("delete-provisioned-throughput", "would-apply") in dry["actions"]
    assert ("finding:idle-throughput-notice", "finding") in enforce["actions"]
    assert ("delete-provisioned-throughput", "applied") in enforce["actions"]
    # Advice is recorded once a day whatever the mode: the dry-run recorded the committed one's end date.
    assert ("finding:committed-throughput", "finding") in dry["actions"]
    assert results["bedrock-throughput/restore"] == "skipped"  # restore refuses: re-buying is a purchase


def test_the_ec2_accelerators_scene_stops_and_restores_the_idle_gpu_and_only_reports_the_instance_store_one() -> None:
    out = io.StringIO()
    results = run_demo(Console(file=out, width=160))
    ebs, store = "g5g.xlarge, EBS only", "g5.xlarge, 250 GB instance store"
    assert results["ec2-accelerators/dry-run"]["states"] == {ebs: "running", store: "running"}
    assert results["ec2-accelerators/enforce"]["states"] == {ebs: "stopped", store: "running"}
    assert results["ec2-accelerators/restore"] == "restored"
    assert "250 GB of instance store, whose data a stop erases: not stopped" in out.getvalue()
