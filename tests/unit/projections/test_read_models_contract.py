"""The read models over the whole event contract: every shipped schema version, as subscribers decode it."""

from __future__ import annotations

import json

import pytest

from projections.audit_trail import SHOWN_CORRECTION_FIELDS, AuditTrail
from projections.case_view import CaseViewProjection
from projections.decoding import OPENED_FOR_READ_MODELS, WITHHELD, make_decoder, personal_paths
from schemas.codec import Codec
from schemas.golden import GoldenSealer
from projections.engine import project
from projections.unit_occupancy import UnitOccupancy
from schemas.store import AVSC_DIR, default_store

VECTORS = json.loads((AVSC_DIR.parent / "golden" / "vectors.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['event_type']}-v{v['version']}-{v['case']}")
def test_every_golden_message_decodes_and_projects_in_every_read_model(vector):
    event = make_decoder(Codec(default_store(), sealer=GoldenSealer())).decode_value(bytes.fromhex(vector["hex"]))
    assert event.event_type == vector["event_type"]
    assert event.occurred_at.tzinfo is not None and event.recorded_at.tzinfo is not None
    for projection in (AuditTrail(), CaseViewProjection(), UnitOccupancy()):
        project(projection, event)  # raises if a change does not fit its table
    row = AuditTrail().apply(event)[0].values
    assert row["summary"] and "\n" not in row["summary"]
    # whatever the contract marks personal is withheld from the stored payload
    public = json.loads(row["payload"])
    for path in event.personal:
        if "." not in path and "[]" not in path and event.data.get(path) is not None:
            assert public[path] == WITHHELD or public[path] == [WITHHELD] * len(event.data[path]), path


def test_no_correction_value_shown_in_the_trail_is_personal_in_any_event_schema():
    store = default_store()
    personal_names = set()
    for event_type in store.event_types():
        for path in personal_paths(store.latest(event_type).schema):
            personal_names.update(path.replace("[]", "").split("."))
    # sex, birth date and room are sealed in the events but opened for the read models (OPENED_FOR_READ_MODELS)
    personal_names -= OPENED_FOR_READ_MODELS
    assert not (SHOWN_CORRECTION_FIELDS & personal_names), sorted(SHOWN_CORRECTION_FIELDS & personal_names)
