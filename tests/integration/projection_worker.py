"""A projection runner process for the fault tests: the real ProjectionRunner with the toy projection.

`--slow S` sleeps S seconds per decoded event, so a batch stays open long
enough for a kill -9 to land inside its transaction.

usage: python projection_worker.py --schema S [--batch N] [--slow S] [--until-caught-up]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from infra.bootstrap import projection_runner  # noqa: E402
from infra import logs  # noqa: E402
from infra.settings import Settings  # noqa: E402
from tests.unit.projections.toy import Accounts, decode  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema", required=True)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--until-caught-up", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env()
    logs.configure("json", "INFO", component="projection-runner")

    def slow_decode(record):
        time.sleep(args.slow)
        return decode(record)

    runner = projection_runner(settings, Accounts(), slow_decode if args.slow else decode,
                                  [settings.case_events_topic], schema=args.schema, batch_size=args.batch,
                                  group_id=f"test.{settings.case_events_topic}", poll_timeout_ms=200)
    runner.install_signal_handlers()
    return runner.run(until_caught_up=args.until_caught_up)


if __name__ == "__main__":
    sys.exit(main())
