"""The event store holds the published bytes: every event type round-trips through it exactly."""

from __future__ import annotations

import copy
from datetime import timezone
from types import SimpleNamespace

import pytest
from eventsourcing.persistence import Mapper

from infra import bootstrap
from application.ledger import CaseLedger
from infra.settings import Settings
from schemas.codec import Codec, decode, default_codec, encode, encode_datum
from schemas.examples import example_event
from schemas.records import datum_for
from schemas.store import SchemaVersion, default_store
from tests.unit.domain.builders import AGENTE, a_unit, an_admitted_youth, new_ledger, on_day

EVENT_TYPES = list(default_codec().events)


@pytest.fixture(scope="module")
def ledger() -> CaseLedger:
    return new_ledger()


def _notification(stored, notification_id: int = 7):
    return SimpleNamespace(id=notification_id, originator_id=stored.originator_id,
                           originator_version=stored.originator_version, topic=stored.topic, state=stored.state)


@pytest.mark.parametrize("fill_optional", [True, False], ids=["full", "minimal"])
@pytest.mark.parametrize("et", EVENT_TYPES, ids=lambda et: et.name)
def test_every_event_type_is_stored_as_its_published_bytes_and_read_back_exactly(ledger, et, fill_optional):
    event = example_event(et, sequence=3, fill_optional=fill_optional)
    stored = ledger.mapper.to_stored_event(event)
    assert stored.state == encode(event)
    assert stored.topic.endswith(f"{et.aggregate.__name__}.{et.cls.__name__}")
    assert (stored.originator_id, stored.originator_version) == (event.originator_id, 3)
    back = ledger.mapper.to_domain_event(stored)
    assert type(back) is type(event)
    assert vars(back) == vars(event)
    for name, value in vars(event).items():  # same types too: tuples stay tuples, enums stay enums
        assert type(vars(back)[name]) is type(value), name


def test_an_aware_datetime_comes_back_as_the_same_instant_in_utc(ledger):
    et = default_codec().events.get("Case.IntakeRecorded")
    event = example_event(et)
    local = on_day(1, 9, 30)  # Cuiabá, -04:00
    object.__setattr__(event, "occurred_at", local)
    back = ledger.mapper.to_domain_event(ledger.mapper.to_stored_event(event))
    assert back.occurred_at == local
    assert back.occurred_at.utcoffset().total_seconds() == 0


def test_the_relay_publishes_the_stored_bytes_with_headers_from_the_envelope(ledger):
    et = default_codec().events.get("Unit.ResidentAdmitted")
    event = example_event(et, sequence=5)
    object.__setattr__(event, "occurred_at", on_day(2, 8))
    stored = ledger.mapper.to_stored_event(event)
    settings = Settings()
    record = bootstrap.avro_records(settings, ledger.mapper, default_codec())(_notification(stored))
    assert record.value == stored.state
    assert record.topic == settings.unit_events_topic
    headers = dict(record.headers)
    assert headers["event_type"] == b"Unit.ResidentAdmitted"
    assert headers["schema_fingerprint"] == stored.state[2:10].hex().encode()
    assert headers["stream_seq"] == b"5" and headers["notification_id"] == b"7"
    assert headers["occurred_at"] == on_day(2, 8).astimezone(timezone.utc).isoformat().encode()
    assert headers["recorded_at"] == event.timestamp.isoformat().encode()
    assert headers["event_id"] == str(decode(record.value).datum["envelope"]["event_id"]).encode()


def _earlier_version(et_name: str) -> tuple[SchemaVersion, str]:
    """A made-up earlier version of `et_name`: the latest without one optional payload field."""
    latest = default_store().latest(et_name)
    schema = copy.deepcopy(latest.schema)
    optional = [f for f in schema["fields"][1:] if "default" in f]
    assert optional, f"{et_name} has no optional field to drop"
    schema["fields"].remove(optional[-1])
    return SchemaVersion(et_name, 0, schema), optional[-1]["name"]


def test_an_event_written_with_an_earlier_schema_version_still_reads_and_publishes(ledger):
    et_name = "Case.IntakeRecorded"
    earlier, dropped = _earlier_version(et_name)
    codec = Codec(default_store(), fallback=lambda fp: (et_name, earlier.schema) if fp == earlier.fingerprint else None,
                  sealer=ledger.mapper.key_service)
    event = example_event(codec.events.get(et_name), sequence=2)
    old_bytes = encode_datum(earlier, datum_for(codec.events.get(et_name), earlier.parsed, event, codec._sealing(event)))
    stored = ledger.mapper.to_stored_event(event)
    stored = type(stored)(stored.originator_id, stored.originator_version, stored.topic, old_bytes)

    reading = new_ledger()
    reading.mapper.codec = codec
    back = reading.mapper.to_domain_event(stored)
    assert getattr(back, dropped) is None  # the reader's default for the field the writer lacked
    assert {k: v for k, v in vars(back).items() if k != dropped} == {k: v for k, v in vars(event).items() if k != dropped}

    record = bootstrap.avro_records(Settings(), reading.mapper, codec)(_notification(stored))
    assert record.value == old_bytes
    assert dict(record.headers)["schema_fingerprint"] == earlier.fingerprint_hex.encode()


def test_an_event_stored_as_json_before_the_store_held_avro_still_reads_and_publishes(ledger):
    et = default_codec().events.get("Case.IntakeRecorded")
    event = example_event(et)
    legacy = Mapper(ledger.construct_transcoder()).to_stored_event(event)
    assert legacy.state.startswith(b"{")
    assert vars(ledger.mapper.to_domain_event(legacy)) == vars(event)
    record = bootstrap.avro_records(Settings(), ledger.mapper, default_codec())(_notification(legacy))
    assert record.value == encode(event)


def test_a_ledger_run_stores_exactly_what_the_relay_publishes():
    ledger = new_ledger()
    case_id = an_admitted_youth(ledger, a_unit(ledger))
    ledger.hold_family_acolhimento(case_id=case_id, members_present=2, rights_and_visits_explained=True,
                                   occurred_at=on_day(2, 14), actor=AGENTE)
    make = bootstrap.avro_records(Settings(), ledger.mapper, default_codec())
    notifications = ledger.recorder.select_notifications(start=1, limit=100)
    assert len(notifications) >= 4
    for n in notifications:
        event = ledger.mapper.to_domain_event(n)
        assert make(n).value == n.state == encode(event)
        assert ledger.mapper.to_domain_event(ledger.mapper.to_stored_event(event)).__dict__ == event.__dict__
    assert ledger.case(case_id).version == len(ledger.recorder.select_events(case_id))


def test_a_store_level_cipher_is_refused_because_the_stored_bytes_are_the_published_ones():
    with pytest.raises(ValueError, match="published Avro bytes"):
        CaseLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"})

