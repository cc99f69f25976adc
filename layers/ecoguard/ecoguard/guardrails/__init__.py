"""Pure decisions: ``(observed state, policy) -> plan``. No boto3, no clock, no environment here."""
