"""`caseledger status`: how far each stage has got — store, relay, projections, dead letters."""

from __future__ import annotations

import argparse
import json

from infra.settings import Settings
from infra.tables import render_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="positions and lags of the relay and the projections",
        description="Show the event store's notification-log head, the relay's last published "
        "position and its lag (notification ids; ids may have gaps, so the lag is an upper bound), "
        "each read model's position (Kafka offsets of its live generation) and lag (committed events "
        "still to read; transaction markers and aborted records are not lag), and the number of "
        "dead letters.",
        epilog="examples:\n  caseledger status\n  caseledger status --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_status)


def collect(settings: Settings) -> list[dict]:
    from infra import bootstrap
    from infra.relay import lag

    from infra.tamper.service import log_state

    app = bootstrap.ledger(settings)
    try:
        relay = lag(settings, app.recorder)
        tlog = log_state(settings, settings.eventsourcing_env().get("POSTGRES_SCHEMA") or None)
        # Events not yet in a leaf (bounded count: status must answer fast).
        tlog_lag = len(app.recorder.select_notifications(tlog["position"] + 1, 100_000)) if tlog else None
    finally:
        app.close()
    rows = [{"stage": "event store", "position": relay["store_head"], "lag": 0},
            {"stage": "relay → Kafka", "position": relay["published"], "lag": relay["lag"]}]
    if tlog is not None:
        rows.append({"stage": f"transparency log ({tlog['leaves']:,} leaves, checkpoint {tlog['checkpoint']})",
                     "position": tlog["position"], "lag": tlog_lag})
    if relay["parked"]:
        # Events Kafka refused for what they are (infra/relay.py): they hold back their streams only.
        rows.append({"stage": f"relay parked: {relay['parked']} events of {len(relay['parked_streams'])} "
                              f"streams (see the relay's log: relay_event_unpublishable)",
                     "position": relay["parked"], "lag": None})
    return rows + projection_rows(settings)


def projection_rows(settings: Settings) -> list[dict]:
    """Each read model's live generation: records applied (its stored offsets) and records behind.

    Positions are Kafka offsets summed over the partitions (the stored offset of each partition
    is the next one to read); the lag is the committed events still to read after them
    (`consumers.lag.records_behind`): transaction markers and records of aborted transactions
    take offsets but are never delivered, so they are not lag, and a caught-up model shows 0.
    Plus the dead-letter count.
    """
    import psycopg2
    from kafka import KafkaConsumer, TopicPartition

    from consumers.lag import records_behind
    from infra.tamper.service import covering_checkpoint
    from projections import registry, tablesets

    store_schema = settings.eventsourcing_env().get("POSTGRES_SCHEMA") or None

    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed",
                             request_timeout_ms=10000, client_id="caseledger-status")
    conn = psycopg2.connect(settings.pg_dsn, connect_timeout=5)
    rows = []
    counted: dict[tuple[TopicPartition, int], int] = {}  # read models sharing a topic and a position
    try:
        known = consumer.topics()
        # The read models, then the SIPIA feed (a downstream subscriber in its own schema, docs/SIPIA.md).
        from consumers.sipia import SipiaFeed

        models = [(name, registry.build(name, settings)[0], settings.projection_schema) for name in registry.names()]
        for name, projection, schema in models + [("sipia_feed", SipiaFeed(), settings.sipia_schema)]:
            topics = [t for t in registry.topics_for(projection, settings) if t in known]
            parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass(%s)", (f'"{schema}".projection_current',))
                live = cur.fetchone()[0] and tablesets.current_generation(cur, schema, name)
                stored = tablesets.read_offsets(cur, schema, name, live) if live else {}
                built = tablesets.built_from(cur, schema).get(name, (None, None))[0] if live else None
            at = {tp: stored.get((tp.topic, tp.partition), 0) for tp in parts}
            position = sum(at.values())
            todo = {tp: o for tp, o in at.items() if (tp, o) not in counted}
            counted.update({(tp, todo[tp]): n for tp, n in records_behind(consumer, todo).items()})
            behind = sum(counted[(tp, o)] for tp, o in at.items())
            # The tree size and the checkpoint the read model was built from (issue 17): its facts
            # can be proved against that signed tree.
            cov = covering_checkpoint(settings, store_schema, built)
            stage = "SIPIA feed" if name == "sipia_feed" else f"projection {name}"
            rows.append({"stage": stage + (f" (v{live})" if live else " (not built)"),
                         "position": position, "lag": behind,
                         "built_from": (f"notification {built}, tree size {cov['tree_size'] or '?'}; {cov['checkpoint']}"
                                        if built is not None else ""),
                         "checkpoint": cov})
        dlq = settings.dead_letter_topic
        parts = [TopicPartition(dlq, p) for p in sorted(consumer.partitions_for_topic(dlq) or ())] if dlq in known else []
        size = (sum(consumer.end_offsets(parts).values()) - sum(consumer.beginning_offsets(parts).values())) if parts else 0
        rows.append({"stage": "dead letters", "position": size, "lag": None})
    finally:
        conn.close()
        consumer.close()
    return rows


def cmd_status(args, settings: Settings) -> int:
    # An unreachable server is reported by the CLI's one handler (infra/cli.py), with the fix.
    rows = collect(settings)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(render_table(rows, ["stage", "position", "lag", "built_from"], ["stage", "position", "lag", "built from (checkpoint)"]))
    return 0
