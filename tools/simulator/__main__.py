"""``python -m tools.simulator demo | org-demo | doctor | invoke FN EVENT``: ecoguard on a simulated account."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.simulator")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_command = commands.add_parser("demo", help="the guided demo on a simulated account")
    demo_command.add_argument("--verbose", action="store_true", help="every scene's tables and records")
    commands.add_parser("org-demo", help="the demo across simulated member accounts and regions, reporting centrally")
    commands.add_parser("doctor", help="ecoguard doctor on the demo account (template.yaml deployed in moto)")
    sandbox = commands.add_parser("sandbox", help="the demo's account as a local AWS endpoint (make sandbox)")
    sandbox.add_argument("action", choices=["start", "stop", "serve"], help="serve: in the foreground")
    sandbox.add_argument("--port", type=int, default=None, help="127.0.0.1 port (default 5000; 0: any free port)")
    sandbox.add_argument("--dir", type=Path, default=None, help="its pid, log and hints (default dist/sandbox)")
    run = commands.add_parser("invoke", help="invoke one function's handler, like sam local invoke")
    run.add_argument("function", help="logical id in template.yaml, e.g. LogRetentionFunction")
    run.add_argument("event", type=Path, help="event file, e.g. events/log_retention/scheduled-sweep.json")
    run.add_argument("--aws", action="store_true", help="use the real account of your credentials, not the simulator")
    run.add_argument("--stack", default=None, help="with --aws: the deployed stack to read resource names from")
    run.add_argument("--mode", choices=["dry-run", "enforce"], default=None, help="override the stack's Mode")
    run.add_argument("--no-seed", action="store_true", help="simulator: do not seed the demo log groups")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from tools.simulator.demo import main as demo

        demo(verbose=args.verbose)
        return 0
    if args.command == "org-demo":
        from tools.simulator.org_demo import main as org_demo

        org_demo()
        return 0
    if args.command == "doctor":
        from tools.simulator.doctor_demo import main as doctor

        doctor()
        return 0
    if args.command == "sandbox":
        from tools.simulator import sandbox as box

        directory = args.dir or box.DEFAULT_DIR
        port = box.DEFAULT_PORT if args.port is None else args.port
        if args.action == "start":
            return box.start(port, directory)
        return box.serve(port, directory) if args.action == "serve" else box.stop(directory)
    from tools.simulator.invoke_command import run_invoke

    results = run_invoke(
        args.function,
        json.loads(args.event.read_text()),
        aws=args.aws,
        stack=args.stack,
        mode=args.mode,
        seed=not args.no_seed,
    )
    Console().print_json(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
