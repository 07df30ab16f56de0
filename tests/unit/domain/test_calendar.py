"""Calendars: Easter-based holidays, business days in Mato Grosso, Decision 11 day counting, Cuiabá time."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from domain.calendar import (
    CUIABA,
    BusinessCalendar,
    DEFAULT_CALENDAR,
    add_months,
    age_on,
    calendar_deadline,
    day_of_measure,
    easter_sunday,
    local_date,
    nth_day,
    within_office_hours,
)
from domain.rules import RuleViolation


@pytest.mark.parametrize(
    "year, easter",
    [(2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
     (2026, date(2026, 4, 5)), (2038, date(2038, 4, 25))],
)
def test_easter_sunday_matches_known_dates(year, easter):
    assert easter_sunday(year) == easter


def test_movable_holidays_follow_easter_2026():
    holidays = DEFAULT_CALENDAR.holidays(2026)
    assert date(2026, 4, 3) in holidays  # Sexta-feira Santa
    assert {date(2026, 2, 16), date(2026, 2, 17)} <= holidays  # Carnaval
    assert date(2026, 6, 4) in holidays  # Corpus Christi
    assert date(2026, 11, 20) in holidays and date(2026, 4, 8) in holidays  # Consciência Negra; Cuiabá


def test_municipal_holidays_are_configurable():
    sinop = BusinessCalendar(municipal_holidays=frozenset({(9, 14)}))
    assert not sinop.is_business_day(date(2026, 9, 14))
    assert DEFAULT_CALENDAR.is_business_day(date(2026, 9, 14))


def test_business_days_skip_weekends_and_holidays():
    # Thursday 2 April 2026 + 3 business days: Good Friday, the weekend and Cuiabá's 8 April are skipped.
    assert DEFAULT_CALENDAR.add_business_days(date(2026, 4, 2), 3) == date(2026, 4, 9)
    assert BusinessCalendar().add_business_days(date(2026, 4, 2), 3) == date(2026, 4, 8)


def test_day_45_is_intake_plus_44_days_decision_11():
    assert nth_day(date(2026, 3, 2), 45) == date(2026, 4, 15)
    assert day_of_measure(date(2026, 3, 2), date(2026, 3, 2)) == 1


def test_within_n_days_excludes_the_start_day_decision_11():
    assert calendar_deadline(date(2026, 3, 2), 45) == date(2026, 4, 16)


def test_dates_are_read_in_cuiaba():
    # 02:00 UTC on 3 March is still 2 March in Cuiabá (UTC-4).
    assert local_date(datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)) == date(2026, 3, 2)


def test_office_hours_are_local_business_hours():
    assert within_office_hours(datetime(2026, 3, 2, 14, 59, tzinfo=CUIABA))
    assert not within_office_hours(datetime(2026, 3, 2, 15, 1, tzinfo=CUIABA))
    assert not within_office_hours(datetime(2026, 3, 7, 10, 0, tzinfo=CUIABA))  # Saturday


def test_naive_datetimes_are_refused_D01():
    with pytest.raises(RuleViolation) as info:
        local_date(datetime(2026, 3, 2, 10))
    assert info.value.code == "D-01"


def test_month_arithmetic_and_age():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert age_on(date(2005, 2, 28), date(2026, 2, 27)) == 20
    assert age_on(date(2005, 2, 28), date(2026, 2, 28)) == 21
