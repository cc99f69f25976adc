"""The guardrail names an audit record can carry, for ``ecoguard audit --guardrail``."""

from __future__ import annotations

from ecoguard.guardrails.bedrock_throughput import GUARDRAIL as BEDROCK_THROUGHPUT
from ecoguard.guardrails.ec2_accelerators import GUARDRAIL as EC2_ACCELERATORS
from ecoguard.guardrails.idle_compute import GUARDRAIL as IDLE_COMPUTE
from ecoguard.guardrails.idle_endpoint import GUARDRAIL as IDLE_ENDPOINT
from ecoguard.guardrails.idle_notebook import GUARDRAIL as IDLE_NOTEBOOK
from ecoguard.guardrails.log_retention import GUARDRAIL as LOG_RETENTION
from ecoguard.guardrails.model_card_impact import GUARDRAIL as MODEL_CARD_IMPACT
from ecoguard.guardrails.reserved_capacity import GUARDRAIL as RESERVED_CAPACITY
from ecoguard.guardrails.retraining_gate import GUARDRAIL as RETRAINING_GATE
from ecoguard.guardrails.serving_advisor import GUARDRAIL as SERVING_ADVISOR
from ecoguard.guardrails.storage_lifecycle import GUARDRAIL as STORAGE_LIFECYCLE
from ecoguard.guardrails.studio import GUARDRAIL as STUDIO_IDLE
from ecoguard.guardrails.training_guard import GUARDRAIL as TRAINING_GUARD

GUARDRAILS = tuple(
    sorted(
        {
            BEDROCK_THROUGHPUT,
            EC2_ACCELERATORS,
            IDLE_COMPUTE,
            IDLE_ENDPOINT,
            IDLE_NOTEBOOK,
            LOG_RETENTION,
            MODEL_CARD_IMPACT,
            RESERVED_CAPACITY,
            RETRAINING_GATE,
            SERVING_ADVISOR,
            STORAGE_LIFECYCLE,
            STUDIO_IDLE,
            TRAINING_GUARD,
        }
    )
)
