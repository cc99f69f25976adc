"""The quota bench's own figure of the simulator's time: only what it took to answer the sweep's own thread."""

from __future__ import annotations

import threading

import boto3
from moto import mock_aws

from tests.conftest import REGION
from tools.bench.quota import QuotaModel, held


def test_given_calls_on_the_sweeps_thread_and_on_another_then_only_the_sweeps_thread_answers_are_timed() -> None:
    with mock_aws(), held(QuotaModel()) as model:
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.describe_parameters()
        on_main = model.answering_main_s
        assert on_main > 0

        elsewhere = threading.Thread(target=ssm.describe_parameters)
        elsewhere.start()
        elsewhere.join()

        assert model.answering_main_s == on_main
        assert sum(model.served.values()) == 2
