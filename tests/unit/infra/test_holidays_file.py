"""A deployment declares the municipal holidays the ledger's table lacks (CASELEDGER_HOLIDAYS_FILE), each with
the municipal law that makes it one: business days (Reg. arts. 25, 32, 39) then skip them in that comarca."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from domain import calendar as cal
from infra.cli import main
from infra.holidays import HolidaysFileError, load_holidays_file


@pytest.fixture(autouse=True)
def table_restored():
    saved = dict(cal.MUNICIPAL_HOLIDAYS)
    yield
    cal.MUNICIPAL_HOLIDAYS.clear()
    cal.MUNICIPAL_HOLIDAYS.update(saved)
    cal._calendar_of.cache_clear()


def a_file(tmp_path, data) -> str:
    path = tmp_path / "feriados.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_comarca_the_table_does_not_list_gets_the_holidays_of_the_file(tmp_path):
    day = dt.date(2026, 5, 13)
    assert cal.calendar_for("Primavera do Leste").is_business_day(day)
    n = load_holidays_file(a_file(tmp_path, {"Primavera do Leste": [
        {"date": "05-13", "name": "Aniversário", "source": "Lei municipal 1/1986"}]}))
    assert n == 1
    assert not cal.calendar_for("primavera do leste").is_business_day(day)
    assert cal.calendar_for("Cuiabá").is_business_day(day)  # only that comarca's


def test_the_file_adds_to_a_listed_comarca_and_keeps_its_holidays(tmp_path):
    added = dt.date(2026, 7, 16)  # a Thursday, no holiday in the table
    assert cal.calendar_for("Cuiabá").is_business_day(added)
    load_holidays_file(a_file(tmp_path, {"Cuiabá": [{"date": "07-16", "name": "x", "source": "Lei municipal 2"}]}))
    cuiaba = cal.calendar_for("Cuiabá")
    assert not cuiaba.is_business_day(added)
    assert not cuiaba.is_business_day(dt.date(2026, 4, 8))  # the table's own (Fundação de Cuiabá) stays


@pytest.mark.parametrize("entry, says", [
    ({"date": "05-13", "name": "Aniversário", "source": " "}, "names no source"),
    ({"date": "02-30", "name": "Aniversário", "source": "Lei 1"}, "day is out of range"),
    ({"date": "13 de maio", "name": "Aniversário", "source": "Lei 1"}, "is not MM-DD"),
    ({"date": "05-13", "name": "Aniversário"}, "give date (MM-DD), name and source"),
])
def test_a_holiday_without_its_source_or_a_real_day_is_refused_and_nothing_is_declared(tmp_path, entry, says):
    good = {"date": "05-14", "name": "ok", "source": "Lei 2"}
    with pytest.raises(HolidaysFileError, match=re.escape(says)):
        load_holidays_file(a_file(tmp_path, {"Primavera do Leste": [good, entry]}))
    assert cal.calendar_for("Primavera do Leste").is_business_day(dt.date(2026, 5, 14))


def test_the_command_line_refuses_to_start_with_a_wrong_holidays_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASELEDGER_HOLIDAYS_FILE", str(a_file(tmp_path, {"Sinop": "13/06"})))
    assert main(["record", "--list"]) == 2
    assert "CASELEDGER_HOLIDAYS_FILE" in capsys.readouterr().err
