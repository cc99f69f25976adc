"""Bedrock Provisioned Throughput prices: USD per model-unit hour, from a pinned, dated list.

Bedrock bills a Provisioned Throughput hourly per model unit; the price depends on the model (a custom model
is priced as its base model), the commitment (none, one month, six months) and the Region (Bedrock User
Guide, "Provisioned Throughput"; the per-model figures are on the Amazon Bedrock pricing page and in the
console's model providers page). ``data/bedrock-throughput-prices.csv`` holds every figure ecoguard has a
source for, each row with its source and retrieval date (data/SOURCES.md). A model, commitment or Region not
listed has no price: the estimate says so and its cost is unknown, never 0.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

PRICE_LIST = "data/bedrock-throughput-prices.csv"
NO_COMMITMENT = "none"


@dataclass(frozen=True)
class ThroughputPrice:
    usd_per_model_unit_hour: float
    source: str
    retrieved: str


@cache
def throughput_prices() -> dict[tuple[str, str, str], ThroughputPrice]:
    """(foundation model id, commitment, Region) -> its price."""
    text = resources.files("ecoguard").joinpath(PRICE_LIST).read_text(encoding="utf-8")
    return {
        (row["foundation_model"], row["commitment"], row["region"]): ThroughputPrice(
            float(row["usd_per_model_unit_hour"]), row["source"], row["retrieved"]
        )
        for row in csv.DictReader(text.splitlines())
    }


def model_id(foundation_model_arn: str) -> str:
    """``anthropic.claude-v2`` of ``arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2``."""
    return foundation_model_arn.rsplit("/", 1)[-1]


def throughput_price(foundation_model_arn: str, commitment: str | None, region: str) -> ThroughputPrice | None:
    return throughput_prices().get((model_id(foundation_model_arn), commitment or NO_COMMITMENT, region))
