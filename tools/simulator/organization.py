"""An AWS Organization in the simulator: member accounts, and the central side of org/management.yaml
(bus with its organization-only policy, central audit table, report bucket) in a central account.

moto selects the account of each request from ``MOTO_ACCOUNT_ID`` first, then the
``x-moto-account-id`` header, then the access key (moto's "Multi-Account support" docs); ``as_account``
switches it. Two moto 5.2.5 gaps are covered by ``CrossAccountBusShim`` (see its docstring).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.handlers import BUILTIN_HANDLERS
from moto.events.models import events_backends

from ecoguard.forwarding import BUS_ARN
from tools.simulator.account import provision
from tools.simulator.invoke import as_another_actor
from tools.simulator.template import ROOT, Resolver, load_template

MANAGEMENT_TEMPLATE = ROOT / "org" / "management.yaml"
DEFAULT_ACCOUNT = "123456789012"  # moto's account when nothing selects another


def current_account() -> str:
    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT)


@contextmanager
def as_account(account: str) -> Iterator[None]:
    saved = os.environ.get("MOTO_ACCOUNT_ID")
    os.environ["MOTO_ACCOUNT_ID"] = account
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MOTO_ACCOUNT_ID", None)
        else:
            os.environ["MOTO_ACCOUNT_ID"] = saved


def load_management_template(path: Path = MANAGEMENT_TEMPLATE) -> dict[str, Any]:
    """org/management.yaml with its code paths made relative to the repository, as the local runner
    resolves CodeUri (``sam build`` resolves them relative to the template)."""
    template = load_template(path)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = str((path.parent / props[key]).resolve().relative_to(ROOT)) + "/"
    return template


@dataclass(frozen=True)
class Organization:
    org_id: str
    members: frozenset[str]


@dataclass
class Central:
    """The central stack's resources in the central account."""

    account: str
    region: str
    resolver: Resolver
    template: Mapping[str, Any]
    bus_name: str
    bus_arn: str
    ingest_queue_url: str

    @property
    def table(self) -> str:
        return self.resolver.refs["CentralAuditTable"]

    @property
    def bucket(self) -> str:
        return self.resolver.refs["CentralReportBucket"]


def provision_central(org: Organization, *, account: str, region: str, stack: str = "ecoguard-org") -> Central:
    """Create org/management.yaml's stateful resources in ``account``: the table, bucket, queue and log
    groups from the template, then the bus, its policy, and the ingest rule with an SQS queue standing
    in for the function (as tools/simulator/router.py does for member functions)."""
    template = load_management_template()
    parameters = {
        "OrganizationId": org.org_id,
        "TargetOrganizationalUnitIds": "ou-test-11111111",
        "TargetRegions": region,
        "MemberTemplateURL": "https://artifacts.s3.amazonaws.com/ecoguard-member.yaml",
    }
    with as_account(account):
        resolver = provision(template, stack=stack, region=region, account=account, parameters=parameters)
        resources = template["Resources"]
        bus_name = resolver.resolve(resources["CentralBus"]["Properties"]["Name"])
        events = boto3.client("events", region_name=region)
        bus_arn = events.create_event_bus(Name=bus_name)["EventBusArn"]
        resolver.refs["CentralBus"] = bus_name
        resolver.attributes[("CentralBus", "Arn")] = bus_arn
        policy = resolver.resolve(resources["CentralBusPolicy"]["Properties"])
        statement = {"Sid": policy["StatementId"], **policy["Statement"]}
        events.put_permission(
            EventBusName=bus_name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        )
        rule = resources["CentralIngestFunction"]["Properties"]["Events"]["AuditRecords"]["Properties"]
        sqs = boto3.client("sqs", region_name=region)
        queue = f"{stack}-CentralIngestFunction-target"
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        events.put_rule(Name=f"{stack}-audit-records", EventBusName=bus_name, EventPattern=json.dumps(rule["Pattern"]))
        events.put_targets(
            Rule=f"{stack}-audit-records",
            EventBusName=bus_name,
            Targets=[{"Id": "CentralIngestFunction", "Arn": f"arn:aws:sqs:{region}:{account}:{queue}"}],
        )
    return Central(account, region, resolver, template, bus_name, bus_arn, url)


def _allows(policy: Mapping[str, Any], org: Organization, sender: str, entry: Mapping[str, Any]) -> bool:
    """The bus policy, as EventBridge evaluates the parts ecoguard's uses: PutEvents, an organization
    condition, and source / detail-type conditions."""
    for statement in policy.get("Statement", []):
        actions = statement.get("Action")
        if statement.get("Effect") != "Allow" or "events:PutEvents" not in (
            [actions] if isinstance(actions, str) else actions
        ):
            continue
        equals = statement.get("Condition", {}).get("StringEquals", {})
        org_ok = sender in org.members and equals.get("aws:PrincipalOrgID") == org.org_id
        source_ok = equals.get("events:source", entry.get("Source")) == entry.get("Source")
        type_ok = equals.get("events:detail-type", entry.get("DetailType")) == entry.get("DetailType")
        if org_ok and source_ok and type_ok:
            return True
    return False


