"""The case ledger application: the event store, the aggregate cache, the recording moment, the queries.

The commands are in ``application.commands`` (one table; ``execute`` runs each). Every
command of the table is also a method of the ledger — ``ledger.record_intake(**arguments)``
is ``execute(ledger, "record_intake", arguments)`` — so callers in Python read like the domain.

Persistence comes from the environment like any eventsourcing application
(``PERSISTENCE_MODULE``: POPO by default, ``eventsourcing.sqlite``, ``eventsourcing.postgres``
or ``infra.persistence.event_store:PostgresStore``), passed as ``CaseLedger(env={...})``;
``infra.bootstrap`` builds it from the settings.

The store holds what Kafka carries: each stored event's state is its Avro
single-object encoding (``schemas.codec``), the exact bytes the relay publishes.
See ``infra.persistence.mapper`` and docs/EVENT-CONTRACT.md §8.
"""

from __future__ import annotations

import inspect
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.persistence import JSONTranscoder, Mapper, PersistenceError, Recording, Transcoder

from application.commands import COMMANDS, Command, execute
from application.idempotency import CommandRecord, encode_result
from domain.calendar import require_not_after_recording
from domain.case import Case
from domain.rules import refuse
from domain.unit import Unit
from infra.persistence.mapper import PublishedBytesMapper
from infra.persistence.repository import PickledCacheRepository
from infra.persistence.transcodings import ExactJSONTranscoder, register_value_transcodings

__all__ = ["CaseLedger"]


class CaseLedger(Application):
    """The case ledger of the socio-educational units (*livro de registro do caso*).

    Its event store holds each event as the Avro single-object encoding published on
    Kafka (``infra.persistence.mapper``): one encoding, validated once, when the event is
    written. A command whose event does not fit its published schema is refused with
    the field path (``schemas.errors.EventValidationError``) and nothing is written;
    the relay copies the stored bytes to Kafka without decoding them.
    """

    name = "CaseLedger"
    attempted: list[Any] = []  # the events of the last save tried (see ``holds``)
    # The command being run under a command id (set by ``application.commands.execute``), and the
    # recording a retry was last answered with (``application.idempotency``).
    command_in_progress: tuple | None = None
    last_replay: CommandRecord | None = None

    def construct_repository(self) -> Repository:
        library = super().construct_repository()
        repository = PickledCacheRepository(
            library.event_store, snapshot_store=library.snapshot_store, fastforward=library.fastforward,
            fastforward_skipping=library.fastforward_skipping, deepcopy_from_cache=library.deepcopy_from_cache)
        repository.cache = library.cache  # sized from AGGREGATE_CACHE_MAXSIZE, as the library reads it
        return repository

    @property
    def retention_years(self) -> int:
        """Years a released case's personal data are kept (D-19): CASELEDGER_RETENTION_YEARS."""
        from domain.case.erasure import DEFAULT_RETENTION_YEARS

        return int(self.env.get("CASELEDGER_RETENTION_YEARS") or DEFAULT_RETENTION_YEARS)

    @staticmethod
    def clock() -> datetime:
        """The recording moment (transaction time); tests replace it to record in another year."""
        return datetime.now(timezone.utc)

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        # D-15, for every event of every command, in the one place all of them pass before the store.
        recorded_at = self.clock()
        for domain_event in processing_event.events:
            require_not_after_recording(domain_event, recorded_at)
        self.attempted = processing_event.events
        record = self._command_record(processing_event.events)
        if record is not None:  # stored by the recorder in the transaction of the events
            processing_event.saved_kwargs["command"] = record
        try:
            recordings = super()._record(processing_event)
        except PersistenceError:
            # Another writer stored these aggregates first (a conflict), or the store may hold
            # more than the cache: reload them from the store next time.
            self.repository.forget(processing_event.aggregates)
            raise
        self.repository.saved(processing_event.aggregates, processing_event.events)
        if record is not None and not hasattr(self.recorder, "select_command"):
            self.__dict__.setdefault("_commands", {})[record.command_id] = record  # in memory: no transaction to share
        return recordings

    def _command_record(self, events: list[Any]) -> CommandRecord | None:
        if self.command_in_progress is None:
            return None
        command_id, name, content, returned = self.command_in_progress
        return CommandRecord(command_id, name, content, encode_result(returned.get("result")),
                             tuple((str(e.originator_id), e.originator_version) for e in events))

    def recorded_command(self, command_id: str) -> CommandRecord | None:
        """The command recorded under ``command_id``, or None (``application.idempotency``)."""
        select = getattr(self.recorder, "select_command", None)
        if select is not None:
            row = select(command_id)
            return None if row is None else CommandRecord(
                row["command_id"], row["command"], row["digest"], row["result"],
                tuple((str(stream), int(version)) for stream, version in row["events"]))
        return self.__dict__.get("_commands", {}).get(command_id)

    def holds(self, events: list[Any]) -> bool:
        """Whether the store holds these very events: a write whose commit was never confirmed
        (the connection was lost) may have been committed. The encoding carries each event's
        timestamp and content, so another writer's event at the same position differs."""
        for event in events:
            stored = self.recorder.select_events(event.originator_id, gt=event.originator_version - 1,
                                                 lte=event.originator_version)
            if not stored or bytes(stored[0].state) != self.mapper.to_stored_event(event).state:
                return False
        return bool(events)

    def construct_mapper(self) -> Mapper:
        from infra.persistence.keys import key_service_from_env

        mapper = self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=PublishedBytesMapper)
        mapper.use_keys(key_service_from_env(self.env))
        return mapper

    def construct_transcoder(self) -> Transcoder:
        transcoder = ExactJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- queries ----------------------------------------------------------------------------

    def case(self, case_id: UUID) -> Case:
        """The current state of a case."""
        try:
            return self.repository.get(case_id)
        except AggregateNotFoundError:
            refuse("D-04", f"No case {case_id}; register the adolescent first.")

    def unit(self, unit_id: UUID) -> Unit:
        """The current state of a unit."""
        try:
            return self.repository.get(unit_id)
        except AggregateNotFoundError:
            refuse("D-04", f"No unit {unit_id}; define the unit from its Portaria first.")

    def current_unit(self, case: Case) -> Unit:
        """The unit the youth is in now."""
        if case.unit_id is None:
            refuse("D-02", "The youth has no active stay in a unit.")
        return self.unit(UUID(case.unit_id))

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether the store holds any event of this case or unit."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))


def _command_method(command: Command) -> Any:
    def method(self: CaseLedger, **arguments: Any) -> Any:
        return execute(self, command.name, arguments)

    method.__name__ = method.__qualname__ = command.name
    method.__doc__ = command.__doc__
    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    method.__signature__ = command.__signature__.replace(
        parameters=[self_parameter, *command.__signature__.parameters.values()])
    return method


# ``ledger.submit_pia(case_id=…, …)`` for every row of the table: the same door, ``execute``.
for _command in COMMANDS.values():
    setattr(CaseLedger, _command.name, _command_method(_command))
del _command
