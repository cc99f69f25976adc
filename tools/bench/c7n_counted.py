"""Run Cloud Custodian (``custodian run ...``), counting every API call it makes: run by the Cloud Custodian
virtualenv's interpreter (``.venv-c7n``), never imported by ecoguard. Imports only the standard library,
botocore and c7n.

``python tools/bench/c7n_counted.py COUNTS.json custodian-args...`` writes ``{"service:Operation": n}``.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from typing import Any

from botocore.client import BaseClient


def main() -> None:
    out, args = sys.argv[1], sys.argv[2:]
    calls: Counter[str] = Counter()
    client_class: Any = BaseClient
    original = client_class._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        calls[f"{self.meta.service_model.signing_name}:{operation}"] += 1
        return original(self, operation, params)

    client_class._make_api_call = counted
    # Imported only now (after the counter is in place), and only in the Cloud Custodian virtualenv.
    custodian = importlib.import_module("c7n.cli").main

    sys.argv = ["custodian", *args]
    try:
        custodian()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(dict(calls), f)


if __name__ == "__main__":
    main()
