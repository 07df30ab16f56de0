"""`caseledger relay`: publish the event store's notification log to Kafka."""

from __future__ import annotations

import argparse
import signal
import threading

from infra import bootstrap, logs
from infra.progress import Progress
from infra.relay import lag
from infra.settings import Settings
from infra.startup import wait_until_available
from infra.topics import ensure_topics


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "relay",
        help="publish every recorded event to Kafka, in order, exactly once",
        description="Follow the event store's notification log and publish each event to Kafka "
        "(Avro single-object encoding, key = case or unit id) in Kafka transactions together with "
        "the relay's position, so a crash of the relay or the broker loses nothing and publishes "
        "nothing twice. Runs until SIGTERM/Ctrl-C (finishing the batch in flight), or with --once "
        "until caught up. Started while Kafka or PostgreSQL is down, it waits for them (with --once it "
        "fails at once, exit 2); a broker or database outage later is ridden out the same way. An event "
        "Kafka refuses for what it is (e.g. too large for the topic) is parked with the later events of "
        "its stream, reported, and retried; no other stream waits.",
        epilog="examples:\n  caseledger relay            # long-running\n"
        "  caseledger relay --once     # catch up, then exit\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--once", action="store_true", help="catch up with the store, then exit")
    p.add_argument("--batch", type=int, default=1000, metavar="N",
                   help="events per Kafka transaction (default 1000)")
    p.set_defaults(func=cmd_relay, component="relay")


def cmd_relay(args, settings: Settings) -> int:
    log = logs.get_logger("relay")

    def start():
        ensure_topics(settings)
        return bootstrap.ledger(settings)

    if args.once:
        app = start()  # a person waits for the answer: a server that is down is an error at once
    else:
        # A service: started before its servers (or while one restarts), it waits for them.
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        app = wait_until_available(start, log, stop, "relay")
        if app is None:
            return 0
    relay = bootstrap.relay(settings, log, batch_size=args.batch, app=app)
    relay.install_signal_handlers()
    head = app.recorder.max_notification_id() or 0
    progress = Progress("relay", total=lag(settings, app.recorder)["lag"] if args.once else None)
    try:
        published = relay.run(once=args.once, progress=lambda n, _pos: progress.advance(n))
    finally:
        progress.close()
    if args.once:
        print(f"published {published:,} events; position {relay.position:,} of {head:,}")
        if relay.parked:
            count = sum(len(ids) for ids in relay.parked.values())
            print(f"warning: {count:,} events of {len(relay.parked)} streams are parked: Kafka refuses one of "
                  "them for what it is (see relay_event_unpublishable in the log). Remove the cause, e.g. "
                  "raise the topic's max.message.bytes; the relay retries them at each start.")
    return 0
