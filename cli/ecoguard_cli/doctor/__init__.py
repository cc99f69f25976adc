"""``ecoguard doctor --stack NAME``: read-only checks of a deployed stack in the user's account, of what no
simulator can tell (docs/DOCTOR.md). Every call it makes is a Describe, List, Get or Simulate."""
