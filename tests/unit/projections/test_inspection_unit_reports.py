"""The unit's reports to the Superintendência in the inspection report (R-65; Reg. art. 14 VI, XIV):
the gerente sends one report for every month once it has ended, and one for every year (E65)."""

from __future__ import annotations

import datetime as dt

from infra.inspection_render import to_markdown
from projections.inspection_unit_reports import unit_reports
from tests.unit.projections.test_inspection import JUNE_30, a_resident, a_unit_of, report_of


def sent(unit, year, month, on):
    return unit.add("MonthlyReportSubmitted", on=on, actor_role="gerente", year=year, month=month,
                    protocol_number="SUP-1")


def test_the_months_of_the_period_without_a_report_are_listed_R65():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    sent(unit, 2026, 5, on="2026-06-03")
    sent(unit, 2025, None, on="2026-01-20")
    report = report_of(unit, [case], on=JUNE_30)  # period 1 May – 30 June: May has ended, June not yet
    u = report.unit_reports
    assert (u.recorded, u.months_due, u.months_missing, u.annual_year, u.annual_sent) == (
        True, ("2026-05",), (), 2025, True)
    text = to_markdown(report)
    assert "Relatórios mensais dos meses encerrados no período (2026-05) enviados?** Sim — todos enviados" in text
    assert "Relatório anual de 2025 enviado?** Sim" in text


def test_a_month_not_reported_and_a_missing_annual_report_are_shown_R65():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    sent(unit, 2026, 4, on="2026-05-04")
    report = report_of(unit, [case], on=dt.date(2026, 7, 10))  # period 11 May – 10 July: May and June owed
    u = report.unit_reports
    assert (u.months_due, u.months_missing, u.annual_sent) == (("2026-05", "2026-06"), ("2026-05", "2026-06"), False)
    text = to_markdown(report)
    assert "enviados?** Não — sem relatório: 2026-05, 2026-06" in text
    assert "Relatório anual de 2025 enviado?** Não" in text


def test_a_unit_with_no_report_recorded_reads_sem_registro_R65():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    report = report_of(unit, [case], on=JUNE_30)
    assert report.unit_reports.recorded is False and report.unit_reports.annual_sent is None
    text = to_markdown(report)
    assert "(2026-05) enviados?** sem registro" in text
    assert "Relatório anual de 2025 enviado?** sem registro" in text
    assert "Reunião mensal da equipe (Reg. art. 14 VI):** sem registro" in text


def test_a_report_sent_after_the_inspection_day_does_not_count_for_it():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-02")
    sent(unit, 2026, 4, on="2026-05-04")
    sent(unit, 2026, 5, on="2026-07-02")
    assert report_of(unit, [case], on=JUNE_30).unit_reports.months_missing == ("2026-05",)


def test_the_months_owed_are_those_ended_before_the_inspection_day():
    assert unit_reports([], dt.date(2026, 1, 1), dt.date(2026, 3, 31)).months_due == ("2026-01", "2026-02")
    assert unit_reports([], dt.date(2025, 11, 15), dt.date(2026, 1, 1)).months_due == ("2025-11", "2025-12")
