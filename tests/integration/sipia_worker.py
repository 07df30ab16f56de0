"""The SIPIA feed as a process for the kill -9 test: the real runner, feed and decoder, wired as `sipia run` does.

`--slow S` sleeps S seconds per decoded event, so a batch's transaction stays open long enough for a
SIGKILL to land inside it.

usage: python sipia_worker.py --schema S --group G [--batch N] [--slow S]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from consumers.sipia import SipiaDecoder  # noqa: E402
from infra import logs  # noqa: E402
from infra.commands.sipia import feed_runner  # noqa: E402
from infra.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--slow", type=float, default=0.0)
    args = parser.parse_args()
    settings = Settings.from_env()
    logs.configure("json", "INFO", component="sipia-feed")
    decode = SipiaDecoder()

    def slow_decode(record):
        time.sleep(args.slow)
        return decode(record)

    # As `caseledger sipia run` wires it, the decoder slowed if asked.
    runner = feed_runner(settings, args.schema, slow_decode if args.slow else decode, batch_size=args.batch,
                         group_id=args.group, poll_timeout_ms=200)
    runner.install_signal_handlers()
    return runner.run(until_caught_up=True)


if __name__ == "__main__":
    sys.exit(main())
