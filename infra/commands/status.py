"""`caseledger status`: how far each stage has got — store, relay, projections, dead letters."""

from __future__ import annotations

import argparse
import json
import sys

from infra.settings import Settings
from infra.tables import render_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="positions and lags of the relay and the projections",
        description="Show the event store's notification-log head, the relay's last published "
        "position and its lag (notification ids; ids may have gaps, so the lag is an upper bound), "
        "and each projection's position and lag.",
        epilog="examples:\n  caseledger status\n  caseledger status --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_status)


def collect(settings: Settings) -> list[dict]:
    from infra import bootstrap
    from infra.relay import lag

    app = bootstrap.ledger(settings)
    try:
        relay = lag(settings, app.recorder)
    finally:
        app.close()
    return [{"stage": "event store", "position": relay["store_head"], "lag": 0},
            {"stage": "relay → Kafka", "position": relay["published"], "lag": relay["lag"]}]


def cmd_status(args, settings: Settings) -> int:
    from eventsourcing.persistence import OperationalError as StoreUnavailable
    from kafka.errors import KafkaError
    import psycopg2

    try:
        rows = collect(settings)
    except (psycopg2.OperationalError, StoreUnavailable) as exc:
        print(f"error: PostgreSQL at {settings.pg_host}:{settings.pg_port} is unreachable ({exc}).\n"
              "Start the local stack with: caseledger stack up", file=sys.stderr)
        return 2
    except KafkaError as exc:
        print(f"error: Kafka at {settings.kafka_bootstrap_servers} is unreachable ({exc!r}).\n"
              "Start the local stack with: caseledger stack up", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(render_table(rows, ["stage", "position", "lag"]))
    return 0
