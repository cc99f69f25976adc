"""The moto server both tools of ``make bench PEER=c7n`` call: ``python -m tools.bench.peer_server PORT
[--quota --latency-ms MS]``.

moto's own server, with the simulator's server-side shims installed in its process
(``tools/simulator/tagging_shim.py``, ``dynamodb_shim.py``), so that ecoguard and Cloud Custodian see one
account, answered alike. It serves until killed.

``--quota``: the account bounded as a real one is, for both tools alike (``tools/bench/quota.py``): every
request waits ``--latency-ms``, and a call to an API with a documented quota (told by its ``X-Amz-Target``
header: the quota'd APIs are all JSON-protocol ones) past its token bucket is answered with the service's
throttling error, never reaching moto. ``GET /ecoguard-bench/quota`` returns the throttled and served counts;
``POST /ecoguard-bench/quota/reset`` zeroes them and bounds the calls from then on, ``.../off`` stops bounding
them (while an account is seeded).
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from tools.bench.quota import QuotaModel
from tools.simulator.dynamodb_shim import transactions_without_table_copies
from tools.simulator.tagging_shim import tagging_api_shims

# X-Amz-Target prefix -> botocore service id (the quota table's keys).
TARGETS = {"Logs_20140328": "cloudwatch-logs", "SageMaker": "sagemaker"}
STATUS = {400: "400 Bad Request", 503: "503 Slow Down", 200: "200 OK"}

type Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def api_of(environ: dict[str, Any]) -> str | None:
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    prefix, _, operation = target.partition(".")
    service = TARGETS.get(prefix)
    return f"{service}.{operation}" if service and operation else None


def bounded(app: Wsgi, model: QuotaModel) -> Wsgi:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/ecoguard-bench/quota"):
            if path.endswith(("/reset", "/off")):
                model.throttled.clear()
                model.served.clear()
            if path.endswith(("/reset", "/off")):
                model.enabled = path.endswith("/reset")
            body = json.dumps({"throttled": model.throttled, "served": model.served}).encode()
            start_response(STATUS[200], [("Content-Type", "application/json")])
            return [body]
        if path.startswith("/moto-api") or not model.enabled:
            return app(environ, start_response)
        if model.latency_s:
            model.sleep(model.latency_s)
        # A call of no quota'd API is counted by its method and host (S3's REST calls name no operation).
        api = api_of(environ) or f"other.{environ.get('REQUEST_METHOD')} {environ.get('HTTP_HOST', '')}"
        refused = model.admit(api)
        if refused is not None:
            start_response(STATUS[refused.status], list(refused.headers().items()))
            return [refused.body()]
        return app(environ, start_response)

    return serve


class BoundedMotoServer(ThreadedMotoServer):
    def __init__(self, port: int, model: QuotaModel | None) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        self._model = model

    def _server_entry(self) -> None:
        app: Wsgi = DomainDispatcherApplication(create_backend_app)
        if self._model is not None:
            app = bounded(app, self._model)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--quota", action="store_true")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    model = QuotaModel(latency_s=args.latency_ms / 1000, throttled=Counter(), served=Counter()) if args.quota else None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with tagging_api_shims(), transactions_without_table_copies():
        server = BoundedMotoServer(args.port, model)
        server.start()
        print("ready", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
