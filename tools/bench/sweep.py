"""One sweep at scale, in its own process (so its memory is its own): seed, then run the function's
real handler on its scheduled event and follow every hand-off until the sweep finishes.

``python -m tools.bench.sweep <LogicalId> --scale 1.0`` prints one JSON object.

Measured: every API call (service, operation; GetMetricData queries), wall time, the process's RSS
growth while the handler runs (sampled), and the invocations the sweep takes when each governed API
operation is limited to ``--tps`` calls a second (``Throttle``: a virtual clock that adds the waits a
rate-limited client would see, so the sweep hands off as it would on Lambda, without sleeping).

``--quota``: the account bounded as a real one is instead (``tools/bench/quota.py``): each governed API held
to its documented quota, answering with the service's own throttling error, and ``--latency-ms`` added to
every call, in real time; ecoguard's own pacing (``ecoguard.pacing``) runs on the real clock, the function's
timeout (``--timeout``, else the template's) is measured on it, and the sweep hands off when it nears.
The figures add each sweep's floor (``quota.floor``) and the throttled answers.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from ecoguard import overlap, pacing
from tools.bench import heap, seed
from tools.bench.metric_index import indexed
from tools.bench.quota import QuotaModel, floor, held
from tools.simulator.account import provision, simulated_aws
from tools.simulator.demo import fake_credentials
from tools.simulator.identity import STACK
from tools.simulator.invoke import (
    LocalContext,
    function_environment,
    handing_off,
    load_handler,
    load_module,
    recording_api_calls,
    reset_caches,
    return_continuation,
)
from tools.simulator.s3_shim import fake_s3_configs
from tools.simulator.template import ROOT, functions, load_template
from tools.simulator.training_jobs import RunningTrainingJobs

# Bookkeeping services: the audit trail, notices, the policy, the hand-off. Not rate-limited here
# (DynamoDB on-demand and SNS allow far more than a sweep makes), and not in the lower bound.
BOOKKEEPING = frozenset({"dynamodb", "sns", "ssm", "lambda", "kms"})
WRITE_PREFIXES = ("Put", "Delete", "Stop", "Start", "Add", "Register", "Deregister", "Create", "Update", "Tag", "Untag")
SWEEPS = {
    "LogRetentionFunction": "log_retention/scheduled-sweep.json",
    "StorageLifecycleFunction": "storage_lifecycle/scheduled-sweep.json",
    "IdleEndpointFunction": "idle_endpoint/scheduled-sweep.json",
    "IdleNotebookFunction": "idle_notebook/scheduled-sweep.json",
    "TrainingGuardFunction": "training_guard/scheduled-sweep.json",
    "ServingAdvisorFunction": "serving_advisor/scheduled-sweep.json",
}
QUIET = {"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}


@dataclass
class Throttle:
    """Per-operation rate limit on a virtual clock: a call waits until its operation's next slot."""

    tps: float
    waited_s: float = 0.0
    _next: dict[str, float] = field(default_factory=dict)
    _start: float = field(default_factory=time.monotonic)

    def now(self) -> float:
        return time.monotonic() - self._start + self.waited_s

    def advance(self, seconds: float) -> None:
        """A wait ecoguard's own pacing took (``ecoguard.pacing``), on this clock."""
        self.waited_s += max(seconds, 0.0)

    def call(self, operation: str) -> None:
        t = self.now()
        allowed = self._next.get(operation, 0.0)
        if allowed > t:
            self.waited_s += allowed - t
            t = allowed
        self._next[operation] = t + 1.0 / self.tps


@dataclass
class Calls:
    by_op: Counter[str] = field(default_factory=Counter)
    metric_queries: int = 0


