"""Calendars and day counting (*contagem de prazos*).

* ECA clocks count calendar days (*dias corridos*, ECA 152 §2).
* Regimento clocks written as *dias úteis* (Reg. art. 32, 39) count business days:
  no weekends, no national, Mato Grosso or configured municipal holidays.
* Every date is read in the America/Cuiaba time zone (docs/DOMAIN-DECISIONS.md Decision 9).
* Decision 11: "the Nth day of the measure" counts the intake day as day 1; a deadline
  "within N days" excludes the start day and ends at the end of start + N days.

Standard library only; the Easter-based movable holidays are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo

from domain.rules import refuse

CUIABA = ZoneInfo("America/Cuiaba")


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (*Domingo de Páscoa*), anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


# Lei 662/1949, 6.802/1980, 10.607/2002, 14.759/2023 (20 de novembro became national).
NATIONAL_FIXED: tuple[tuple[int, int], ...] = (
    (1, 1),  # Confraternização Universal
    (4, 21),  # Tiradentes
    (5, 1),  # Dia do Trabalho
    (9, 7),  # Independência
    (10, 12),  # Nossa Senhora Aparecida
    (11, 2),  # Finados
    (11, 15),  # Proclamação da República
    (11, 20),  # Zumbi e Consciência Negra (also a Mato Grosso state holiday)
    (12, 25),  # Natal
)


@dataclass(frozen=True)
class BusinessCalendar:
    """Business-day calendar for one municipality of Mato Grosso.

    ``municipal_holidays`` are (month, day) pairs set per unit (e.g. Cuiabá, 8 April).
    Carnival (Monday and Tuesday) and Corpus Christi are *pontos facultativos* decreed
    every year by the state government; they count as non-business days unless disabled.
    """

    municipal_holidays: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    state_holidays: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    carnival_off: bool = True
    corpus_christi_off: bool = True

    def holidays(self, year: int) -> frozenset[date]:
        """All non-business holidays of ``year`` (weekends excluded)."""
        easter = easter_sunday(year)
        days = {date(year, m, d) for m, d in NATIONAL_FIXED}
        days |= {date(year, m, d) for m, d in self.state_holidays | self.municipal_holidays}
        days.add(easter - timedelta(days=2))  # Sexta-feira da Paixão (national)
        if self.carnival_off:
            days.add(easter - timedelta(days=48))
            days.add(easter - timedelta(days=47))
        if self.corpus_christi_off:
            days.add(easter + timedelta(days=60))
        return frozenset(days)

    def is_business_day(self, day: date) -> bool:
        """True on a weekday that is not a holiday (*dia útil*)."""
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def add_business_days(self, start: date, days: int) -> date:
        """The date ``days`` business days after ``start`` (start day excluded)."""
        current, remaining = start, days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a business day, else the next one (CNMP67 art. 2 §2 rollover)."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day


@dataclass(frozen=True)
class MunicipalHoliday:
    """A fixed municipal holiday (*feriado municipal*) and where it is declared."""

    month: int
    day: int
    name: str
    source: str

    def __post_init__(self) -> None:
        date(2024, self.month, self.day)  # a real day of the year (29 February included); ValueError if not
        if not self.source.strip():
            raise ValueError(f"the holiday {self.day:02d}/{self.month:02d} ({self.name}) names no source "
                             "(the municipal law or decree that declares it)")


# The fixed municipal holidays of the municipalities (comarcas) where Mato Grosso's units are, from
# each municipality's yearly decree of holidays (which lists the municipal laws it applies). Carnival
# and Corpus Christi, municipal holidays in some of them, are already off (``BusinessCalendar``).
# Two dates below are the municipality's anniversary without a decree found that makes it a holiday:
# marked "to confirm"; a unit's direction confirms them against the municipal law.
MUNICIPAL_HOLIDAYS: dict[str, tuple[MunicipalHoliday, ...]] = {
    "cuiaba": (
        MunicipalHoliday(4, 8, "Fundação de Cuiabá", "Decreto municipal 7.733/2019 art. 1 IV (Leis municipais "
                         "1.077/1968, 3.991/2000, 5.576/2012); Decreto 9.996/2023"),
    ),
    "varzea grande": (
        MunicipalHoliday(5, 15, "Aniversário de Várzea Grande", "Decreto municipal 81/2015; decreto de feriados de 2026"),
    ),
    "sinop": (
        MunicipalHoliday(6, 13, "Santo Antônio, padroeiro de Sinop", "Decreto municipal 004/2010; decreto de feriados de 2021"),
        MunicipalHoliday(9, 14, "Fundação de Sinop", "Decreto municipal 004/2010; decreto de feriados de 2021"),
    ),
    "caceres": (
        MunicipalHoliday(6, 25, "Dia Municipal do Padre Geraldo José dos Santos", "decreto de feriados de 2026"),
        MunicipalHoliday(8, 25, "São Luiz, padroeiro de Cáceres", "Decreto municipal 030/2024 (Leis municipais "
                         "2.456/2014, 2.625/2017)"),
        MunicipalHoliday(10, 6, "Aniversário de Cáceres", "Decreto municipal 030/2024 (Leis municipais 2.456/2014, "
                         "2.625/2017)"),
    ),
    "rondonopolis": (
        # Lei municipal 1.803/1991 also makes Carnival Monday the Dia do Comerciário (already off).
        MunicipalHoliday(12, 10, "Aniversário de Rondonópolis", "anniversary of the municipality (1953); to confirm"),
    ),
    "barra do garcas": (
        MunicipalHoliday(9, 15, "Aniversário de Barra do Garças", "anniversary of the emancipation (1948); to confirm"),
    ),
}


def _municipality(comarca: str) -> str:
    """The key of a comarca's name: no accents, case or qualifier ("Barra do Garças (sede)" → "barra do garcas")."""
    import unicodedata

    name = comarca.split("(")[0].strip().casefold()
    for prefix in ("comarca de ", "município de ", "municipio de "):
        name = name.removeprefix(prefix)
    name = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return " ".join(name.replace("-", " ").split())


