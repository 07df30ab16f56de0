"""A relay process for the fault tests: the real Relay over a plain eventsourcing store.

The values are the stored events' bytes (the fault tests check delivery, not
encoding); everything else — transactions, position topic, recovery, backoff,
SIGTERM — is the production code path.

usage: python relay_worker.py [--once] [--batch N]   (settings from CASELEDGER_* / POSTGRES_*)
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from eventsourcing.application import Application  # noqa: E402

from infra import logs  # noqa: E402
from infra.relay import Relay  # noqa: E402
from infra.settings import Settings  # noqa: E402
from tests.integration.relay_support import plain_records  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    settings = Settings.from_env()
    logs.configure("json", "INFO", component="relay")
    app = Application(env=settings.eventsourcing_env())
    relay = Relay(settings, app.recorder, plain_records(settings), logs.get_logger("relay"),
                  batch_size=args.batch)
    relay.install_signal_handlers()
    relay.run(once=args.once)
    return 0


if __name__ == "__main__":
    sys.exit(main())
