"""IdleNotebookFunction in the simulated account: the activity lifecycle configuration and its reports."""

from __future__ import annotations

LIFECYCLE = "ecoguard-demo-activity"  # ${AWS::StackName}-activity
HOUR_OF_REPORTS = 12
ZERO_DAY = [0.0] * (24 * HOUR_OF_REPORTS)
