"""Who the simulated account is: its account id, its region and the demo stack's name.

A module of its own that imports nothing, so that everything of the simulator can import it: the shims
that ``account.py`` installs read the account and region here (``account.py`` cannot be imported by what
it imports itself), and so do the seeds, the scenes, the bench and the tests.
"""

from __future__ import annotations

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "ecoguard-demo"
