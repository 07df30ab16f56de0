"""Unit occupancy by modality × age band × sex, from hand-built LedgerEvents (no infrastructure)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from projections.engine import MemoryTables
from projections.unit_occupancy import OccupancyData, UnitOccupancy, age_band, summarise
from tests.unit.projections.read_models_builders import UNIT_ID, a_case, a_unit

D = dt.date


def data_of(events, unit_id=UNIT_ID) -> OccupancyData:
    t = MemoryTables(UnitOccupancy()).apply_events(events)
    return OccupancyData.from_rows(unit_id, t.table("unit_capacity").values(), t.table("unit_movements").values(),
                                   t.table("occupancy_profiles").values(), t.table("occupancy_modalities").values(),
                                   t.table("unit_vacancies").values())


def a_resident(unit, birth_date=D(2009, 5, 1), sex="masculino", modality="semiliberdade", on="2026-03-02"):
    case = a_case()
    case.registered(birth_date=birth_date, sex=sex)
    case.intake(modality=modality, on=on)
    unit.admitted(case.id, on=on)
    return case


def test_population_counts_residents_against_capacity():
    unit = a_unit()
    unit.defined(capacity=2)
    cases = [a_resident(unit) for _ in range(3)]
    day = data_of(unit.events + [e for c in cases for e in c.events]).on(D(2026, 3, 2))
    assert (day.population, day.capacity, day.over_capacity, day.occupancy_rate) == (3, 2, True, 1.5)


def test_age_bands_use_completed_years_on_the_day_counted():
    unit = a_unit()
    unit.defined()
    # 16th birthday on 10 March 2026: 15 on the 9th, 16 on the 10th
    case = a_resident(unit, birth_date=D(2010, 3, 10), on="2026-03-02")
    data = data_of(unit.events + case.events)
    assert data.on(D(2026, 3, 9)).breakdown() == {("semiliberdade", "12-15", "masculino"): 1}
    assert data.on(D(2026, 3, 10)).breakdown() == {("semiliberdade", "16-18", "masculino"): 1}


def test_the_cnmp_table_breaks_down_by_modality_age_band_and_sex():
    unit = a_unit()
    unit.defined(capacity=40, unit_type="internacao_provisoria")
    cases = [a_resident(unit, birth_date=D(2011, 1, 1), modality="internacao_provisoria"),
             a_resident(unit, birth_date=D(2011, 1, 1), modality="internacao_provisoria"),
             a_resident(unit, birth_date=D(2007, 1, 1), sex="feminino", modality="internacao_sancao"),
             a_resident(unit, birth_date=D(2004, 1, 1))]
    day = data_of(unit.events + [e for c in cases for e in c.events]).on(D(2026, 3, 5))
    assert day.breakdown() == {
        ("internacao_provisoria", "12-15", "masculino"): 2,
        ("internacao_sancao", "19-21", "feminino"): 1,
        ("semiliberdade", "21+ (violation)", "masculino"): 1,
    }


def test_departures_and_modality_changes_show_in_the_daily_series():
    unit = a_unit()
    unit.defined(capacity=1)
    a = a_resident(unit, modality="internacao_provisoria", on="2026-03-02")
    b = a_resident(unit, on="2026-03-03")
    a.decision("conversao_provisoria_em_definitiva", effective_on=D(2026, 3, 4), new_modality="internacao")
    unit.departed(b.id, on="2026-03-05")
    series = data_of(unit.events + a.events + b.events).series(D(2026, 3, 1), D(2026, 3, 6))
    assert [d.population for d in series] == [0, 1, 2, 2, 1, 1]
    assert summarise(series) == {"days": 6, "peak_population": 2, "days_over_capacity": 2}
    assert [r.modality for r in series[2].residents if r.case_id == a.id] == ["internacao_provisoria"]
    assert [r.modality for r in series[3].residents if r.case_id == a.id] == ["internacao"]


def test_a_corrected_birth_date_moves_the_resident_to_another_band():
    unit = a_unit()
    unit.defined()
    case = a_resident(unit, birth_date=D(2010, 1, 1))
    assert data_of(unit.events + case.events).on(D(2026, 3, 5)).residents[0].age_band == "16-18"
    case.corrected(case.events[0], birth_date="2011-01-01")
    assert data_of(unit.events + case.events).on(D(2026, 3, 5)).residents[0].age_band == "12-15"


def test_a_voided_capacity_redefinition_restores_the_earlier_capacity():
    unit = a_unit()
    unit.defined(capacity=20)
    wrong = unit.add("UnitCapacityRedefined", on="2026-02-01", capacity=200, min_age=12, max_age=20,
                     required_intake_documents=[])
    assert data_of(unit.events).capacity_on(D(2026, 3, 1)) == 200
    unit.voided(wrong)
    assert data_of(unit.events).capacity_on(D(2026, 3, 1)) == 20


def test_a_reserved_vacancy_holds_a_place_until_filled_or_expired():
    unit = a_unit()
    unit.defined(capacity=2)
    unit.add("VacancyReleased", on="2026-03-01", vacancy_id="v-1", requesting_process="EXEC-1",
             valid_until=D(2026, 3, 10))
    unit.add("VacancyReleased", on="2026-03-01", vacancy_id="v-2", requesting_process="EXEC-2",
             valid_until=D(2026, 3, 3))
    case = a_resident(unit, on="2026-03-05")
    unit.add("VacancyFilled", on="2026-03-05", vacancy_id="v-1", case_id=case.id)
    data = data_of(unit.events + case.events)
    assert [data.on(D(2026, 3, d)).reserved for d in (1, 3, 4, 5)] == [2, 2, 1, 0]
    assert data.on(D(2026, 3, 4)).free_places == 1 and data.on(D(2026, 3, 5)).free_places == 1
    tables = MemoryTables(UnitOccupancy()).apply_events(unit.events)
    assert all("requesting_process" not in row for row in tables.table("unit_vacancies").values())


def test_case_events_may_arrive_before_or_after_the_unit_events():
    unit = a_unit()
    unit.defined()
    case = a_resident(unit)
    forwards = data_of(unit.events + case.events).on(D(2026, 3, 5))
    backwards = data_of(case.events + unit.events).on(D(2026, 3, 5))
    assert forwards == backwards


@settings(max_examples=40, deadline=None)
@given(birth=st.dates(min_value=D(2000, 1, 1), max_value=D(2014, 12, 31)),
       on=st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 12, 31)))
def test_age_band_agrees_with_completed_years(birth, on):
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    band = age_band(years)
    lo_hi = {"12-15": (12, 15), "16-18": (16, 18), "19-21": (19, 20)}
    if band in lo_hi:
        assert lo_hi[band][0] <= years <= lo_hi[band][1]
    else:
        assert years < 12 or years >= 21


def test_a_correction_with_a_value_that_is_not_a_date_or_number_changes_no_count():
    unit = a_unit()
    defined = unit.defined(capacity=20)
    unit.corrected(defined, capacity="twenty")
    case = a_resident(unit, birth_date=D(2010, 1, 1))
    case.corrected(case.events[0], birth_date="unknown")
    day = data_of(unit.events + case.events).on(D(2026, 3, 5))
    assert (day.capacity, day.residents[0].age_band) == (20, "16-18")
