"""Read models after a death (E53; R-68; SINASE art. 46 I) and the inspection's safety items from the
occurrence book, police reports and rebellions (E55; CNMP Res. 67 Annex I 2.4–2.5, III 2.15–2.16; R-64)."""

from __future__ import annotations

import datetime as dt

from infra.inspection_render import to_markdown
from projections.legal_clocks import clocks_for
from tests.unit.projections.test_inspection import JUNE_30, a_resident, a_unit_of, report_of
from tests.unit.projections.test_read_models_case_view_and_clocks import an_active_case, view_of

D = dt.date


def died(case, on="2026-05-10", family_informed_at=None):
    exceptions = [] if family_informed_at else [{"rule_code": "R-68", "justification": "(text)", "alert": True}]
    return case.add("DeathRecorded", on=on, actor_role="gerente", died_at=None, place="(text)", cause="doenca",
                    circumstances="(text)", family_informed_at=family_informed_at, court_notified=True,
                    prosecutor_notified=True, superintendencia_notified=True, exceptions=exceptions,
                    personal=frozenset({"place", "circumstances", "exceptions[].justification"}))


def rebellion(unit, on="2026-06-10", **kw):
    fields = dict(started_at=None, ended_at=None, youths_involved=5, bodily_injuries=True, deaths=1,
                  harm_by_staff_or_police=False, motives=["superlotacao"], other_motive=None,
                  detailed_report="(text)", court_informed=True, superintendencia_informed=True, exceptions=[])
    fields.update(kw)
    return unit.add("RebellionRecorded", on=on, actor_role="lider_de_equipe", **fields)


def logged(unit, shift="2026-06-20T07:00:00-04:00", on="2026-06-20", occurrence_id="occ-1"):
    return unit.add("OccurrenceLogged", on=on, hour=18, occurrence_id=occurrence_id, shift_started_at=shift,
                    team_on_duty="(text)", location_map_attached=True, occurrences_and_measures="(text)",
                    movements="(text)", administrative_occurrences="(text)", structural_problems="(text)",
                    unusual_facts="(text)", monitoring_or_police_calls="(text)")


def test_a_death_ends_the_measure_in_the_case_view_and_stops_its_clocks():
    case = an_active_case(intake_on="2026-03-02")
    died(case, family_informed_at="2026-05-10T09:00:00-04:00")
    view = view_of(case)
    assert (view.status, view.unit_id, view.died_at is not None) == ("falecido", None, True)
    assert view.days_in_measure(D(2026, 6, 30)) == view.days_in_measure(D(2026, 5, 10))
    assert [c for c in clocks_for(view, D(2026, 6, 30)) if c.state == "breached"] == []


def test_a_death_before_the_family_is_informed_alerts_until_the_gerente_informs_it_R68():
    case = an_active_case(intake_on="2026-03-02")
    death = died(case)
    assert view_of(case).pending_exceptions == ("R-68",)
    case.add("FamilyInformedOfDeath", on="2026-05-10", hour=14, actor_role="gerente", informed_at=None,
             family_member="(text)", means="pessoalmente", death_version=death.sequence,
             personal=frozenset({"family_member"}))
    assert view_of(case).pending_exceptions == ()


def test_the_unit_occupancy_drops_with_a_death_and_the_inspection_lists_the_case():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    other = a_resident(unit, on="2026-03-02")
    died(case, on="2026-06-01")
    unit.departed(case.id, on="2026-06-01")
    report = report_of(unit, [case, other])
    assert report.occupancy.population == 1
    assert report.safety.deaths == (case.id,)


def test_rebellions_and_police_reports_of_the_period_answer_the_cnmp_items():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    rebellion(unit, on="2026-06-10")
    rebellion(unit, on="2026-01-20", bodily_injuries=False, deaths=0)  # before the bimestral period
    unit.add("PoliceReportFiled", on="2026-06-12", report_id="r-1", police_station="DEA", report_number="(text)",
             reason="dano_pelo_adolescente", summary="(text)", involved_case_ids=[case.id])
    s = report_of(unit, [case]).safety
    assert (s.rebellions, s.rebellions_with_injuries, s.rebellion_deaths, s.rebellion_motives) == (
        1, 1, 1, {"superlotacao": 1})
    assert (s.police_reports, s.police_report_reasons) == (1, {"dano_pelo_adolescente": 1})
    text = to_markdown(report_of(unit, [case]))
    assert "I 2.4 / III 2.15 Houve rebeliões no último bimestre?** Sim" in text
    assert "I 2.4.3.1 / III 2.15.3.1 Em caso positivo, especifique quantas:** 1" in text
    assert "rebelião(ões)?** Superlotação: 1" in text
    assert "Houve registros de ocorrência em sede policial?** Sim — 1 boletim" in text


def test_a_rebellion_in_the_last_six_months_breaks_the_waiver_condition_R64():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    rebellion(unit, on="2026-01-20")  # outside the two months, inside the six
    assert report_of(unit, [case]).safety.rebellion_free_6_months is False
    calm = a_unit_of()
    other = a_resident(calm, on="2026-03-02")
    rebellion(calm, on="2025-12-15")  # more than six months before 30 June
    assert report_of(calm, [other]).safety.rebellion_free_6_months is True


def test_occurrence_records_of_a_shift_not_handed_over_are_counted_as_not_validated_R59():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    logged(unit, occurrence_id="occ-1")
    logged(unit, shift="2026-06-21T07:00:00-04:00", on="2026-06-21", occurrence_id="occ-2")
    unit.add("ShiftHandedOver", on="2026-06-20", hour=19, shift_started_at="2026-06-20T07:00:00-04:00",
             validated_occurrence_ids=["occ-1"], incoming_leader="staff-lid-02", pending_matters="(text)")
    s = report_of(unit, [case], on=JUNE_30).safety
    assert (s.occurrences_logged, s.shifts_handed_over, s.occurrences_not_validated) == (2, 1, 1)
