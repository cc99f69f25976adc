"""CentralIngestFunction (org/management.yaml): store one member's audit event in the central table.

The central bus's rule delivers each ``ecoguard`` event here. The write is conditional on the
item being absent, so a duplicate delivery is stored once and counted once. A malformed event is
rejected (``ecoguard.invocation.reject``): one structured error log, nothing written.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ecoguard.adapters.central_table import CentralTable
from ecoguard.adapters.clients import client
from ecoguard.central import central_item
from ecoguard.events import parse_event
from ecoguard.invocation import run_or_reject
from ecoguard.settings import load_central_settings

logger = Logger()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_or_reject("central-ingest", lambda: ingest(event))


def ingest(event: dict[str, Any]) -> dict[str, Any]:
    item = central_item(parse_event(event))
    settings = load_central_settings()
    stored = CentralTable(client("dynamodb"), settings.central_table).put_once(item)
    key = {"pk": item["pk"]["S"], "sk": item["sk"]["S"]}
    logger.info("audit event", extra={**key, "stored": stored})
    return {**key, "stored": stored}
