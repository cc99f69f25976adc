"""ecoguard: sustainability guardrails for machine learning on AWS.

Layout: ``guardrails`` decide (pure), ``adapters`` talk to AWS, ``runners`` tie a
guardrail to its adapters, ``executor`` turns a plan into audited actions.
"""

__version__ = "0.1.0"
