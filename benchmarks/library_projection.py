"""Baseline: the eventsourcing library's own projection mechanism, with our read models' logic.

What the library offers for read models (eventsourcing 9.5.6, `eventsourcing.projection`):
a `ProjectionRunner` builds the application, subscribes to its notification log
(`ApplicationSubscription`: PostgreSQL LISTEN/NOTIFY plus pages of 500 notifications
read on a thread of their own), and hands each event with its `Tracking` (application
name, notification id) to `Projection.process_event`; the projection calls a method of
its materialised view (a `TrackingRecorder`) that writes the view's rows and the
tracking record in one transaction — one transaction per event, which is how the
library's examples do it. On a restart the runner resumes after the view's largest
tracking id.

Here each of our read models (`projections.registry`: audit_trail, case_view,
unit_occupancy) runs as such a projection, one after the other, each following the
log from its start — as `caseledger replay` rebuilds them one after the other from
the topics. The logic is ours, unchanged: `projections.engine.project` (the model's
`apply` plus the checks the Kafka runner makes), and the rows are written by
`projections.tablesets.execute_changes` into a generation made by `create_generation`,
so the only differences from our rebuild are where events come from and how the
writes are grouped into transactions.

Adapted at the edges, and why:

- The events. A stored event's state is the Avro single-object encoding that the relay
  publishes unchanged (`infra.persistence.mapper`, `infra.bootstrap.avro_records`), so the runner's
  application is the ledger with a mapper that decodes those bytes with
  `projections.decoding.Decoder`: the projection gets the very `LedgerEvent` a Kafka
  record gives, decoded once, instead of a domain object it would have to turn back
  into one.
- The view. `tablesets` speaks psycopg2 (as our runners do) and the library's recorders
  psycopg 3; one transaction needs one connection. So the view is a
  `PostgresTrackingRecorder` (built by the library's factory, which creates its
  tracking table and answers `max_tracking_id` and `wait`) whose `apply` runs the row
  changes and the library's own tracking statement (single-row upsert, refused if the
  id does not advance) in one psycopg2 transaction.

Where things go: the tables and each projection's tracking table are in the schema
`<store schema>_library`, dropped at the start of `measure` so every run starts from
scratch.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from typing import Any

import psycopg2
from eventsourcing.persistence import IntegrityError, Mapper, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection as LibraryProjection
from eventsourcing.projection import ProjectionRunner
from psycopg2 import sql

from benchmarks.data import drop_schema
from application.ledger import CaseLedger
from infra.progress import Progress
from infra.settings import Settings
from projections import registry, tablesets
from projections.decoding import Decoder
from projections.engine import Change, Projection, project

# -- the events: the ledger's log, read as Kafka subscribers read it -------------------------


class LedgerEventMapper(Mapper):
    """Stored event → `LedgerEvent`: its Avro bytes decoded as a Kafka record's value is.

    Events stored before the store held Avro are encoded first, as the relay does.
    """

    def __init__(self, ledger_mapper: Mapper) -> None:
        super().__init__(ledger_mapper.transcoder)
        self.ledger_mapper = ledger_mapper
        self.decoder = Decoder(ledger_mapper.codec)

    def to_domain_event(self, stored_event: Any) -> Any:
        from schemas.codec import MARKER

        value = bytes(stored_event.state)
        if value[:2] != MARKER:
            value = self.ledger_mapper.codec.encode(self.ledger_mapper.to_domain_event(stored_event))
        return self.decoder.decode_value(value)


class LedgerEventLog(CaseLedger):
    """The CaseLedger application (same name, so same tables and tracking name), yielding LedgerEvents."""

    name = CaseLedger.name

    def construct_mapper(self) -> Mapper:
        return LedgerEventMapper(super().construct_mapper())


# -- the view: one read model's generation plus the library's tracking table ------------------


class ReadModelView(PostgresTrackingRecorder):
    """A read model's tables, written with the tracking record in one transaction per event.

    Subclassed per read model (`read_model`); the library's factory constructs it from
    the environment (schema: `<PROJECTION NAME>_POSTGRES_SCHEMA`).
    """

    read_model: Projection
    until: int  # the last notification the measurement waits for

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.schema = datastore.schema
        params = datastore.pool.kwargs
        self.conn = psycopg2.connect(dbname=params["dbname"], host=params["host"], port=params["port"],
                                     user=params["user"], password=params["password"] or None,
                                     application_name="caseledger-bench-library")
        self.tracking_sql = self.insert_tracking_statement.as_string(None)
        self.generation = 0
        self.reached_until = 0.0  # perf_counter() after committing notification `until`
        self.applied = 0  # notifications applied, up to `until`

    def create_table(self) -> None:
        super().create_table()  # the tracking table
        self.generation = tablesets.ensure_live_generation(self.conn, self.schema, self.read_model)

    def apply(self, changes: list[Change], tracking: Tracking) -> None:
        with self.conn, self.conn.cursor() as cur:
            tablesets.execute_changes(cur, self.schema, self.read_model, self.generation, changes)
            cur.execute(self.tracking_sql, {"application_name": tracking.application_name,
                                            "notification_id": tracking.notification_id})
            if cur.fetchone() is None:
                raise IntegrityError(f"tracking of {tracking.application_name} did not advance "
                                     f"to {tracking.notification_id}")
        if tracking.notification_id <= self.until:
            self.applied += 1
            if tracking.notification_id == self.until:
                self.reached_until = time.perf_counter()

    def close(self) -> None:
        self.conn.close()
        self.datastore.close()


class ReadModelProjection(LibraryProjection[ReadModelView]):
    """Our read model's `apply`, checked as the Kafka runner checks it, into the view."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply(project(self.view.read_model, domain_event), tracking)


