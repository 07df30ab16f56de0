"""Rebuild throughput: every read model rebuilt from Kafka, against two baselines on the same events.

ceiling:  a kafka-python consumer (read_committed, same settings as the runners)
          reading both event topics from the beginning and Avro-decoding every
          value (`schemas.codec.decode`) — no projection, no database;
rebuild:  `consumers.replay.replay` of every registered read model in one
          pass over the topics into new generations — what `caseledger replay`
          does — including the deferred indexes, the comparison with the live
          generations and the switch;
library:  the eventsourcing library's own projection mechanism following the
          notification log in PostgreSQL with the same projection logic
          (`benchmarks/library_projection.py`), one read model after another.

Events per second = events in the topics / wall time to rebuild all read models;
the ratios are rebuild/ceiling and rebuild/library.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
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

    from consumers.replay import all_partitions
    from infra.bootstrap import consumer_factory

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
    from consumers.replay import all_partitions
    from infra.bootstrap import consumer_factory
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


def rebuild_all(settings: Settings, profile: bool = False, workers: int = 1) -> dict:
    """Rebuild every read model in one pass; times of the load and of the whole call."""
    from consumers.replay import replay
    from infra.bootstrap import consumer_factory, pg_connector
    from projections import registry

    built = [registry.build(name, settings) for name in registry.names()]
    targets = [(projection, registry.topics_for(projection, settings)) for projection, _ in built]
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    reports = replay(targets, built[0][1], schema=settings.projection_schema,
                     connect_pg=pg_connector(settings, "caseledger-bench-replay"),
                     make_consumer=consumer_factory(settings, client_id="caseledger-bench-replay"),
                     dry_run=profile, workers=workers)
    if profiler:
        profiler.disable()
    total_s = time.perf_counter() - t0
    out = {"seconds": total_s, "load_seconds": max(r.elapsed_s for r in reports), "read_models": len(reports),
           "identical": all(r.identical for r in reports),
           "rows": {d.table: d.rebuilt_rows for r in reports for d in r.diffs}}
    if profiler:
        out["profile"] = top_functions(profiler)
    return out


def top_functions(profiler: cProfile.Profile, n: int = 15) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(n)
    return out.getvalue()


# The library's mechanism commits once per event and read model (its design): at ~100–300 events/s
# a million events would take hours, so it runs on the first LIBRARY_EVENTS of the same log.
LIBRARY_EVENTS = 20_000
WORKERS = min(2, os.cpu_count() or 1)  # as `caseledger replay` does by default


def run(settings: Settings, library: bool = True, profile: bool = False, workers: int = WORKERS,
        library_events: int = LIBRARY_EVENTS) -> dict:
    publish_once(settings)
    count, ceiling_s = ceiling(settings)
    rebuilt = rebuild_all(settings, workers=workers)
    rate = count / rebuilt["seconds"]
    result = {
        "events": count,
        "read_models": rebuilt["read_models"],
        "workers": workers,
        "ceiling_events_per_s": count / ceiling_s,
        "rebuild_seconds": rebuilt["seconds"],
        "rebuild_load_seconds": rebuilt["load_seconds"],
        "rebuild_events_per_s": rate,
        "ratio": ceiling_s / rebuilt["seconds"],
        "identical_to_live": rebuilt["identical"],
        "rows": rebuilt["rows"],
    }
    if library:
        from benchmarks import library_projection

        lib = library_projection.measure(settings, limit=min(count, library_events))
        result.update(library_events=lib["events"], library_seconds=lib["seconds"],
                      library_events_per_s=lib["events_per_s"], library_ratio=rate / lib["events_per_s"])
    if profile:
        # A separate pass (a dry run, nothing switched, one process so the profile sees it all).
        result["profile"] = rebuild_all(settings, profile=True, workers=1)["profile"]
    return result


def stage(ctx) -> dict:
    return run(ctx.bench, profile=ctx.profile)


def row(result: dict) -> str:
    lib = (f" | library mechanism (first {result['library_events']:,} events) {result['library_events_per_s']:,.0f}/s"
           f" → rebuild ×{result['library_ratio']:.1f}" if "library_ratio" in result else "")
    return (f"| replay | {result['events']:,} events, {result['read_models']} read models in one pass, "
            f"{result['workers']} worker(s) | ceiling "
            f"(consume + Avro decode) {result['ceiling_events_per_s']:,.0f}/s | rebuild "
            f"{result['rebuild_events_per_s']:,.0f}/s ({result['rebuild_seconds']:.1f} s, of which loading "
            f"{result['rebuild_load_seconds']:.1f} s) | ratio {result['ratio']:.2f}{lib} |")
