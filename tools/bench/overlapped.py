"""The Studio and idle-compute sweeps at scale, for the quota bench (issue 32): seeded here, then run by
``tools.bench.sweep.bench`` as every other sweep is (its own process, its real handler, every hand-off).

``python -m tools.bench.overlapped StudioIdleFunction --scale 0.1 --quota`` prints one JSON object.

- Studio: the demo's domains (``DEMO_DOMAINS``: no idle settings, the owner's own, idle shutdown disabled,
  exempt), repeated under numbered names; ``FULL_SCALE`` domains at scale 1.
- Idle compute: the demo's warm pools (``DEMO_POOLS``: unused 40 minutes, ended 5 minutes ago, reused,
  exempt), repeated under numbered names, and the demo's two tracking servers.
"""

from __future__ import annotations

import argparse
import json
import math
from contextlib import ExitStack
from dataclasses import replace
from typing import Any

from ecoguard import overlap
from tools.bench import sweep
from tools.bench.seed import now_utc
from tools.simulator.seed_compute import DEMO_POOLS, seed_tracking_servers, seed_warm_pools
from tools.simulator.seed_studio import DEMO_DOMAINS, seed_domains

FULL_SCALE = {"StudioIdleFunction": 200, "IdleComputeFunction": 1_000}
EVENTS = {
    "StudioIdleFunction": "studio_idle/scheduled-sweep.json",
    "IdleComputeFunction": "idle_compute/scheduled-sweep.json",
}


def seed_for(function: str, scale: float, stack: ExitStack) -> dict[str, Any]:
    n = max(1, math.ceil(FULL_SCALE[function] * scale))
    if function == "StudioIdleFunction":
        domains = tuple(
            replace(DEMO_DOMAINS[i % len(DEMO_DOMAINS)], name=f"{DEMO_DOMAINS[i % len(DEMO_DOMAINS)].name}-{i:04d}")
            for i in range(n)
        )
        seed_domains(domains)
        return {"listed": n}
    pools = tuple(replace(DEMO_POOLS[i % len(DEMO_POOLS)], job=f"bench-pool-{i:05d}") for i in range(n))
    now = now_utc()
    seed_warm_pools(pools, now)
    seed_tracking_servers(now)
    return {"listed": n + 2}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("function", choices=sorted(EVENTS))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--mode", default="enforce", choices=("enforce", "dry-run"))
    parser.add_argument("--quota", action="store_true", help="documented quotas and a latency, in real time")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--timeout", type=int, default=None, help="the function's timeout in s (quota mode)")
    parser.add_argument("--read-workers", type=int, default=None, help="threads reading ahead (1: one at a time)")
    args = parser.parse_args()
    if args.read_workers is not None:
        overlap.READ_WORKERS = args.read_workers
    sweep.SWEEPS.update(EVENTS)
    generic = sweep.seed_for

    def seeding(function: str, scale: float, stack: ExitStack) -> dict[str, Any]:
        return seed_for(function, scale, stack) if function in EVENTS else generic(function, scale, stack)

    sweep.seed_for = seeding
    quota = sweep.QuotaMode(args.latency_ms, args.timeout) if args.quota else None
    print(json.dumps(sweep.bench(args.function, args.scale, 5.0, args.mode, quota)))


if __name__ == "__main__":
    main()