# Cuiabá's calendar: the ledger's default where no unit is known (the state capital, Decision 9).
CUIABA_CALENDAR = BusinessCalendar(municipal_holidays=frozenset((h.month, h.day) for h in MUNICIPAL_HOLIDAYS["cuiaba"]))
DEFAULT_CALENDAR = CUIABA_CALENDAR


def calendar_for(comarca: str | None) -> BusinessCalendar:
    """The business-day calendar of a unit's comarca: national and Mato Grosso holidays, and that
    municipality's own (Reg. arts. 25, 32, 39 count *dias úteis* where the unit is). A comarca with no
    listed holidays gets none; no comarca at all (a case read without its unit) gets Cuiabá's."""
    if comarca is None or not comarca.strip():
        return DEFAULT_CALENDAR
    return _calendar_of(_municipality(comarca))


def declare_municipal_holidays(comarca: str, holidays: Iterable[MunicipalHoliday]) -> None:
    """Add a municipality's fixed holidays to the ones above (the deployment's holidays file, read by
    ``infra.holidays``): a date the table lacks or a municipality it does not list. Each names its source."""
    key = _municipality(comarca)
    known = {(h.month, h.day): h for h in MUNICIPAL_HOLIDAYS.get(key, ())}
    for holiday in holidays:
        known[(holiday.month, holiday.day)] = holiday
    MUNICIPAL_HOLIDAYS[key] = tuple(sorted(known.values(), key=lambda h: (h.month, h.day)))
    _calendar_of.cache_clear()


@lru_cache(maxsize=None)
def _calendar_of(municipality: str) -> BusinessCalendar:
    days = MUNICIPAL_HOLIDAYS.get(municipality, ())
    return BusinessCalendar(municipal_holidays=frozenset((h.month, h.day) for h in days))


def require_aware(moment: datetime) -> datetime:
    """Refuse a business time the ledger cannot place in Cuiabá's calendar (D-01): one without its
    offset, or one out of range; the one check of D-01, for every command."""
    _in_cuiaba(moment)
    return moment


def _in_cuiaba(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        refuse("D-01", "Give occurred-at with its time zone (e.g. -04:00 for Cuiabá).")
    try:
        return moment.astimezone(CUIABA)
    except OverflowError:  # year 1 or 9999 with an offset: no instant of this ledger's life
        refuse("D-01", f"{moment.isoformat()} is no time the ledger can hold; check the year.")


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in Cuiabá."""
    return _in_cuiaba(moment).date()


def local_time(moment: datetime) -> time:
    """The wall-clock time of ``moment`` in Cuiabá."""
    return _in_cuiaba(moment).time()


# D-15: how far ahead of the recording clock a fact may say it happened. A day absorbs a wrong
# offset (Brasília's -03:00 for Cuiabá's -04:00), a machine clock that is off, and a late-night
# entry dated by the next morning's shift; anything further is a typing slip (2031, 9999).
FUTURE_TOLERANCE = timedelta(days=1)

# Event fields that state when something happened (not when it is planned or due): the
# business time of every event, and the times of a visit held, an access, an inspection, notices.
PAST_FACT_FIELDS = (
    "occurred_at", "started_at", "ended_at", "entered_at", "left_at", "inspected_at",
    "defender_notified_at", "prosecutor_notified_at", "judge_notified_at",
)


def require_not_after_recording(event: object, recorded_at: datetime) -> None:
    """Refuse an event whose facts happened after ``recorded_at`` (beyond the tolerance, D-15)."""
    latest = recorded_at + FUTURE_TOLERANCE
    for name in PAST_FACT_FIELDS:
        moment = getattr(event, name, None)
        if isinstance(moment, datetime) and moment.tzinfo is not None and moment > latest:
            refuse("D-15", f"{name} {moment.isoformat()} is after the moment it is recorded "
                           f"({recorded_at.isoformat(timespec='minutes')}); a fact is recorded once it has "
                           "happened — check the date and its offset.")


def day_of_measure(start: date, on: date) -> int:
    """The ordinal day of the measure on ``on``: the start day is day 1 (Decision 11)."""
    return (on - start).days + 1


def nth_day(start: date, n: int) -> date:
    """The date of day ``n`` of a measure that started on ``start`` (day 45 = start + 44)."""
    return start + timedelta(days=n - 1)


def calendar_deadline(start: date, days: int) -> date:
    """Last day of a "within N days" ECA deadline: start excluded, so start + N (ECA 152 §2)."""
    return start + timedelta(days=days)


def within_office_hours(
    moment: datetime,
    *,
    opens: time = time(8, 0),
    closes: time = time(15, 0),
    weekdays_only: bool = True,
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> bool:
    """True when ``moment`` falls in an office window (Reg. art. 25: 08–15 h on business days)."""
    day, clock = local_date(moment), local_time(moment)
    if weekdays_only and not calendar.is_business_day(day):
        return False
    return opens <= clock <= closes


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on ``on``."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` calendar months (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def add_years(start: date, years: int) -> date:
    """``start`` moved by ``years`` (29 February becomes 28 February)."""
    return add_months(start, 12 * years)
