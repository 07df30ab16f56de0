"""Schema versions on disk: appended, never edited."""

from __future__ import annotations

import json

import pytest

from schemas.errors import SchemaStoreError, UnknownSchemaError
from schemas.generate import SchemaGenerator, write_new_versions
from schemas.store import SchemaStore


def test_generate_writes_v1_of_every_event_type_with_a_manifest(toy_store, toy_events):
    assert toy_store.event_types() == toy_events.names()
    assert {v.version for v in toy_store.all_versions()} == {1}
    manifest = json.loads((toy_store.root / "MANIFEST.json").read_text())
    entry = manifest["Case.IntakeRecorded"]["v1.avsc"]
    assert entry["fingerprint"] == toy_store.latest("Case.IntakeRecorded").fingerprint_hex


def test_generate_writes_nothing_when_nothing_changed(toy_store, toy_events):
    assert write_new_versions(toy_store, toy_events) == []


def test_generate_writes_a_new_version_when_the_schema_changed(toy_store, toy_events):
    schema = SchemaGenerator(toy_events).event_schema(toy_events.get("Case.EntryCorrected"))
    schema["doc"] = "Changed doc."
    assert toy_store.differs_from_latest("Case.EntryCorrected", schema)
    written = toy_store.write_new_version("Case.EntryCorrected", schema)
    assert written.version == 2 and written.path.name == "v2.avsc"
    assert (toy_store.root / "Case.EntryCorrected" / "v1.avsc").exists()


def test_an_edited_released_version_is_detected(toy_store):
    path = toy_store.latest("Case.IntakeRecorded").path
    path.write_text(path.read_text().replace("The youth entered the unit.", "Edited."))
    with pytest.raises(SchemaStoreError, match="released schema was edited"):
        SchemaStore(toy_store.root).all_versions()


def test_a_gap_in_version_numbers_is_refused(toy_store):
    directory = toy_store.root / "Case.IntakeRecorded"
    (directory / "v1.avsc").rename(directory / "v2.avsc")
    with pytest.raises(SchemaStoreError, match=r"versions \[2\] are not 1..N without gaps"):
        SchemaStore(toy_store.root).all_versions()


def test_lookup_by_fingerprint_finds_the_version(toy_store):
    version = toy_store.latest("Unit.UnitOpened")
    assert toy_store.by_fingerprint(version.fingerprint) == version
    with pytest.raises(UnknownSchemaError):
        toy_store.by_fingerprint(b"\x01" * 8)
