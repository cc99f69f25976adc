"""``python -m tools.simulator doctor``: ``ecoguard doctor`` on the demo account. template.yaml is deployed
through moto's CloudFormation (tools/simulator/deployed.py), the account is seeded as the demo seeds it
(log groups, buckets), and the doctor's table is printed, as ``ecoguard doctor --stack ecoguard`` prints
it after ``sam deploy``. The shims of tools/simulator/doctor_shims.py answer what moto lacks."""

from __future__ import annotations

import boto3
from rich.console import Console

from ecoguard.adapters.clients import reset_clients
from ecoguard_cli.doctor.deployment import Deployment
from ecoguard_cli.doctor.run import doctor_table, run_checks
from tools.simulator.account import simulated_aws
from tools.simulator.demo import fake_credentials
from tools.simulator.deployed import deploy_simulated_stack
from tools.simulator.doctor_shims import DoctorAccount, install
from tools.simulator.seed import seed_log_groups
from tools.simulator.seed_s3 import seed_buckets

STACK = "ecoguard"


def main() -> None:
    fake_credentials()
    console = Console(width=200)
    with simulated_aws():
        reset_clients()
        deploy_simulated_stack(STACK)
        console.print(f"Simulated account: stack {STACK} deployed from template.yaml; "
                      f"{seed_log_groups()} log groups and {seed_buckets()} buckets seeded.")  # fmt: skip
        session = boto3.session.Session()
        install(session, DoctorAccount())
        console.print(doctor_table(run_checks(Deployment(session, STACK)), STACK))
