"""Rebuild throughput: every read model replayed from Kafka vs reading the same topics.

ceiling:  a kafka-python consumer (read_committed, same settings as the runners)
          reading both event topics from the beginning and Avro-decoding every
          value (`schemas.codec.decode`) — no projection, no database;
rebuild:  `consumers.runner.replay` of every registered read model into a new
          generation, one after the other, each reading the topics from the
          beginning (what `caseledger replay` does), including the comparison
          with the live generation and the switch.

Events per second of the rebuild = events × read models / total time (each model
reads every event); the ratio is against the ceiling's events per second.
"""

from __future__ import annotations

import time

from infra import bootstrap, logs
from infra.settings import Settings
from infra.topics import ensure_topics


def publish_once(settings: Settings) -> None:
    """Relay the store into the settings' own topics (a no-op once done: the relay resumes)."""
    ensure_topics(settings)
    app = bootstrap.ledger(settings)
    try:
        relay = bootstrap.relay(settings, logs.get_logger("relay"), batch_size=5000, app=app)
        relay.run(once=True)
    finally:
        app.close()
    wait_until_settled(settings, [settings.case_events_topic, settings.unit_events_topic])


def wait_until_settled(settings: Settings, topics: list[str], timeout: float = 30.0) -> None:
    """Wait until every committed transaction's markers are written (last stable offset = high watermark).

    Until then a read_committed reader sees an end offset short of the last batch.
    """
    from kafka import KafkaConsumer

    from consumers.runner import all_partitions, consumer_factory

    committed = consumer_factory(settings, client_id="caseledger-bench-settle")(group_id=None)
    raw = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_uncommitted",
                        client_id="caseledger-bench-settle")
    try:
        parts = all_partitions(committed, topics)
        deadline = time.monotonic() + timeout
        while committed.end_offsets(parts) != raw.end_offsets(parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"transactions on {topics} did not settle within {timeout:.0f} s")
            time.sleep(0.05)
    finally:
        committed.close()
        raw.close()


def ceiling(settings: Settings) -> tuple[int, float]:
    from consumers.runner import all_partitions, consumer_factory
    from schemas.codec import decode

    consumer = consumer_factory(settings, client_id="caseledger-bench-ceiling")(group_id=None)
    parts = all_partitions(consumer, [settings.case_events_topic, settings.unit_events_topic])
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    count = 0
    t0 = time.perf_counter()
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                decode(record.value)
                count += 1
    seconds = time.perf_counter() - t0
    consumer.close()
    return count, seconds


def rebuild_all(settings: Settings) -> tuple[dict[str, float], int]:
    from consumers.runner import consumer_factory, pg_connector, replay
    from projections import registry

    times, events = {}, 0
    for name in registry.names():
        projection, decode = registry.build(name, settings)
        topics = registry.topics_for(projection, settings)
        t0 = time.perf_counter()
        report = replay(projection, decode, topics, schema=settings.projection_schema,
                        connect_pg=pg_connector(settings, "caseledger-bench-replay"),
                        make_consumer=consumer_factory(settings, client_id="caseledger-bench-replay"))
        times[name] = time.perf_counter() - t0
        events = max(events, report.events)
    return times, events


def run(settings: Settings) -> dict:
    publish_once(settings)
    count, ceiling_s = ceiling(settings)
    times, events = rebuild_all(settings)
    total_s = sum(times.values())
    per_model = {name: events / s for name, s in times.items()}
    rebuild_rate = events * len(times) / total_s
    return {
        "events": count,
        "read_models": len(times),
        "ceiling_events_per_s": count / ceiling_s,
        "rebuild_events_per_s": rebuild_rate,
        "rebuild_seconds": total_s,
        "per_model_events_per_s": per_model,
        "ratio": rebuild_rate / (count / ceiling_s),
    }


def stage(ctx) -> dict:
    return run(ctx.bench)


def row(result: dict) -> str:
    models = ", ".join(f"{k} {v:,.0f}/s" for k, v in result["per_model_events_per_s"].items())
    return (f"| replay | {result['events']:,} events × {result['read_models']} read models | ceiling (consume + "
            f"Avro decode) {result['ceiling_events_per_s']:,.0f}/s | rebuild {result['rebuild_events_per_s']:,.0f}"
            f"/s in {result['rebuild_seconds']:.0f} s ({models}) | ratio {result['ratio']:.2f} |")
