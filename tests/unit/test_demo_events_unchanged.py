"""The deterministic demo year records exactly the events it recorded before (tests/demo_events.py).

A refactoring that changes an event type, a stream, a sequence or a payload byte fails here;
a change of the events that is intended rewrites the golden file with
`python -m tests.demo_events --update`, in the same commit, saying why.
"""

from __future__ import annotations

import json

from tests.demo_events import GOLDEN, fingerprint


def test_the_demo_year_records_the_same_events_as_the_golden_file():
    golden = json.loads(GOLDEN.read_text())
    now = fingerprint(scale=golden["scale"], seed=golden["seed"])
    assert now["types"] == golden["types"]
    assert now["sha256"] == golden["sha256"], "same counts, different payloads or order"
