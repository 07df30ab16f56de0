"""The web app's pages as rendered for people: Portuguese dates, corrections and exceptions marked."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendar import CUIABA
from infra.web.pages import BadDate, _environment, parse_day, parse_moment
from projections.history import HistoryEntry


def _entry(**over) -> HistoryEntry:
    base = dict(sequence=3, event_type="Case.AcolhimentoCompleted", occurred_at=dt.datetime(2025, 1, 6, 14, tzinfo=CUIABA),
                recorded_at=dt.datetime(2025, 1, 6, 15, tzinfo=CUIABA), actor_id="mt-cgb-sl-gerent-01",
                actor_role="gerente", summary="acolhimento completed", data={}, status="as_recorded",
                amended_by=(), corrected_fields=(), source_document=None, unit_id="u-1")
    base.update(over)
    return HistoryEntry(**base)


def _case_page(*entries: HistoryEntry) -> str:
    return _environment().get_template("case.html").render(
        case_id="c-1", on=dt.date(2025, 1, 31), entries=list(entries), axis_text="", state=None, clocks=[],
        amendments=[], purpose="", recorded_input="", today=dt.date(2025, 1, 31))


def test_a_recorded_exception_is_visible_with_its_rule_and_alert_on_the_case_page():
    page = _case_page(_entry(data={"exceptions": [{"rule_code": "R-12", "justification": None, "alert": True}]}))
    assert "exceção registrada R-12 (alerta)" in page
    assert "exceção registrada" not in _case_page(_entry(data={"exceptions": []}))


def test_the_timeline_shows_dates_as_dd_mm_aaaa_in_cuiaba_time():
    page = _case_page(_entry(occurred_at=dt.datetime(2025, 1, 6, 3, 30, tzinfo=dt.timezone.utc)))
    assert "05/01/2025 23:30" in page  # 03:30 UTC is the evening before in Cuiabá


def test_dates_are_read_as_dd_mm_aaaa_or_the_browsers_iso_and_anything_else_is_refused_in_portuguese():
    assert parse_day("31/01/2025") == parse_day("2025-01-31") == dt.date(2025, 1, 31)
    assert parse_moment("31/01/2025 18:00") == dt.datetime(2025, 1, 31, 18, tzinfo=CUIABA)
    with pytest.raises(BadDate, match="Use DD/MM/AAAA"):
        parse_day("31-01-2025")
