"""The moto server both tools of ``make bench PEER=c7n`` call: ``python -m tools.bench.peer_server PORT``.

moto's own server (``ThreadedMotoServer``), with the simulator's server-side shims installed in its process
(``tools/simulator/tagging_shim.py``,
``dynamodb_shim.py``), so that ecoguard and Cloud Custodian see one
account, answered alike. It serves until killed.
"""

from __future__ import annotations

import logging
import sys
import threading

from moto.server import ThreadedMotoServer

from tools.simulator.dynamodb_shim import transactions_without_table_copies
from tools.simulator.tagging_shim import tagging_api_shims


def main() -> None:
    port = int(sys.argv[1])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with tagging_api_shims(), transactions_without_table_copies():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        print("ready", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
