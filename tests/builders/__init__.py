"""Builders, constants and helpers that more than one test module uses, one module per subject.

Tests import these from here and never from another test module (a test module is collected, run and
changed on its own). In-memory fakes of AWS services are in tests/unit/fakes.py, s3_fakes.py and
endpoint_fakes.py.
"""
