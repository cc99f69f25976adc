"""``make sandbox``: the demo's account as a local AWS endpoint, so that every ``ecoguard`` command can be tried.

``start`` runs ``serve`` in the background and prints, once it is ready, the environment line to use it
(``AWS_ENDPOINT_URL``: boto3 and so the CLI send every call there). ``serve`` deploys template.yaml into the
simulated account as stack ``ecoguard`` (tools/simulator/deployed.py, as ``make doctor SIM=1`` does), plays the
demo on that stack's resources, then serves the account with moto's server until ``stop``.

The simulator's client-side shims (tools/simulator/*_shim.py) apply to the demo only: the CLI talks to moto's
server, which answers what moto implements, except that the stack's functions run their handlers when invoked
(``lambda_invoke_shim``): ``ecoguard restore --apply`` goes through RestoreFunction, as on a deployed stack.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer
from rich.console import Console

from ecoguard.adapters.clients import reset_clients
from ecoguard.audit import AuditTrail
from ecoguard.decisions import Outcome
from tools.simulator.account import simulated_aws
from tools.simulator.demo import fake_credentials, play
from tools.simulator.deployed import deploy_simulated_stack
from tools.simulator.identity import REGION
from tools.simulator.invoke import reset_caches
from tools.simulator.invoke_command import deployed_stack
from tools.simulator.lambda_invoke_shim import (
    deployed_functions_run_in_process,
    describe_stack_resource_past_unmodelled_ones,
)
from tools.simulator.template import ROOT, load_template

STACK = "ecoguard"
DEFAULT_PORT = 5000
DEFAULT_DIR = ROOT / "dist" / "sandbox"
READY_SECONDS = 600


def env_line(port: int) -> str:
    return (
        f"export AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_DEFAULT_REGION={REGION} "
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
    )


def hints(port: int, records: int, restorable: str | None) -> str:
    restore = f"ecoguard restore --stack {STACK} {restorable or '<action_id>'} [--apply]"
    return "\n".join(
        [
            f"ecoguard sandbox: the demo's account, stack {STACK} with {records} audit records, on 127.0.0.1:{port}.",
            "Use it from this shell (the CLI is .venv/bin/ecoguard; make audit, make report ... work too):",
            env_line(port),
            f"  ecoguard audit --stack {STACK}    ecoguard advise --stack {STACK}    ecoguard report --stack {STACK}",
            f"  ecoguard doctor --stack {STACK}   {restore}",
            "Stop it with: make sandbox-stop",
        ]
    )


def restorable_action(table: str) -> str | None:
    """An applied log-retention action the demo did not restore (it restores the first one)."""
    trail = AuditTrail(boto3.client("dynamodb", region_name=REGION), table)
    applied = [r for r in trail.records("log-retention") if r.outcome is Outcome.APPLIED]
    return applied[-1].action_id if len(applied) > 1 else None


def serve(port: int, directory: Path) -> int:
    """Deploy, play the demo, serve; write ``ready`` (the hints) once requests are answered; stop on SIGTERM."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    fake_credentials()
    template = load_template()
    with simulated_aws():
        reset_caches()
        reset_clients()
        deploy_simulated_stack(STACK)
        resolver = deployed_stack(template, STACK)
        with (directory / "demo.txt").open("w", encoding="utf-8") as log:
            results = play(Console(file=log, width=120), template, resolver, stack=STACK, verbose=False)
        with deployed_functions_run_in_process(template, resolver), describe_stack_resource_past_unmodelled_ones():
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            _, bound = server.get_host_and_port()
            table = resolver.refs["AuditTable"]
            text = hints(bound, results["report"]["records"], restorable_action(table))
            (directory / "ready").write_text(text + "\n", encoding="utf-8")
            stopping.wait()
            server.stop()
    return 0


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def running_pid(directory: Path) -> int | None:
    try:
        pid = int((directory / "pid").read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def start(port: int, directory: Path) -> int:
    """Start ``serve`` in the background and print its hints once it is ready (exit 1 if it stopped)."""
    directory.mkdir(parents=True, exist_ok=True)
    if running_pid(directory) is not None:
        print((directory / "ready").read_text(encoding="utf-8") if (directory / "ready").exists() else "starting")
        return 0
    if port and port_in_use(port):
        print(f"sandbox: port {port} is in use: make sandbox PORT=<another port>", file=sys.stderr)
        return 2
    (directory / "ready").unlink(missing_ok=True)
    command = [sys.executable, "-m", "tools.simulator", "sandbox", "serve", "--port", str(port)]
    command += ["--dir", str(directory)]
    with (directory / "sandbox.log").open("w", encoding="utf-8") as log:
        child = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    (directory / "pid").write_text(str(child.pid), encoding="utf-8")
    print("sandbox: deploying template.yaml and playing the demo in the simulated account (about a minute) ...")
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if (directory / "ready").exists():
            print((directory / "ready").read_text(encoding="utf-8"), end="")
            return 0
        if child.poll() is not None:
            (directory / "pid").unlink(missing_ok=True)
            print(f"sandbox: it stopped before it was ready; see {directory / 'sandbox.log'}", file=sys.stderr)
            return 1
        time.sleep(0.5)
    stop(directory)
    print(f"sandbox: not ready after {READY_SECONDS} s; see {directory / 'sandbox.log'}", file=sys.stderr)
    return 1


def stop(directory: Path) -> int:
    pid = running_pid(directory)
    if pid is None:
        print("sandbox: none running")
        (directory / "pid").unlink(missing_ok=True)
        return 0
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if running_pid(directory) is None:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    for name in ("pid", "ready"):
        (directory / name).unlink(missing_ok=True)
    print(f"sandbox: stopped (process {pid})")
    return 0
