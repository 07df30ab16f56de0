"""Business days are counted where the unit is (``domain.calendar.calendar_for``): the deadlines and
windows the Regimento writes in *dias úteis* — the acolhimento within three business days of the
Inserção (Reg. arts. 32, 39), the intake and release office window on business days (Reg. arts. 25,
107), the inspection report by the 15th rolled to the next business day (CNMP Res. 67 art. 2 §2) —
skip the municipal holidays of the unit's comarca; ECA deadlines count calendar days (ECA art. 152 §2)
and do not move. A correction of the unit moves the clock to the new comarca's calendar."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from domain.calendar import DEFAULT_CALENDAR, calendar_for
from domain.values import (AcolhimentoStep, Actor, DocumentKind, FieldCorrection, InspectionKind, ReleaseBasis,
                           Role)
from projections.engine import MemoryTables
from projections.case_view import with_comarcas
from projections.legal_clocks import clocks_for
from projections.unit_occupancy import UnitOccupancy, comarcas_of
from tests.unit.domain.builders import (
    ASSISTENTE_SOCIAL, GERENTE, LIDER, a_court_order, a_registration, a_unit, an_intake, at, new_ledger,
)
from tests.unit.projections.test_read_models_against_the_domain import case_views, subscriber_events

# Friday 11 September 2026; Monday 14 September is Sinop's foundation day (Decreto municipal 004/2010).
FRIDAY = dt.date(2026, 9, 11)


def test_each_comarca_has_its_municipal_holidays_and_only_its_own():
    assert not calendar_for("Cuiabá").is_business_day(dt.date(2026, 4, 8))  # Fundação de Cuiabá
    assert calendar_for("Várzea Grande").is_business_day(dt.date(2026, 4, 8))
    assert not calendar_for("VÁRZEA GRANDE").is_business_day(dt.date(2026, 5, 15))  # aniversário
    assert not calendar_for("Sinop").is_business_day(dt.date(2026, 9, 14))
    assert not calendar_for("Cáceres").is_business_day(dt.date(2026, 10, 6))
    assert not calendar_for("Barra do Garças (sede)").is_business_day(dt.date(2026, 9, 15))
    assert calendar_for("Comarca sem feriado listado").is_business_day(dt.date(2026, 4, 8))
    # National and Mato Grosso holidays hold everywhere (Lei 662/1949; 20 November, Lei 14.759/2023).
    assert not calendar_for("Sinop").is_business_day(dt.date(2026, 11, 20))
    assert calendar_for(None) is DEFAULT_CALENDAR


def acolhimento(ledger, youth, on: dt.date):
    for step in AcolhimentoStep:
        ledger.complete_acolhimento_step(case_id=youth, step=step, occurred_at=at(FRIDAY, 14), actor=ASSISTENTE_SOCIAL)
    ledger.complete_acolhimento(case_id=youth, occurred_at=at(on, 10), actor=GERENTE)
    return {e.rule_code for e in ledger.case(youth)._log[-1].exceptions}


def admitted(ledger, comarca: str, day: dt.date = FRIDAY, code: str | None = None):
    unit = a_unit(ledger, comarca=comarca, **({"unit_code": code} if code else {}))
    youth = a_registration(ledger, unit)
    an_intake(ledger, youth, unit, occurred_at=at(day, 10))
    return unit, youth


def test_acolhimento_on_the_third_business_day_after_sinops_holiday_is_on_time_reg_arts_32_39():
    ledger = new_ledger()
    _, sinop = admitted(ledger, "Sinop")
    _, cuiaba = admitted(ledger, "Cuiabá")
    thursday = dt.date(2026, 9, 17)  # Sinop: Tue 15, Wed 16, Thu 17; Cuiabá: Mon 14, Tue 15, Wed 16
    assert "R-12" not in acolhimento(ledger, sinop, thursday)
    assert "R-12" in acolhimento(ledger, cuiaba, thursday)


def test_an_intake_on_the_units_municipal_holiday_is_outside_the_office_window_reg_art_25():
    # Reg. art. 25: intake 08–15 h on business days; outside it is recorded with R-06, never refused (ECA 185 §2).
    ledger = new_ledger()
    friday_15_may = dt.date(2026, 5, 15)
    _, varzea = admitted(ledger, "Várzea Grande", friday_15_may)
    _, cuiaba = admitted(ledger, "Cuiabá", friday_15_may)
    assert "R-06" in {e.rule_code for e in ledger.case(varzea)._log[1].exceptions}
    assert "R-06" not in {e.rule_code for e in ledger.case(cuiaba)._log[1].exceptions}


def test_a_release_on_the_units_municipal_holiday_is_recorded_with_r57():
    # Reg. art. 107 vs ECA 235: the window never holds the youth back; the release is flagged, not refused.
    ledger = new_ledger()
    _, youth = admitted(ledger, "Cáceres", dt.date(2026, 9, 1))
    holiday = dt.date(2026, 10, 6)  # Aniversário de Cáceres, a Tuesday (Decreto municipal 030/2024)
    ledger.receive_release_order(case_id=youth, protocol_number="LIB-1", occurred_at=at(holiday, 9), actor=GERENTE,
                                 court_order=a_court_order())
    ledger.release(case_id=youth, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
                   termo_de_desligamento_signed=True, family_present=True, occurred_at=at(holiday, 10),
                   actor=GERENTE, source_document=a_court_order())
    assert "R-57" in {e.rule_code for e in ledger.case(youth)._log[-1].exceptions}


def test_the_inspection_report_due_day_rolls_past_the_units_municipal_holiday_cnmp67_art2():
    # CNMP Res. 67 art. 2 §2–3: by the 15th of the following month, or the next business day.
    ledger = new_ledger()
    mp = Actor("mp-01", Role.MINISTERIO_PUBLICO)
    due = {}
    for comarca in ("Várzea Grande", "Cuiabá"):
        unit = a_unit(ledger, comarca=comarca)
        inspection = uuid4()
        ledger.record_inspection(unit_id=unit, inspection_id=inspection, kind=InspectionKind.BIMESTRAL,
                                 inspected_at=at(dt.date(2026, 4, 20), 9), promotor_id="prom-1",
                                 occurred_at=at(dt.date(2026, 4, 20), 12), actor=mp)
        due[comarca] = ledger.unit(unit).inspections[inspection]
    assert due == {"Várzea Grande": dt.date(2026, 5, 18), "Cuiabá": dt.date(2026, 5, 15)}


def views_with_comarcas(ledger):
    events = subscriber_events(ledger)
    capacity = MemoryTables(UnitOccupancy()).apply_events(events).table("unit_capacity").values()
    return with_comarcas(case_views(events), comarcas_of(capacity))


def test_the_acolhimento_clock_counts_the_business_days_of_the_units_comarca():
    ledger = new_ledger()
    _, sinop = admitted(ledger, "Sinop")
    _, cuiaba = admitted(ledger, "Cuiabá")
    views = views_with_comarcas(ledger)
    due = {youth: {c.clock: c.due_on for c in clocks_for(views[str(youth)], FRIDAY)} for youth in (sinop, cuiaba)}
    assert due[sinop]["K-ACOLH3"] == dt.date(2026, 9, 17)
    assert due[cuiaba]["K-ACOLH3"] == dt.date(2026, 9, 16)
    # Calendar days (ECA art. 152 §2): the triage's 8 days do not move with the holidays.
    assert due[sinop]["K-TRIAG8"] == due[cuiaba]["K-TRIAG8"] == FRIDAY + dt.timedelta(days=7)


def test_a_corrected_unit_moves_the_acolhimento_clock_to_the_new_comarcas_calendar():
    ledger = new_ledger()
    a_unit(ledger, comarca="Sinop", unit_code="SNP-SL")
    _, youth = admitted(ledger, "Cuiabá", code="CGB-SL")
    ledger.correct_case_entry(case_id=youth, target_version=2, corrections=(FieldCorrection("unit_id", "SNP-SL"),),
                              reason="unidade registrada por engano", authorised_by=GERENTE,
                              occurred_at=at(dt.date(2026, 9, 12), 9), actor=LIDER,
                              source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-U"))
    view = views_with_comarcas(ledger)[str(youth)]
    assert view.comarca == "Sinop"
    assert {c.clock: c.due_on for c in clocks_for(view, FRIDAY)}["K-ACOLH3"] == dt.date(2026, 9, 17)
    assert "R-12" not in acolhimento(ledger, youth, dt.date(2026, 9, 17))
