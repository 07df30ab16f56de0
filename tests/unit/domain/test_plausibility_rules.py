"""Values no unit could mean: refused by the domain with a rule code, nothing written.

D-13 a birth after the registration or intake; D-14 blank names; D-15 a fact dated after
it is recorded; D-16 a unit's age range outside 12–20 or upside down; D-04 a registration
naming a unit that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from domain.calendar import local_date
from domain.rules import RuleViolation
from domain.values import PhotoIdKind, Relationship
from tests.unit.domain.builders import (
    ADMIN,
    AGENTE,
    INTAKE_DAY,
    a_portaria,
    a_registration,
    a_unit,
    an_admitted_youth,
    an_intake,
    at,
    new_ledger,
    on_day,
)

# --- D-13: born before registered --------------------------------------------------------


def test_birth_date_on_or_before_the_registration_is_accepted_D13(ledger, unit):
    a_registration(ledger, unit, birth_date=date(2009, 6, 15))


def test_birth_date_in_the_future_is_refused_D13(ledger, unit, refused):
    with refused("D-13"):
        a_registration(ledger, unit, birth_date=date(2030, 1, 1))


def test_birth_date_years_after_the_registration_is_refused_D13(ledger, unit, refused):
    with refused("D-13") as info:
        a_registration(ledger, unit, birth_date=INTAKE_DAY + timedelta(days=1), occurred_at=at(INTAKE_DAY, 9))
    assert "birth certificate" in info.value.message


def test_intake_before_the_birth_date_is_refused_D13(ledger, unit, refused):
    case = a_registration(ledger, unit, birth_date=date(2009, 6, 15), occurred_at=at(INTAKE_DAY, 9))
    with refused("D-13"):
        an_intake(ledger, case, unit, occurred_at=at(date(2009, 6, 14)))


# --- D-14: names are not blank -----------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_blank_adolescent_name_is_refused_D14(ledger, unit, refused, name):
    with refused("D-14"):
        a_registration(ledger, unit, name=name)


def test_blank_social_name_is_refused_but_none_is_accepted_D14(ledger, unit, refused):
    a_registration(ledger, unit, social_name=None)
    with refused("D-14"):
        a_registration(ledger, unit, social_name=" ")


def test_blank_visitor_name_is_refused_and_a_real_one_accepted_D14(ledger, unit, refused):
    case = an_admitted_youth(ledger, unit)
    visitor = dict(case_id=case, photo_id_kind=PhotoIdKind.CARTEIRA_IDENTIDADE, photo_id_number="RG 1",
                   relationship=Relationship.MAE, relationship_proof="certidão", is_minor=False,
                   qualified_by_team=False, modalities=(), occurred_at=on_day(2), actor=AGENTE)
    ledger.register_visitor(visitor_id=uuid4(), name="Mãe Fictícia", **visitor)
    with refused("D-14"):
        ledger.register_visitor(visitor_id=uuid4(), name="  ", **visitor)


@pytest.mark.parametrize("field", ["name", "unit_code"])
def test_blank_unit_name_or_code_is_refused_D14(ledger, refused, field):
    with refused("D-14"):
        a_unit(ledger, **{field: " "})


# --- D-15: a fact is recorded after it happens --------------------------------------------

RECORDING = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def test_a_fact_within_a_day_of_its_recording_is_accepted_D15():
    ledger = new_ledger(recorded_at=RECORDING)
    a_unit(ledger, occurred_at=RECORDING + timedelta(hours=23))


def test_a_fact_dated_after_its_recording_is_refused_D15():
    ledger = new_ledger(recorded_at=RECORDING)
    with pytest.raises(RuleViolation) as info:
        a_unit(ledger, occurred_at=RECORDING + timedelta(days=1, minutes=1))
    assert info.value.code == "D-15" and "occurred_at" in info.value.message
    assert ledger.recorder.max_notification_id() in (None, 0)


@pytest.mark.parametrize("year", [2031, 9999])
def test_a_visit_dated_years_ahead_is_refused_D15(year):
    ledger = new_ledger(recorded_at=at(INTAKE_DAY + timedelta(days=30)))
    unit = a_unit(ledger)
    case = an_admitted_youth(ledger, unit)
    visitor_id = uuid4()
    ledger.register_visitor(case_id=case, visitor_id=visitor_id, name="Mãe Fictícia",
                            photo_id_kind=PhotoIdKind.CARTEIRA_IDENTIDADE, photo_id_number="RG 1",
                            relationship=Relationship.MAE, relationship_proof="certidão", is_minor=False,
                            qualified_by_team=False, modalities=(), occurred_at=on_day(2), actor=AGENTE)
    sunday = date(year, 3, 2)
    while sunday.weekday() != 6:
        sunday += timedelta(days=1)
    before = ledger.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as info:
        ledger.hold_visit(case_id=case, visitor_ids=(visitor_id,), modality="comum", started_at=at(sunday, 9),
                          ended_at=at(sunday, 10), search_done=True, occurred_at=on_day(20), actor=AGENTE)
    assert info.value.code == "D-15" and "started_at" in info.value.message
    assert ledger.recorder.max_notification_id() == before


def test_a_visit_held_before_its_recording_is_accepted_D15():
    ledger = new_ledger(recorded_at=at(INTAKE_DAY + timedelta(days=30)))
    unit = a_unit(ledger)
    case = an_admitted_youth(ledger, unit)
    visitor_id = uuid4()
    ledger.register_visitor(case_id=case, visitor_id=visitor_id, name="Mãe Fictícia",
                            photo_id_kind=PhotoIdKind.CARTEIRA_IDENTIDADE, photo_id_number="RG 1",
                            relationship=Relationship.MAE, relationship_proof="certidão", is_minor=False,
                            qualified_by_team=False, modalities=(), occurred_at=on_day(2), actor=AGENTE)
    sunday = on_day(7).date()
    assert sunday.weekday() == 6
    ledger.hold_visit(case_id=case, visitor_ids=(visitor_id,), modality="comum", started_at=at(sunday, 9),
                      ended_at=at(sunday, 10), search_done=True, occurred_at=at(sunday, 10), actor=AGENTE)


# --- D-16: a unit's age range -------------------------------------------------------------


def test_the_age_range_of_the_eca_is_accepted_D16(ledger):
    a_unit(ledger, min_age=12, max_age=20)


@pytest.mark.parametrize(("min_age", "max_age"), [(-1, 20), (11, 20), (12, 21), (12, 999), (18, 15)])
def test_an_age_range_outside_the_eca_or_upside_down_is_refused_D16(ledger, refused, min_age, max_age):
    with refused("D-16"):
        a_unit(ledger, min_age=min_age, max_age=max_age)


def test_a_new_portaria_with_an_upside_down_age_range_is_refused_D16(ledger, unit, refused):
    ledger.redefine_unit_capacity(unit_id=unit, capacity=18, min_age=15, max_age=20, occurred_at=at(date(2026, 2, 1)),
                                  actor=ADMIN, portaria=a_portaria("057/2016"))
    with refused("D-16"):
        ledger.redefine_unit_capacity(unit_id=unit, capacity=18, min_age=16, max_age=14,
                                      occurred_at=at(date(2026, 2, 2)), actor=ADMIN, portaria=a_portaria("058/2016"))


# --- D-04: the unit named at registration exists -------------------------------------------


def test_a_registration_naming_a_unit_that_does_not_exist_is_refused_D04(ledger, unit, refused):
    with refused("D-04") as info:
        a_registration(ledger, uuid4())
    assert "define the unit" in info.value.message


def test_a_registration_naming_a_defined_unit_is_accepted_D04(ledger, unit):
    assert ledger.case(a_registration(ledger, unit)).unit_id is None  # registered, not yet admitted


# --- no OverflowError at the ends of the calendar ------------------------------------------


@pytest.mark.parametrize("moment", [datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
                                    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-4)))])
def test_a_moment_at_the_ends_of_the_calendar_is_refused_not_overflowed_D01(moment):
    with pytest.raises(RuleViolation) as info:
        local_date(moment)
    assert info.value.code == "D-01"
