"""The ledger's mapper: each stored event is the Avro single-object encoding Kafka carries.

See docs/EVENT-CONTRACT.md §8.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic


class PublishedBytesMapper(Mapper):
    """Stores each domain event as its Avro single-object encoding: the bytes the relay publishes.

    One encoding, made and validated once, when the event is written: ``schemas.codec``
    checks every field against the latest schema of the event type while converting, so
    an event the contract cannot carry raises ``EventValidationError`` (with the field
    path) before the recorder is called, and nothing of that save is written. Reading
    decodes with the writer schema named by the fingerprint, resolved into the current
    one, so events written with earlier schema versions still load.

    Datetimes come back as the same instant in UTC (Avro ``timestamp-micros``); the
    domain reads business time only through its offset-independent calendar
    (``domain.calendar.local_date``), so rebuilding gives the same state.

    Library snapshots are not part of the contract and keep the JSON transcoding, as
    do events stored before this encoding (state not starting with the Avro marker).
    """

    def __init__(self, transcoder: Transcoder, compressor: Any = None, cipher: Any = None,
                 key_service: Any = None) -> None:
        if compressor is not None or cipher is not None:
            # The stored bytes are the published bytes; personal fields are to be
            # encrypted inside the record (per adolescent), not the whole state.
            raise ValueError("CaseLedger stores the published Avro bytes: "
                             "unset COMPRESSOR_TOPIC and CIPHER_TOPIC")
        super().__init__(transcoder)
        from infra.persistence.keys import ephemeral_key_service
        from schemas.codec import MARKER, Codec, default_codec
        from schemas.records import from_record_of

        # Personal fields are sealed per adolescent inside the record (schemas/sealing.py); the
        # application reads its own events decrypted, so aggregates never see a sealed value.
        self.key_service = key_service or ephemeral_key_service()
        shared = default_codec()
        self.codec = Codec(shared.store, shared.events, shared.fallback, sealer=self.key_service)
        self._marker = MARKER
        self._from_record = from_record_of

    def use_keys(self, key_service: Any) -> None:
        """Seal and open with `key_service` (the ledger's, from its environment)."""
        self.key_service = self.codec.sealer = key_service

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if isinstance(domain_event, CanSnapshotAggregate):
            return super().to_stored_event(domain_event)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=self.codec.encode(domain_event),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        state = bytes(stored_event.state)
        if state[:2] != self._marker:
            return super().to_domain_event(stored_event)
        from schemas.errors import SchemaError
        from schemas.sealing import SealingError

        try:
            decoded = self.codec.opened(self.codec.decode(state))
            return self._from_record(self.codec.events.get(decoded.event_type), decoded.datum)
        except (SchemaError, SealingError) as exc:
            raise MapperDeserialisationError(
                f"Failed to decode stored event with topic '{stored_event.topic}', originator_id "
                f"'{stored_event.originator_id}' and originator_version {stored_event.originator_version}: {exc}"
            ) from exc