@dataclass
class CrossAccountBusShim:
    """Shim for two moto 5.2.5 gaps in cross-account PutEvents:

    - ``moto_bus_lookup_in_caller_account``: an entry whose EventBusName is another account's bus ARN is
      looked up in the caller's own account (ResourceNotFoundException). The shim puts it on the bus in the
      bus's account and region instead, after evaluating the bus's resource policy, which moto does not
      (a sender outside the organization gets AccessDeniedException, as from EventBridge).
    - ``moto_event_account_is_the_bus_account``: moto stamps the delivered event's ``account`` with the
      bus's account; EventBridge stamps the sender's. ``deliveries`` puts the sender's back.

    Installed for every client created while active (as moto installs its own stubber), so the
    forwarder's cached client must be created inside (``reset_caches``).
    """

    org: Organization
    senders: dict[str, str] = field(default_factory=dict)  # event id -> sending account
    denied: list[str] = field(default_factory=list)

    def __enter__(self) -> CrossAccountBusShim:
        BUILTIN_HANDLERS.append(("before-call.events.PutEvents", self._put_events))
        return self

    def __exit__(self, *exc: object) -> None:
        BUILTIN_HANDLERS.remove(("before-call.events.PutEvents", self._put_events))

    def _put_events(self, params: dict[str, Any], model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        entries = json.loads(params["body"])["Entries"]
        buses = {e.get("EventBusName", "default") for e in entries}
        match = BUS_ARN.match(next(iter(buses)))
        sender = current_account()
        if len(buses) != 1 or not match or match["account"] == sender:
            return None  # same account: moto handles it
        bus_account, bus_region = match["account"], match["region"]
        bus_name = next(iter(buses)).split("event-bus/", 1)[1]
        # Read from moto's state, not with DescribeEventBus: the call would be counted against the
        # forwarder's role by the least-privilege check, and it is not the forwarder's call.
        bus = events_backends[bus_account][bus_region].event_buses[bus_name]
        policy = json.loads(bus.policy or "{}")
        with as_account(bus_account):
            events: Any = boto3.client("events", region_name=bus_region)
            if not all(_allows(policy, self.org, sender, e) for e in entries):
                self.denied.append(sender)
                raise ClientError(
                    {
                        "Error": {
                            "Code": "AccessDeniedException",
                            "Message": f"{sender} may not put events on {bus_name}",
                        }
                    },
                    "PutEvents",
                )
            with as_another_actor():  # the simulated delivery, not the sending function's own call
                response = events.put_events(Entries=[{**e, "EventBusName": bus_name} for e in entries])
        for result in response["Entries"]:
            if "EventId" in result:
                self.senders[result["EventId"]] = sender
        return AWSResponse("", 200, HTTPHeaders(), None), response

    def deliveries(self, central: Central) -> list[dict[str, Any]]:
        """The events the central rule delivered (to its stand-in queue), with the sender's account."""
        delivered = []
        with as_account(central.account):
            sqs = boto3.client("sqs", region_name=central.region)
            while messages := sqs.receive_message(QueueUrl=central.ingest_queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                for message in messages:
                    event = json.loads(message["Body"])
                    event["account"] = self.senders.get(event["id"], event.get("account"))
                    delivered.append(event)
                    sqs.delete_message(QueueUrl=central.ingest_queue_url, ReceiptHandle=message["ReceiptHandle"])
        return delivered


def stream_batches(table: str, region: str, batch_size: int = 100) -> Iterator[dict[str, Any]]:
    """The table's DynamoDB stream as Lambda's event source mapping delivers it: ``{"Records": [...]}``
    batches, each record with ``eventSourceARN`` (moto's GetRecords leaves it out of some records).

    Shim ``moto_has_no_account_endpoint_for_streams``: botocore sends DynamoDB Streams calls to the
    account-based endpoint (``<account>.streams-ddb.<region>``), which moto 5.2.5 does not route (404);
    the regional endpoint is used instead. Only the local runner reads the stream: in AWS, Lambda does."""
    streams = boto3.client("dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled"))
    arn = boto3.client("dynamodb", region_name=region).describe_table(TableName=table)["Table"]["LatestStreamArn"]
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=batch_size)
            records = page.get("Records", [])
            if not records:
                break
            yield {"Records": [{**r, "eventSourceARN": r.get("eventSourceARN", arn)} for r in records]}
            iterator = page.get("NextShardIterator")


def invoke_central(central: Central, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run a central function (org/management.yaml) in the central account."""
    from tools.simulator.invoke import invoke

    env = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"}
    with as_account(central.account):
        [result] = invoke(logical_id, event, central.resolver, env=env, template=central.template)
    return result
