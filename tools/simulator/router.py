"""Route events to functions through EventBridge, using the rules template.yaml defines.

Each ``EventBridgeRule`` event source becomes a real rule on the simulated account's default
bus, with the template's pattern and an SQS queue standing in for the function target. An
event is put on the bus, and whatever the pattern engine delivers to a queue goes to that
queue's function. Schedules have no pattern: ``scheduled_event`` builds what a schedule rule
sends, with the rule's ARN in ``resources``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from tools.simulator.template import functions


@dataclass
class EventRouter:
    region: str
    account: str
    queues: dict[str, str] = field(default_factory=dict)  # function logical id -> queue URL
    schedules: dict[str, list[str]] = field(default_factory=dict)  # function -> rule names

    @classmethod
    def from_template(cls, template: Mapping[str, Any], *, region: str, account: str, stack: str) -> EventRouter:
        router = cls(region, account)
        events = boto3.client("events", region_name=region)
        sqs = boto3.client("sqs", region_name=region)
        for logical_id, spec in functions(template).items():
            for source_id, source in spec.events.items():
                rule = f"{stack}-{logical_id}-{source_id}"[:64]
                if source["Type"] == "Schedule":
                    router.schedules.setdefault(logical_id, []).append(rule)
                    continue
                if source["Type"] != "EventBridgeRule":
                    continue
                if logical_id not in router.queues:
                    url = sqs.create_queue(QueueName=f"{stack}-{logical_id}-target")["QueueUrl"]
                    router.queues[logical_id] = url
                queue_arn = f"arn:aws:sqs:{region}:{account}:{stack}-{logical_id}-target"
                events.put_rule(Name=rule, EventPattern=json.dumps(source["Properties"]["Pattern"]), State="ENABLED")
                events.put_targets(Rule=rule, Targets=[{"Id": logical_id, "Arn": queue_arn}])
        return router

    def route(self, event: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """Put ``event`` on the bus; return (function, delivered event) for every match."""
        events = boto3.client("events", region_name=self.region)
        entry: Any = {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event.get("detail", {})),
            "Resources": list(event.get("resources", [])),
        }
        response = events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected the event: {response['Entries']}")
        delivered = []
        sqs = boto3.client("sqs", region_name=self.region)
        for logical_id, url in self.queues.items():
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    body = json.loads(message["Body"])
                    # Shim for a moto 5.2.5 gap: events it delivers to targets lack "account",
                    # which real EventBridge always sets.
                    body.setdefault("account", self.account)
                    delivered.append((logical_id, body))
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return delivered

    def scheduled_event(self, logical_id: str, now: datetime | None = None) -> dict[str, Any]:
        rule = self.schedules[logical_id][0]
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.account,
            "time": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:{self.account}:rule/{rule}"],
            "detail": {},
        }