def library_classes(read_model: Projection, until: int) -> tuple[type[ReadModelProjection], type[ReadModelView]]:
    """The projection and view classes the library's runner constructs, for one read model."""
    view = type(f"{type(read_model).__name__}View", (ReadModelView,), {"read_model": read_model, "until": until})
    projection = type(f"{type(read_model).__name__}LibraryProjection", (ReadModelProjection,),
                      {"name": f"library_{read_model.name}"})
    return projection, view


def profiled_runner(profiler: cProfile.Profile) -> type[ProjectionRunner]:
    """The library's runner with `profiler` on its event-processing thread (where the work is)."""

    class ProfiledRunner(ProjectionRunner):
        @staticmethod
        def _process_events_loop(**kwargs: Any) -> None:
            profiler.enable()
            try:
                ProjectionRunner._process_events_loop(**kwargs)
            finally:
                profiler.disable()

    return ProfiledRunner


# -- the measurement ----------------------------------------------------------------------------


def library_schema(settings: Settings) -> str:
    return f"{settings.eventsourcing_env()['POSTGRES_SCHEMA']}_library"


def log_head(settings: Settings, limit: int | None) -> tuple[int, int]:
    """(last notification id to process, how many notifications up to it) in the store now."""
    store = sql.Identifier(settings.eventsourcing_env()["POSTGRES_SCHEMA"], f"{CaseLedger.name.lower()}_events")
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            if limit is None:
                cur.execute(sql.SQL("SELECT max(notification_id), count(*) FROM {}").format(store))
            else:
                cur.execute(sql.SQL("SELECT max(notification_id), count(*) FROM (SELECT notification_id FROM {} "
                                    "ORDER BY notification_id LIMIT %s) head").format(store), (limit,))
            last, count = cur.fetchone()
    finally:
        conn.close()
    return last or 0, count


def run_one(settings: Settings, read_model: Projection, schema: str, last: int, total: int,
            runner_class: type[ProjectionRunner] = ProjectionRunner) -> tuple[float, int]:
    """Run the library's runner for one read model until it has tracked `last`: (seconds, events applied)."""
    projection_class, view_class = library_classes(read_model, until=last)
    env = {**settings.eventsourcing_env(), f"{projection_class.name.upper()}_POSTGRES_SCHEMA": schema}
    progress = Progress(f"library {read_model.name}", total=total)
    t0 = time.perf_counter()
    runner = runner_class(application_class=LedgerEventLog, projection_class=projection_class,
                              view_class=view_class, env=env)
    try:
        with runner:
            while True:
                try:
                    runner.wait(last, timeout=0.5)  # re-raises the processing thread's error
                    break
                except TimeoutError:
                    progress.update(runner.view.applied)
    finally:
        runner.view.close()
    progress.update(runner.view.applied)
    progress.close()
    # The runner's wait polls (up to 0.8 s apart): the work ended at the commit of `last`.
    return runner.view.reached_until - t0, runner.view.applied


def measure(settings: Settings, limit: int | None = None, profile: bool = False) -> dict:
    """Rebuild every read model with the library's runner from the start of the log; figures.

    `settings` point at the store (`eventsourcing_overrides["POSTGRES_SCHEMA"]`, as
    `benchmarks.data.bench_settings` gives); `limit` stops after that many events.

    events:              notifications in the log when it started (or `limit`)
    seconds:             all read models, from each runner's start to its last commit
    events_per_s:        events / seconds — the log rebuilt into every read model
    model_events_per_s:  events × read models / seconds (as the replay stage counts)
    profile:             with `profile=True`, the top 10 functions by own time on the
                         event-processing threads (cProfile slows the run: time it without)
    """
    schema = library_schema(settings)
    last, events = log_head(settings, limit)
    if not events:
        raise ValueError(f"the event store {settings.eventsourcing_env()['POSTGRES_SCHEMA']} is empty")
    drop_schema(settings, schema, recreate=True)
    profiler = cProfile.Profile() if profile else None
    runner_class = profiled_runner(profiler) if profiler else ProjectionRunner
    times: dict[str, float] = {}
    for name in registry.names():
        read_model, _ = registry.build(name, settings)
        seconds, applied = run_one(settings, read_model, schema, last, events, runner_class)
        if applied != events:
            raise RuntimeError(f"library runner of {name} applied {applied:,} of {events:,} events")
        times[name] = seconds
    total = sum(times.values())
    result = {
        "events": events,
        "read_models": len(times),
        "seconds": total,
        "events_per_s": events / total,
        "model_events_per_s": events * len(times) / total,
        "per_model_events_per_s": {name: events / s for name, s in times.items()},
        "schema": schema,
    }
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
        result["profile"] = out.getvalue()
    return result
