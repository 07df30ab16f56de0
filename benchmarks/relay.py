"""Relay throughput against a plain kafka-python producer, measured in one run.

baseline: the same records, already Avro-encoded in memory, sent by a plain
          KafkaProducer (acks=all, idempotent, same batching) to fresh topics;
relay:    `Relay.run(once=True)` from position 0 to other fresh topics — reading
          the notification log from PostgreSQL, taking each stored event's bytes
          (the store holds the Avro single-object encoding) as the value and its
          headers from the envelope, and publishing in Kafka transactions with its
          position.

The ratio relay/baseline is the figure; absolute rates drift with the machine.
"""

from __future__ import annotations

import cProfile
import dataclasses
import io
import pstats
import time
import uuid

from kafka import KafkaProducer

from infra import bootstrap, logs
from infra.relay import Relay
from infra.settings import Settings
from infra.topics import ensure_topics


def fresh(settings: Settings, tag: str) -> Settings:
    suffix = f"{tag}-{uuid.uuid4().hex[:6]}"
    return dataclasses.replace(settings, case_events_topic=f"caseledger.benchrun.{suffix}.case",
                               unit_events_topic=f"caseledger.benchrun.{suffix}.unit")


def run(settings: Settings, batch: int = 2000, profile: bool = False) -> dict:
    app = bootstrap.ledger(settings)
    codec = bootstrap.codec()
    notifications = list(app.recorder.select_notifications(start=None, limit=10**9))
    count = len(notifications)

    # Baseline: the same records, pre-encoded (not timed), sent by a plain producer.
    base = fresh(settings, "raw")
    ensure_topics(base)
    make = bootstrap.avro_records(base, app.mapper, codec)
    records = [make(n) for n in notifications]
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             enable_idempotence=True, linger_ms=5, batch_size=256 * 1024)
    t0 = time.perf_counter()
    for r in records:
        producer.send(r.topic, key=r.key, value=r.value, headers=r.headers)
    producer.flush()
    raw_s = time.perf_counter() - t0
    producer.close()

    # The relay, end to end, from the store.
    target = fresh(settings, "relay")
    ensure_topics(target)
    relay = Relay(target, app.recorder, bootstrap.avro_records(target, app.mapper, codec),
                  logs.get_logger("relay"), batch_size=batch)
    t0 = time.perf_counter()
    published = relay.run(once=True)
    relay_s = time.perf_counter() - t0
    assert published == count, f"relay published {published} of {count}"
    result = {
        "events": count,
        "baseline_events_per_s": count / raw_s,
        "relay_events_per_s": count / relay_s,
        "ratio": raw_s / relay_s,
    }
    if profile:
        # A separate pass: the profiler's overhead must not touch the timed figures.
        again = fresh(settings, "profile")
        ensure_topics(again)
        relay = Relay(again, app.recorder, bootstrap.avro_records(again, app.mapper, codec),
                      logs.get_logger("relay"), batch_size=batch)
        profiler = cProfile.Profile()
        profiler.enable()
        relay.run(once=True)
        profiler.disable()
        result["profile"] = top_functions(profiler)
    app.close()
    return result


def top_functions(profiler: cProfile.Profile, n: int = 15) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(n)
    return out.getvalue()


def stage(ctx) -> dict:
    return run(ctx.bench, profile=ctx.profile)


def row(result: dict) -> str:
    return (f"| relay | {result['events']:,} events | baseline (plain producer, pre-encoded) "
            f"{result['baseline_events_per_s']:,.0f}/s | relay {result['relay_events_per_s']:,.0f}/s "
            f"| ratio {result['ratio']:.2f} |")
