"""Runners tie a guardrail's pure decisions to its adapters, the executor and the checkpoint."""
