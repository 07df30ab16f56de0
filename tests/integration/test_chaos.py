"""The chaos run, short: the relay, a projection runner, the Kafka broker and PostgreSQL each killed once
under concurrent writers (benchmarks/chaos.py; the full run is documented in docs/RELIABILITY.md).

After every round and at the end: every stored event is on the topics exactly once (read_committed), in
per-stream order, with the stored bytes; every read model equals the fold of the store; every command
acknowledged to a writer is stored, and nothing else is.
"""

from __future__ import annotations

import pytest

from benchmarks import chaos

pytestmark = pytest.mark.fault


def test_chaos_short_run_loses_nothing_and_doubles_nothing(stack_settings, tmp_path):
    options = chaos.Options(rounds=4, seed=7, commands=300, cases=30, writers=2, rate=8.0, wait=(1.0, 2.5),
                            down=(0.5, 1.5), deadline=120.0)
    result = chaos.run(stack_settings, options, tmp_path, say=print)
    rounds, summary = result["rounds"], result["summary"]
    assert sorted(r["kind"] for r in rounds) == sorted(chaos.SINGLES)
    assert [r["number"] for r in rounds if not r["passed"]] == [], [r["checks"] for r in rounds if not r["passed"]]
    for r in rounds:  # each round really killed something, and it came back
        assert r["killed"] and r["back_s"] and r["caught_up_s"] is not None
    end = result["end"]
    assert end["passed"] and result["writers_finished"]
    assert summary["lost"] == 0 and summary["doubled"] == 0 and summary["left_behind"] == 0
    assert end["topics"]["stored"] == end["topics"]["published"] == end["writers"]["events_stored"] > 0
    assert all(m["equal"] for m in end["read_models"].values())
    # The models every command feeds have rows (300 commands of January hold no schooling month yet).
    assert all(end["read_models"][name]["rows"] > 0 for name in ("audit_trail", "case_view", "unit_occupancy"))
    assert summary["commands"] == 300 == summary["accepted"] + summary["refused"]
    assert summary["accepted"] > 250  # the year's commands are valid: refusals are the law's few
