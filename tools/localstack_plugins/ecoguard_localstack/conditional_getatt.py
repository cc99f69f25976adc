"""A correction to LocalStack's CloudFormation engine (v2), for updates that flip a resource condition.

When an update turns a condition on (``CentralBusArn`` set), the engine evaluates the properties of the
resources that appear both as they were and as they will be. A ``Fn::GetAtt`` in a resource that did not
exist before then asks for the "before" value of another resource under the same condition, which did not
exist either, and the engine fails the change set with "Unresolved resource dependencies". Turning the
condition off fails the same way on the "after" side. CloudFormation accepts both updates.

The correction: a ``Fn::GetAtt`` inside a resource is not resolved on a side (before or after the update)
where that resource itself does not exist. Anything else is left to the engine as it is, so a resource
that exists and refers to one that does not still fails, as in CloudFormation.
Installed as a LocalStack ``on_infra_start`` hook; README, "What the deploy smoke test proves", names it.
"""

from __future__ import annotations

from typing import Any

from localstack.runtime import hooks

SCOPES = "_ecoguard_get_att_scopes"


def _owner_exists(preproc: Any, scope: str, before: bool) -> bool:
    """Does the resource whose definition holds ``scope`` exist on that side of the update?"""
    parts = scope.split("/")
    if len(parts) < 3 or parts[1] != "Resources":
        return True
    for node_resource in preproc._change_set.update_model.node_template.resources.resources:
        if node_resource.name != parts[2]:
            continue
        reference = node_resource.condition_reference
        if _is_nothing(reference):
            return True
        delta = preproc._resolve_resource_condition_reference(reference)
        value = delta.before if before else delta.after
        return _is_nothing(value) or bool(value)
    return True


def _is_nothing(value: Any) -> bool:
    from localstack.services.cloudformation.engine.v2.change_set_model import is_nothing

    return bool(is_nothing(value))


def install() -> None:
    from localstack.services.cloudformation.engine.v2.change_set_model import Nothing
    from localstack.services.cloudformation.engine.v2.change_set_model_preproc import ChangeSetModelPreproc

    visit_get_att = ChangeSetModelPreproc.visit_node_intrinsic_function_fn_get_att
    resolve_attribute = ChangeSetModelPreproc._resolve_attribute

    def visit_get_att_in_scope(self: Any, node: Any) -> Any:
        scopes = self.__dict__.setdefault(SCOPES, [])
        scopes.append(str(node.scope))
        try:
            return visit_get_att(self, node)
        finally:
            scopes.pop()

    def resolve_attribute_where_owner_exists(self: Any, arguments: Any, select_before: bool) -> Any:
        scopes = self.__dict__.get(SCOPES) or []
        if scopes and not _owner_exists(self, scopes[-1], select_before):
            return Nothing
        return resolve_attribute(self, arguments, select_before)

    ChangeSetModelPreproc.visit_node_intrinsic_function_fn_get_att = visit_get_att_in_scope
    ChangeSetModelPreproc._resolve_attribute = resolve_attribute_where_owner_exists


@hooks.on_infra_start()
def ecoguard_conditional_get_att() -> None:
    install()
