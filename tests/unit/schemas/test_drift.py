"""Drift between domain classes and stored schemas is reported field by field."""

from __future__ import annotations

import copy
import json

from schemas.drift import drift
from schemas.store import SchemaStore


def _edit_stored(store: SchemaStore, event_type: str, edit) -> SchemaStore:
    """Pretend the stored v1 was different (rewriting the file and dropping the manifest)."""
    path = store.latest(event_type).path
    schema = copy.deepcopy(store.latest(event_type).schema)
    edit(schema)
    path.write_text(json.dumps(schema))
    (store.root / "MANIFEST.json").unlink()
    return SchemaStore(store.root)


def test_no_drift_right_after_generation(toy_store, toy_events):
    assert drift(toy_events, toy_store) == []


def test_event_type_without_schema_is_reported(toy_store, toy_events):
    for path in (toy_store.root / "Unit.UnitOpened").iterdir():
        path.unlink()
    (toy_store.root / "Unit.UnitOpened").rmdir()
    (toy_store.root / "MANIFEST.json").unlink()
    assert drift(toy_events, SchemaStore(toy_store.root)) == [
        "Unit.UnitOpened: no schema; run `caseledger schemas generate`"
    ]


def test_field_missing_from_the_schema_is_reported(toy_store, toy_events):
    store = _edit_stored(toy_store, "Case.IntakeRecorded",
                         lambda s: s["fields"].remove(next(f for f in s["fields"] if f["name"] == "height_m")))
    assert drift(toy_events, store) == [
        "Case.IntakeRecorded: field height_m is in the domain class but not in v1; run `caseledger schemas generate`"
    ]


def test_type_disagreement_is_reported(toy_store, toy_events):
    def edit(schema):
        next(f for f in schema["fields"] if f["name"] == "days_in_police_custody")["type"] = "int"

    store = _edit_stored(toy_store, "Case.IntakeRecorded", edit)
    assert drift(toy_events, store) == [
        "Case.IntakeRecorded: field days_in_police_custody: v1 has int, the domain class long; "
        "run `caseledger schemas generate`"
    ]


def test_nested_type_disagreement_names_the_path(toy_store, toy_events):
    def edit(schema):
        role = schema["fields"][0]["type"]["fields"][6]["type"]["fields"][1]["type"]
        role["symbols"] = role["symbols"][:2]

    store = _edit_stored(toy_store, "Case.EntryCorrected", edit)
    [problem] = drift(toy_events, store)
    assert problem.startswith("Case.EntryCorrected: field envelope.actor.role: v1 has enum Role{gerente, agente_socioeducativo}")
