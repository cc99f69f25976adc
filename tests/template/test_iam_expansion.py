"""SAM's expansion of each function's IAM policy (aws-sam-translator, in the SAM CLI's virtualenv)."""

from __future__ import annotations

from tests.least_privilege import allowed_actions, expanded_policies


def test_sam_expansion_yields_each_functions_inline_statements_and_the_dead_letter_grant() -> None:
    policies = expanded_policies()
    log_retention = allowed_actions(policies["LogRetentionFunction"])
    assert "logs:PutRetentionPolicy" in log_retention
    assert "sqs:SendMessage" in log_retention  # added by SAM for DeadLetterQueue
    assert not any("*" in action for actions in map(allowed_actions, policies.values()) for action in actions)


def test_every_action_units_declared_permissions_are_granted_to_its_function_and_to_the_restore() -> None:
    from tests.least_privilege import unit_mismatches

    granted = {fn: allowed_actions(statements) for fn, statements in expanded_policies().items()}
    assert unit_mismatches({}, granted) == []
