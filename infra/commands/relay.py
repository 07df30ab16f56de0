"""`caseledger relay`: publish the event store's notification log to Kafka."""

from __future__ import annotations

import argparse

from infra import bootstrap, logs
from infra.progress import Progress
from infra.relay import lag
from infra.settings import Settings
from infra.topics import ensure_topics


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "relay",
        help="publish every recorded event to Kafka, in order, exactly once",
        description="Follow the event store's notification log and publish each event to Kafka "
        "(Avro single-object encoding, key = case or unit id) in Kafka transactions together with "
        "the relay's position, so a crash of the relay or the broker loses nothing and publishes "
        "nothing twice. Runs until SIGTERM/Ctrl-C (finishing the batch in flight), or with --once "
        "until caught up.",
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
    ensure_topics(settings)
    app = bootstrap.ledger(settings)
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
    return 0
