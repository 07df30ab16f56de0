"""The SIPIA export names the report it sent by its digest (E66; consumers/sipia.py)."""

from __future__ import annotations

from datetime import date

from tests.unit.domain.builders import ADMIN, at, last_event

DIGEST = "ab" * 32


def _export(ledger, unit, **overrides):
    kwargs = dict(unit_id=unit, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), active_count=12,
                  entries_count=3, exits_count=1, receipt_number="SIPIA-77", occurred_at=at(date(2026, 4, 2)),
                  actor=ADMIN)
    ledger.submit_sipia_export(**{**kwargs, **overrides})


def test_sipia_export_records_the_digest_of_the_report_sent(ledger, unit):
    _export(ledger, unit, report_digest=DIGEST)
    assert last_event(ledger, "SIPIAExportSubmitted").report_digest == DIGEST


def test_sipia_export_without_a_digest_is_still_recorded(ledger, unit):
    _export(ledger, unit)
    assert last_event(ledger, "SIPIAExportSubmitted").report_digest is None


def test_sipia_export_with_a_digest_that_is_not_sha256_hex_is_refused_D04(ledger, unit, refused):
    with refused("D-04"):
        _export(ledger, unit, report_digest="not-a-digest")
