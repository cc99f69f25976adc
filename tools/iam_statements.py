"""Every IAM statement of a CloudFormation template (SAM already expanded), with its intrinsics resolved
to sample ARNs of the resource they name, for tools/iam_definitions.py to check.

Sample values: account 123456789012, region us-east-1, partition aws, stack "ecoguard". An ARN the
template takes from a parameter is resolved from ``PARAMETER_ARNS``; an intrinsic this cannot resolve
raises, so that a new one is added here rather than silently unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tools.iam_definitions import PolicyStatement

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "ecoguard",
    "AWS::URLSuffix": "amazonaws.com",
}
HEAD = "arn:aws:{service}:us-east-1:123456789012:"
# (CloudFormation type, attribute; "Ref" for Ref) -> the ARN it returns, per the CloudFormation
# resource reference's "Return values" of each type. {name} is the logical id, lower-cased.
ARN_OF = {
    ("AWS::SQS::Queue", "Arn"): HEAD.format(service="sqs") + "{name}",
    ("AWS::DynamoDB::Table", "Arn"): HEAD.format(service="dynamodb") + "table/{name}",
    ("AWS::DynamoDB::Table", "StreamArn"): HEAD.format(service="dynamodb")
    + "table/{name}/stream/2026-01-01T00:00:00.000",
    ("AWS::SNS::Topic", "Ref"): HEAD.format(service="sns") + "{name}",
    ("AWS::SNS::Topic", "TopicArn"): HEAD.format(service="sns") + "{name}",
    ("AWS::KMS::Key", "Arn"): HEAD.format(service="kms") + "key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ("AWS::S3::Bucket", "Arn"): "arn:aws:s3:::{name}",
    ("AWS::S3::Bucket", "Ref"): "{name}",
    ("AWS::Events::EventBus", "Arn"): HEAD.format(service="events") + "event-bus/{name}",
    ("AWS::Events::Rule", "Arn"): HEAD.format(service="events") + "rule/{name}",
    ("AWS::Lambda::Function", "Arn"): HEAD.format(service="lambda") + "function:{name}",
    ("AWS::IAM::Role", "Arn"): "arn:aws:iam::123456789012:role/{name}",
    ("AWS::Logs::LogGroup", "Arn"): HEAD.format(service="logs") + "log-group:{name}:*",
    ("AWS::CloudWatch::Alarm", "Arn"): HEAD.format(service="cloudwatch") + "alarm:{name}",
    ("AWS::Events::EventBus", "Ref"): "{name}",
    ("AWS::Events::EventBus", "Name"): "{name}",
    ("AWS::SQS::Queue", "Ref"): "https://sqs.us-east-1.amazonaws.com/123456789012/{name}",
    ("AWS::KMS::Key", "Ref"): "1234abcd-12ab-34cd-56ef-1234567890ab",
    ("AWS::Lambda::Function", "Ref"): "{name}",
    ("AWS::DynamoDB::Table", "Ref"): "{name}",
}
# Parameters that hold an ARN, with a sample of the ARN each must hold.
PARAMETER_ARNS = {
    "CentralBusArn": "arn:aws:events:us-east-1:111122223333:event-bus/ecoguard-central",
}
# Parameters that hold part of an ARN, with a sample of what each holds.
PARAMETER_PARTS = {
    "TrainingRolePath": "/ml/",
    "EndpointRolePath": "/ml/",
}
SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class Unresolvable(ValueError):
    pass


class Resolver:
    def __init__(self, template: Mapping[str, Any]) -> None:
        self.types = {lid: str(r.get("Type", "")) for lid, r in dict(template.get("Resources") or {}).items()}
        self.parameters = set(dict(template.get("Parameters") or {}))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.reference(str(value["Ref"]), "Ref")
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            logical, attribute = target if isinstance(target, list) else str(target).split(".", 1)
            return self.reference(str(logical), str(attribute))
        if set(value) == {"Fn::Sub"}:
            return self.substitute(value["Fn::Sub"])
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return str(separator).join(str(self.resolve(p)) for p in parts)
        return {k: self.resolve(v) for k, v in value.items()}

    def substitute(self, sub: Any) -> str:
        text, variables = (sub[0], dict(sub[1])) if isinstance(sub, list) else (sub, {})

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                logical, attribute = name.split(".", 1)
                return str(self.reference(logical, attribute))
            return str(self.reference(name, "Ref"))

        return SUB_VARIABLE.sub(one, str(text))

    def reference(self, name: str, attribute: str) -> str:
        if name in PSEUDO:
            return PSEUDO[name]
        if name in PARAMETER_ARNS:
            return PARAMETER_ARNS[name]
        if name in PARAMETER_PARTS:
            return PARAMETER_PARTS[name]
        if name in self.parameters:
            return name.lower()
        arn = ARN_OF.get((self.types.get(name, "?"), attribute))
        if arn is None:
            raise Unresolvable(f"{name}.{attribute} ({self.types.get(name, 'no such resource')}): add it to ARN_OF")
        return arn.format(name=name.lower())


def template_statements(template: Mapping[str, Any], source: str) -> Iterator[PolicyStatement]:
    """The statements of every policy a template declares: role policies and trust policies, managed
    and inline policies, bucket, queue, topic and event-bus policies, and KMS key policies."""
    resolver = Resolver(template)
    for logical, resource in dict(template.get("Resources") or {}).items():
        kind = str(resource.get("Type", ""))
        properties = dict(resource.get("Properties") or {})
        where = f"{source}:{logical}"
        documents: list[tuple[str, Any]] = []
        if kind == "AWS::IAM::Role":
            documents.append(("trust", properties.get("AssumeRolePolicyDocument")))
            documents += [("identity", p.get("PolicyDocument")) for p in properties.get("Policies") or []]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            documents.append(("identity", properties.get("PolicyDocument")))
        elif kind in ("AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
            documents.append(("resource", properties.get("PolicyDocument")))
        elif kind == "AWS::KMS::Key":
            documents.append(("key", properties.get("KeyPolicy")))
        elif kind == "AWS::Events::EventBusPolicy" and "Statement" in properties:
            documents.append(("resource", {"Statement": properties["Statement"]}))
        for policy_kind, document in documents:
            for statement in statements_of(document):
                yield PolicyStatement(where, policy_kind, resolver.resolve(statement))


def statements_of(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, dict):
        return []
    listed = document.get("Statement")
    return [s for s in (listed if isinstance(listed, list) else [listed]) if isinstance(s, dict)]


def function_statements(
    expanded: Mapping[str, Sequence[Mapping[str, Any]]], template: Mapping[str, Any]
) -> Iterator[PolicyStatement]:
    """The statements tools/sam_expand.py prints for each function, resolved against ``template``."""
    resolver = Resolver(template)
    for function, statements in expanded.items():
        for statement in statements:
            yield PolicyStatement(f"template.yaml:{function}", "identity", resolver.resolve(statement))
