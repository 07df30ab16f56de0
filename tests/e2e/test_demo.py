"""The README's main job: `caseledger demo`, as a newcomer runs it."""

from __future__ import annotations

import re

from tests.e2e.cli import run


def test_demo_records_publishes_and_checks_a_year_end_to_end(stack_settings):
    result = run(stack_settings, "demo", "--scale", "0.4", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    recorded = re.search(r"([\d,]+) commands in .*: ([\d,]+) recorded as ([\d,]+) events; (\d+) refused", out)
    assert recorded, out
    events = int(recorded.group(3).replace(",", ""))
    assert events > 500 and int(recorded.group(4)) > 0
    assert "refused R-02" in out  # intakes without every document (Reg. arts. 24, 28)
    assert "UNEXPECTED" not in out
    published = re.search(r"([\d,]+) events published .* relay lag now 0", out)
    assert published and int(published.group(1).replace(",", "")) == events
    # The auditor's views, and the final check of every read model against the event store.
    assert "as recorded at" in out and "corrected" in out
    assert "population by modality × age band (completed years) × sex" in out
    for model in ("audit_trail", "case_view", "schooling_frequency", "unit_occupancy"):
        assert re.search(rf"{model}\s+[\d,]+ rows\s+equal", out), model
    assert "every projection equals the fold of the event store" in out
    # Tamper evidence: the case's bundle verifies offline, the altered copy does not.
    assert "is complete at checkpoint" in out and "VERIFIED" in out
    assert "NOT VERIFIED" in out and "altered" in out
    assert "the bundle proves the case complete and unaltered; the altered copy is refused" in out
    # The SIPIA feed: November's report, its export recorded, December's report compared with it.
    assert "SIPIA reconciliation — unit MT-CGB-INT-M, 2025-12-01 .. 2025-12-31" in out
    assert "last export: 2025-11-01 .. 2025-11-30, receipt SIPIA-MT-2025-11-0001" in out
    assert "exported period unchanged" in out


def test_demo_is_deterministic_and_starts_from_nothing_each_time(stack_settings):
    first = run(stack_settings, "demo", "--scale", "0.2", timeout=900)
    second = run(stack_settings, "demo", "--scale", "0.2", timeout=900)
    counts = [re.search(r"recorded as ([\d,]+) events", r.stdout).group(1) for r in (first, second)]
    assert first.returncode == second.returncode == 0
    assert counts[0] == counts[1]