@contextmanager
def counting(calls: Calls, throttle: Throttle) -> Iterator[None]:
    client_class: Any = BaseClient  # _make_api_call is private to botocore, so untyped here
    original = client_class._make_api_call

    def record(self: BaseClient, operation: str, params: Any) -> Any:
        service = self.meta.service_model.signing_name
        calls.by_op[f"{service}:{operation}"] += 1
        if operation == "GetMetricData" and not params.get("NextToken"):
            calls.metric_queries += len(params.get("MetricDataQueries", []))
        if service not in BOOKKEEPING:
            throttle.call(f"{service}:{operation}")
        return original(self, operation, params)

    client_class._make_api_call = record
    try:
        yield
    finally:
        client_class._make_api_call = original


class RssSampler:
    """Peak resident memory of this process while running, sampled every 10 ms (Linux /proc)."""

    def __init__(self) -> None:
        self.baseline = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def seed_for(function: str, scale: float, stack: ExitStack) -> dict[str, Any]:
    now = seed.now_utc()
    if function == "LogRetentionFunction":
        truth = seed.seed_log_groups(seed.scaled("log_groups", scale))
    elif function == "StorageLifecycleFunction":
        stack.enter_context(fake_s3_configs())  # moto_drops_lifecycle_fields (tools/simulator/s3_shim.py)
        truth = seed.seed_buckets(seed.scaled("buckets", scale))
    elif function == "IdleEndpointFunction":
        truth = seed.seed_endpoints(seed.scaled("endpoints", scale), now)
    elif function == "IdleNotebookFunction":
        truth = seed.seed_notebooks(seed.scaled("notebooks", scale))
    elif function == "ServingAdvisorFunction":
        truth = seed.seed_serving_endpoints(seed.scaled("serving_endpoints", scale), now)
    else:
        stack.enter_context(RunningTrainingJobs.install())  # moto_has_no_stop_training_job
        truth, _ = seed.seed_training_jobs(seed.scaled("training_jobs", scale), now)
    return {"listed": truth.listed, **truth.counts}


def run_function(
    function: str,
    event: dict[str, Any],
    *,
    resolver: Any,
    template: Any,
    throttle: Throttle,
    env: dict[str, str],
    timeout_s: int | None = None,
) -> list[dict[str, Any]]:
    """The handler, then every continuation it hands off, each with the function's own timeout (or
    ``timeout_s``) measured on the throttle's clock."""
    spec = functions(template)[function]
    if timeout_s is not None:
        spec = replace(spec, timeout=timeout_s)
    results: list[dict[str, Any]] = []
    with (
        function_environment(spec, resolver, {**QUIET, **env}) as environment,
        handing_off(load_module(spec), return_continuation),
    ):
        handler = load_handler(spec)
        payload: dict[str, Any] | None = event
        while payload is not None:
            started = throttle.now()

            def remaining(started: float = started) -> int:
                return int((spec.timeout - (throttle.now() - started)) * 1000)

            context = LocalContext(
                function_name=environment["AWS_LAMBDA_FUNCTION_NAME"],
                memory_limit_in_mb=spec.memory,
                invoked_function_arn=function,
                timeout_s=spec.timeout,
                remaining_ms=remaining,
            )
            with recording_api_calls(function):
                result = handler(payload, context)
            result["simulated_s"] = round(throttle.now() - started, 1)
            results.append(result)
            payload = result.get("continuation")
            if len(results) > 500:
                raise RuntimeError(f"{function} handed off more than 500 times")
    return results


@dataclass(frozen=True)
class QuotaMode:
    latency_ms: float
    timeout_s: int | None


def bench(function: str, scale: float, tps: float, mode: str, quota: QuotaMode | None = None) -> dict[str, Any]:
    fake_credentials()
    template = load_template()
    with ExitStack() as stack:
        stack.enter_context(simulated_aws())
        reset_caches()
        resolver = provision(template, stack=STACK)
        started = time.monotonic()
        truth = seed_for(function, scale, stack)
        seed_s = time.monotonic() - started
        event = json.loads((ROOT / "events" / SWEEPS[function]).read_text())
        calls, throttle = Calls(), Throttle(tps if quota is None else 1e9)
        model = QuotaModel(latency_s=(quota.latency_ms if quota else 0.0) / 1000)
        if quota is None:
            # ecoguard's pacing waits on the throttle's virtual clock, as the throttle's own waits do.
            pacing.LIMITER = pacing.Limiter(clock=throttle.now, sleep=throttle.advance)
        else:
            stack.enter_context(held(model))
            stack.enter_context(indexed())
            stack.enter_context(heap.frozen())
            pacing.LIMITER = pacing.Limiter()
        with counting(calls, throttle), RssSampler() as rss:
            wall = time.monotonic()
            results = run_function(
                function,
                event,
                resolver=resolver,
                template=template,
                throttle=throttle,
                env={"ECOGUARD_MODE": mode},
                timeout_s=quota.timeout_s if quota else None,
            )
            wall_s = time.monotonic() - wall
        quota_figures: dict[str, Any] = {}
        if quota is not None:
            quota_figures = {
                "latency_ms": quota.latency_ms,
                "timeout_s": quota.timeout_s,
                "throttled": dict(model.throttled),
                "served": dict(model.served),
                "limiter_waited_s": round(pacing.LIMITER.waited_s, 2),
                "simulator_main_s": round(model.answering_main_s, 2),
                "read_workers": overlap.READ_WORKERS,
                **floor(model.served, model.latency_s, overlap.READ_WORKERS),
            }
        report: dict[str, Any] = {}
        if function == "LogRetentionFunction" and quota is None:
            # The weekly impact report, over the audit records this sweep wrote.
            report_calls, report_throttle = Calls(), Throttle(tps)
            report_event = json.loads((ROOT / "events" / "impact_report" / "weekly-report.json").read_text())
            with counting(report_calls, report_throttle):
                t = time.monotonic()
                run_function(
                    "ImpactReportFunction",
                    report_event,
                    resolver=resolver,
                    template=template,
                    throttle=report_throttle,
                    env={},
                )
                report = {"wall_s": round(time.monotonic() - t, 2), "calls": dict(report_calls.by_op)}
    return {
        "function": function,
        "scale": scale,
        "mode": mode,
        "tps": tps,
        "truth": truth,
        "seed_s": round(seed_s, 1),
        "wall_s": round(wall_s, 2),
        "invocations": len(results),
        "finished": bool(results[-1].get("finished")),
        "simulated_s": [r["simulated_s"] for r in results],
        "summary": {k: v for k, v in results[-1].items() if isinstance(v, int) and not isinstance(v, bool)},
        "outcomes": outcomes_of(results),
        "calls": dict(sorted(calls.by_op.items())),
        "metric_queries": calls.metric_queries,
        "rss_baseline_mb": round(rss.baseline, 1),
        "rss_peak_mb": round(rss.peak, 1),
        "impact_report": report,
        "quota": quota_figures,
    }


def outcomes_of(results: list[dict[str, Any]]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for result in results:
        for key in ("evaluated", "compliant", "applied", "would-apply", "skipped", "finding", "failed", "deferred"):
            totals[key] += int(result.get(key, 0))
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("function", choices=sorted(SWEEPS))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--tps", type=float, default=5.0)
    parser.add_argument("--mode", default="enforce", choices=("enforce", "dry-run"))
    parser.add_argument("--quota", action="store_true", help="documented quotas and a latency, in real time")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--timeout", type=int, default=None, help="the function's timeout in s (quota mode)")
    parser.add_argument("--read-workers", type=int, default=None, help="threads reading ahead (1: one at a time)")
    args = parser.parse_args()
    if args.read_workers is not None:
        overlap.READ_WORKERS = args.read_workers
    quota = QuotaMode(args.latency_ms, args.timeout) if args.quota else None
    print(json.dumps(bench(args.function, args.scale, args.tps, args.mode, quota)))


if __name__ == "__main__":
    main()
