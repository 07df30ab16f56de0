"""The MP inspection data of a unit (CNMP Res. 67), from hand-built events folded into read-model rows."""

from __future__ import annotations

import datetime as dt

import pytest

from infra.inspection_render import to_html, to_markdown
from projections.audit_trail import AuditTrail
from projections.engine import MemoryTables
from projections.form_items import label
from projections.inspection import default_period_start, inspection
from projections.unit_occupancy import OccupancyData, UnitOccupancy
from tests.unit.projections.read_models_builders import UNIT_ID, a_case, a_unit, at

D = dt.date
JUNE_30 = D(2026, 6, 30)


def report_of(unit, cases, on=JUNE_30, start=None):
    """Fold the events into the occupancy and audit rows, as the command reads them, and compute."""
    events = unit.events + [e for c in cases for e in c.events]
    occ = MemoryTables(UnitOccupancy()).apply_events(events)
    data = OccupancyData.from_rows(UNIT_ID, occ.table("unit_capacity").values(), occ.table("unit_movements").values(),
                                   occ.table("occupancy_profiles").values(),
                                   occ.table("occupancy_modalities").values(), occ.table("unit_vacancies").values())
    audit = MemoryTables(AuditTrail()).apply_events(events)
    entries: dict[str, list] = {}
    for row in audit.table("audit_entries").values():
        entries.setdefault(row["stream_id"], []).append(row)
    rows = {c.id: entries.get(c.id, []) for c in cases}
    rows[UNIT_ID] = entries.get(UNIT_ID, [])  # the unit's own stream, as the command passes it
    return inspection(UNIT_ID, on, data, rows, start)


def a_unit_of(capacity=40, unit_type="internacao"):
    unit = a_unit()
    unit.defined(capacity=capacity, unit_type=unit_type, on="2026-01-05")
    return unit


def a_resident(unit, birth_date=D(2009, 5, 1), sex="masculino", modality="internacao", on="2026-03-02",
               room=None, **intake):
    case = a_case()
    case.registered(birth_date=birth_date, sex=sex, on=on)
    case.intake(modality=modality, on=on, **intake)
    unit.admitted(case.id, on=on)
    if room:
        case.room(room, on=on)
        unit.moved(case.id, room, on=on)
    return case


def test_age_band_uses_completed_years_on_the_inspection_date():
    unit = a_unit_of()
    # 16 on 30 June 2026 (birthday that day), 15 on the 29th
    case = a_resident(unit, birth_date=D(2010, 6, 30))
    assert report_of(unit, [case], on=D(2026, 6, 29)).population.counts == {("definitiva", "12-15", "masculino"): 1}
    assert report_of(unit, [case], on=JUNE_30).population.counts == {("definitiva", "16-18", "masculino"): 1}


def test_a_youth_aged_21_or_more_is_listed_as_a_violation_by_case_id():
    unit = a_unit_of()
    old = a_resident(unit, birth_date=D(2005, 1, 1))
    young = a_resident(unit, birth_date=D(2009, 1, 1))
    population = report_of(unit, [old, young]).population
    assert population.violations == ((old.id, 21, "21+ (violation)"),)
    assert population.total() == 2


def test_modalities_are_grouped_as_the_cnmp_form_asks():
    unit = a_unit_of(unit_type="internacao_provisoria")
    cases = [a_resident(unit, modality="internacao_provisoria"), a_resident(unit, modality="internacao_sancao"),
             a_resident(unit, modality="internacao", sex="feminino")]
    counts = report_of(unit, cases).population.counts
    assert counts == {("provisoria", "16-18", "masculino"): 1, ("descumprimento", "16-18", "masculino"): 1,
                      ("definitiva", "16-18", "feminino"): 1}


def test_occupancy_gives_rate_peak_and_days_over_capacity_in_the_period():
    unit = a_unit_of(capacity=2)
    cases = [a_resident(unit, on="2026-06-01") for _ in range(2)]
    third = a_resident(unit, on="2026-06-10")
    unit.departed(third.id, on="2026-06-12")  # over capacity on the 10th and the 11th
    occupancy = report_of(unit, cases + [third], start=D(2026, 6, 1)).occupancy
    assert (occupancy.capacity, occupancy.population, occupancy.occupancy_rate) == (2, 2, 1.0)
    assert (occupancy.peak_population, occupancy.days_over_capacity, occupancy.days) == (3, 2, 30)
    assert occupancy.module_reference == 40 and occupancy.within_module


def test_the_default_period_is_the_two_months_ending_on_the_inspection_day():
    assert default_period_start(JUNE_30) == D(2026, 5, 1)


def test_planned_sex_is_compared_with_the_occupants():
    unit = a_unit_of()  # planned masculino
    ident = report_of(unit, [a_resident(unit), a_resident(unit, sex="feminino")]).identification
    assert ident.occupants_by_sex == {"masculino": 1, "feminino": 1}
    assert ident.sex_matches_plan is False


def test_a_room_mixing_an_adolescent_and_a_young_adult_is_reported_as_not_separated_by_age():
    unit = a_unit_of()
    cases = [a_resident(unit, birth_date=D(2012, 1, 1), room="A1"), a_resident(unit, birth_date=D(2008, 1, 1), room="A1"),
             a_resident(unit, birth_date=D(2008, 1, 1), room="B1")]
    separation = {c.criterion: c for c in report_of(unit, cases).separation}
    assert separation["age"].separated is False and separation["age"].mixed_rooms == ("A1",)
    # One modality in the unit: item 1.3.3 does not apply (it read "Sim" before, always true).
    assert separation["modality"].answer == "nao_se_aplica"


def test_separation_by_seriousness_comes_from_the_intake_and_is_unavailable_without_it():
    unit = a_unit_of()
    violent = a_resident(unit, room="A1", seriousness="com_violencia_ou_grave_ameaca")
    calm = a_resident(unit, room="A1", seriousness="sem_violencia")
    separation = {c.criterion: c for c in report_of(unit, [violent, calm]).separation}
    assert separation["seriousness"].separated is False and separation["seriousness"].mixed_rooms == ("A1",)
    assert separation["build"].separated is None and separation["build"].missing == 2


def test_separation_is_unavailable_when_no_room_is_recorded():
    unit = a_unit_of()
    separation = report_of(unit, [a_resident(unit), a_resident(unit)]).separation
    assert all(c.separated is None and c.answer in ("sem_registro", "nao_se_aplica") for c in separation)
    assert all(c.missing == 2 for c in separation if c.criterion != "modality")


def test_a_reassessment_older_than_six_months_is_breached_on_the_inspection_day():
    unit = a_unit_of()
    overdue = a_resident(unit, on="2025-12-01")  # due 2026-06-01
    recent = a_resident(unit, on="2026-03-01")  # due 2026-09-01
    summary = report_of(unit, [overdue, recent]).reassessment
    assert summary.breached == ((overdue.id, D(2026, 6, 1)),)
    assert summary.states == {"breached": 1, "running": 1}


def test_pia_timeliness_separates_met_met_late_and_breached():
    unit = a_unit_of()
    on_time = a_resident(unit, on="2026-04-01")
    on_time.add("PIASubmitted", on="2026-05-01", version=1, exceptions=[])
    late = a_resident(unit, on="2026-04-01")
    late.add("PIASubmitted", on="2026-05-30", version=1, exceptions=[])
    missing = a_resident(unit, on="2026-04-01")
    pia = report_of(unit, [on_time, late, missing]).pia
    assert pia.states == {"met": 1, "met_late": 1, "breached": 1}
    assert pia.breached == ((missing.id, D(2026, 5, 16)),)
    assert [cid for cid, _, _ in pia.late] == [late.id]


def test_an_entry_that_occurred_after_the_inspection_day_is_not_counted():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-04-01")
    case.add("PIASubmitted", on="2026-07-10", version=1, exceptions=[])  # after 30 June
    assert report_of(unit, [case]).pia.states == {"breached": 1}


def test_disciplinary_indicators_count_the_procedure_hearing_decision_and_appeal():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-01")
    case.add("DisciplinaryProcedureOpened", on="2026-06-02", procedure_id="p-1", incident_id="i-1", offence_code="M-1",
             severity="media", commission=[], defender_notified=True, parents_notified=False)
    case.add("DisciplinaryHearingHeld", on="2026-06-03", procedure_id="p-1", youth_heard=True, defender_present=True,
             parents_present=False, defence_presented=True)
    case.add("DisciplinaryDecisionIssued", on="2026-06-04", procedure_id="p-1", outcome="sancao",
             sanction="advertencia", starts_on=D(2026, 6, 4), ends_on=D(2026, 6, 10), exclusion_grounds_examined=True,
             exclusion_ground_found=None, aggravating=[], attenuating=[], decided_by=[], appeal_information_given=True)
    case.add("AppealFiled", on="2026-06-05", procedure_id="p-1", filed_by="defensor")
    case.add("DisciplinaryProcedureOpened", on="2026-04-01", procedure_id="p-0", incident_id="i-0",
             offence_code="M-1", severity="media", commission=[], defender_notified=True, parents_notified=True)
    d = report_of(unit, [case], start=D(2026, 5, 1)).discipline  # the April procedure is before the period
    assert (d.procedures_opened, d.defender_notified, d.parents_notified) == (1, 1, 0)
    assert (d.hearings, d.youth_heard, d.hearings_with_defence) == (1, 1, 1)
    assert (d.decisions, d.sanctions, d.sanctions_with_fixed_duration, d.appeals_filed) == (1, 1, 1, 1)


def test_isolation_notices_are_judged_against_24_hours_from_the_isolation():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-01")
    case.add("IsolationApplied", on="2026-06-10", hour=9, isolation_id="iso-1", ground="seguranca",
             justification="x", place="A")
    case.add("IsolationNoticesSent", on="2026-06-10", hour=15, isolation_id="iso-1", exceptions=[],
             defender_notified_at=at("2026-06-10", 14), prosecutor_notified_at=at("2026-06-10", 14),
             judge_notified_at=at("2026-06-10", 15))
    case.add("IsolationApplied", on="2026-06-20", hour=9, isolation_id="iso-2", ground="seguranca",
             justification="x", place="A")
    case.add("IsolationApplied", on="2026-06-30", hour=20, isolation_id="iso-3", ground="seguranca",
             justification="x", place="A")
    d = report_of(unit, [case]).discipline
    assert (d.isolations, d.isolation_notices_on_time, d.isolation_notices_late) == (3, 1, 0)
    assert d.isolations_without_notice == (case.id,)  # iso-2; iso-3 is still within its 24 h
    assert d.isolations_notice_pending == 1


def test_visits_count_the_last_seven_days_and_gaps_of_fifteen_days():
    unit = a_unit_of()
    visited = a_resident(unit, on="2026-05-01")
    visited.add("VisitHeld", on="2026-06-28", visitor_ids=["v-1"], modality="comum", started_at=at("2026-06-28", 9),
                ended_at=at("2026-06-28", 10), search_done=True)
    forgotten = a_resident(unit, on="2026-05-01")
    visits = report_of(unit, [visited, forgotten]).visits
    assert (visits.residents, visits.visited_last_7_days, visits.share_visited) == (2, 1, 0.5)
    assert visits.gap_breaches == ((forgotten.id, 60),)


def test_evasions_of_the_period_name_the_cases():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-01")
    case.add("EvasionRecorded", on="2026-06-15", kind="de_dentro_da_unidade", court_notified=True,
             superintendencia_notified=True, exceptions=[])
    unit.departed(case.id, on="2026-06-15", reason="evasao")
    evasions = report_of(unit, [case]).evasions
    assert (evasions.events, evasions.youths, evasions.returns) == (1, (case.id,), 0)


def test_the_period_may_not_start_after_the_inspection_day():
    unit = a_unit_of()
    with pytest.raises(ValueError):
        report_of(unit, [a_resident(unit)], start=D(2026, 7, 1))


def test_the_report_names_cases_by_id_only_and_carries_the_cnmp_labels():
    unit = a_unit_of()
    case = a_resident(unit, birth_date=D(2004, 1, 1))
    report = report_of(unit, [case])
    markdown, page = to_markdown(report), to_html(report)
    for text in (markdown, page):
        assert "III 1.4 Capacidade total" in text and "I 1.4 / III 1.7 Número atual de internos" in text
        assert "Adolescentes por modalidade, faixa etária e sexo" in text
        assert "Relatórios de reavaliação da medida (art. 121 §2º do ECA" in text
        assert case.id in text  # the 21-year-old, listed by case id
        assert "Fulano" not in text and "RG 123" not in text and "2004-01-01" not in text
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<table" in page


# -- the form's items (CNMP Res. 67 as worded by Res. 84/2012, seed 001) ---------------------------

TEAM = [{"staff_id": "s-1", "role": "psicologo"}, {"staff_id": "s-2", "role": "assistente_social"}]


def a_report(case, on, authors=TEAM, conclusion="manutencao"):
    return case.add("ProgressReportSubmitted", on=on, kind="acompanhamento", conclusion=conclusion,
                    authors=authors, protocol_number="P-1", exceptions=[])


def sources(report):
    from infra.inspection_render import Heading, blocks
    return {b.text: b.source for b in blocks(report) if isinstance(b, Heading)}


def facts(report):
    from infra.inspection_render import Facts, blocks
    return {k: v for b in blocks(report) if isinstance(b, Facts) for k, v in b.rows}


def test_item_3_5_reports_sent_on_time_is_computed_from_the_progress_reports_not_the_court_decision():
    unit = a_unit_of()
    on_time = a_resident(unit, on="2025-12-01")  # first report due 2026-06-01; no court decision since
    a_report(on_time, on="2026-05-20")
    late = a_resident(unit, on="2025-12-01")
    a_report(late, on="2026-06-10", authors=TEAM[:1], conclusion=None)
    never = a_resident(unit, on="2025-12-01")
    rep = report_of(unit, [on_time, late, never]).reassessment
    assert rep.states == {"met": 1, "met_late": 1, "breached": 1}
    assert rep.late == ((late.id, D(2026, 6, 1), D(2026, 6, 10)),)
    assert rep.breached == ((never.id, D(2026, 6, 1)),)
    assert (rep.reports, rep.interdisciplinary, rep.with_conclusion) == (2, 1, 1)  # items 3.2 and 3.3
    assert rep.on_time is False


def test_item_3_5_is_met_when_every_report_went_within_six_months_of_the_previous_one():
    unit = a_unit_of()
    case = a_resident(unit, on="2025-06-01")
    a_report(case, on="2025-11-30")
    a_report(case, on="2026-05-25")  # 6 months after the previous report, not after the admission
    report = report_of(unit, [case])
    assert report.reassessment.states == {"met": 1} and report.reassessment.on_time is True
    assert facts(report)[label("reports_on_time", "internacao")] == "Sim"


def test_item_3_5_section_cites_only_the_items_it_fills():
    unit = a_unit_of()
    source = sources(report_of(unit, [a_resident(unit)]))[
        "5. Relatórios de reavaliação da medida (art. 121 §2º do ECA; art. 42 do SINASE)"]
    assert source.endswith("Anexo I 3.1, 3.2, 3.3 e 3.5; Anexo III 3.7, 3.8, 3.9 e 3.11") and "3.1–3.7" not in source


def test_item_1_3_3_by_modality_does_not_apply_to_a_unit_holding_one_modality():
    unit = a_unit_of()
    cases = [a_resident(unit, room="A1"), a_resident(unit, room="A1")]
    separation = {c.criterion: c for c in report_of(unit, cases).separation}
    assert separation["modality"].answer == "nao_se_aplica"


def test_item_1_3_3_by_modality_reads_nao_when_a_room_mixes_provisoria_and_definitiva():
    unit = a_unit_of(unit_type="internacao_provisoria")
    cases = [a_resident(unit, room="A1", modality="internacao_provisoria"), a_resident(unit, room="A1")]
    separation = {c.criterion: c for c in report_of(unit, cases).separation}
    assert separation["modality"].answer == "nao" and separation["modality"].mixed_rooms == ("A1",)


def test_item_1_3_1_by_type_of_offence_reads_sem_registro_even_when_the_seriousness_is_recorded():
    unit = a_unit_of()
    cases = [a_resident(unit, room="A1", seriousness="com_violencia_ou_grave_ameaca"),
             a_resident(unit, room="B1", seriousness="sem_violencia")]
    report = report_of(unit, cases)
    separation = {c.criterion: c for c in report.separation}
    assert separation["offence_type"].answer == "sem_registro"
    assert separation["seriousness"].answer == "sim"  # given apart, under its own name
    assert "| I 1.3.1 / III 1.6.1 | Por tipo de infração? | sem registro |" in to_markdown(report)


def test_item_1_3_2_by_age_a_15_and_a_16_year_old_sharing_a_room_are_separated():
    unit = a_unit_of()
    cases = [a_resident(unit, birth_date=D(2011, 1, 1), room="A1"),  # 15 on 30 June 2026
             a_resident(unit, birth_date=D(2010, 1, 1), room="A1")]  # 16: another CNMP band, same ECA group
    separation = {c.criterion: c for c in report_of(unit, cases).separation}
    assert separation["age"].answer == "sim" and separation["age"].mixed_rooms == ()


def test_mais_de_15_dias_sem_visita_lists_only_strictly_more_than_15_days():
    unit = a_unit_of()
    fifteen = a_resident(unit, on="2026-06-15")  # 15 days without a visit on 30 June
    sixteen = a_resident(unit, on="2026-06-14")
    assert report_of(unit, [fifteen, sixteen]).visits.gap_breaches == ((sixteen.id, 16),)


def disciplinary_case(unit, decided_by, parents_present=True, parents_notified=False):
    case = a_resident(unit, on="2026-03-01")
    case.add("DisciplinaryProcedureOpened", on="2026-06-02", procedure_id="p-1", incident_id="i-1", offence_code="M-1",
             severity="media", commission=[], defender_notified=True, parents_notified=parents_notified)
    case.add("DisciplinaryHearingHeld", on="2026-06-03", procedure_id="p-1", youth_heard=True, defender_present=True,
             parents_present=parents_present, defence_presented=True)
    case.add("DisciplinaryDecisionIssued", on="2026-06-04", procedure_id="p-1", outcome="sancao",
             sanction="advertencia", starts_on=D(2026, 6, 4), ends_on=D(2026, 6, 10), exclusion_grounds_examined=True,
             exclusion_ground_found=None, aggravating=[], attenuating=[], decided_by=decided_by,
             appeal_information_given=True)
    return case


def test_item_2_9_parents_assisting_the_procedure_counts_parents_present_not_parents_notified():
    unit = a_unit_of()
    present = disciplinary_case(unit, TEAM, parents_present=True, parents_notified=False)
    notified = disciplinary_case(unit, TEAM, parents_present=False, parents_notified=True)
    report = report_of(unit, [present, notified])
    assert (report.discipline.hearings_with_parents, report.discipline.parents_notified) == (1, 1)
    assert label("disc_parents", "internacao").startswith("III 2.9 ")  # Annex I has no discipline items
    assert facts(report)[label("disc_parents", "internacao")] == \
        "Não — 1 de 2 oitivas com pais ou responsáveis presentes (50%)"


def test_item_2_10_who_applies_the_sanction_follows_decided_by():
    unit = a_unit_of()
    commission = disciplinary_case(unit, [{"staff_id": "s-1", "role": "gerente"},
                                          {"staff_id": "s-2", "role": "assistente_social"}])
    direction = disciplinary_case(unit, [{"staff_id": "s-1", "role": "gerente"}])
    report = report_of(unit, [commission, direction])
    assert report.discipline.decided_by == {"comissao": 1, "direcao": 1}
    assert facts(report)[label("disc_decided_by", "internacao")] == "Direção da Unidade: 1; Comissão Disciplinar: 1"


def test_section_7_cites_exactly_the_items_it_fills():
    unit = a_unit_of()
    source = sources(report_of(unit, [a_resident(unit)]))["7. Procedimento disciplinar — devido processo"]
    # 2.11.1 since issue 21: who judges the appeal, from the role that recorded its decision.
    assert "Anexo III 2.7, 2.8, 2.8.1, 2.9, 2.10, 2.11 e 2.11.1;" in source and "2.5–2.13" not in source


def test_item_2_11_1_who_judges_the_appeal_is_the_role_that_recorded_its_decision():
    unit = a_unit_of()
    case = disciplinary_case(unit, TEAM)
    assert facts(report_of(unit, [case]))[label("disc_appeal_judged_by", "internacao")].startswith("não se aplica")
    case.add("AppealFiled", on="2026-06-05", procedure_id="p-1", filed_by="defensor")
    case.add("AppealDecided", on="2026-06-08", procedure_id="p-1", outcome="mantida", new_ends_on=None,
             actor_role="gerente")
    report = report_of(unit, [case])
    assert report.discipline.appeals_judged_by == {"Direção da Unidade": 1}
    assert label("disc_appeal_judged_by", "semiliberdade").startswith("IV 2.11.1 ")
    assert facts(report)[label("disc_appeal_judged_by", "internacao")] == "Direção da Unidade: 1"


def test_items_1_5_population_tables_show_every_modality_and_the_feminino_column_with_zeros():
    unit = a_unit_of()
    markdown = to_markdown(report_of(unit, [a_resident(unit)]))  # one boy, definitiva, 17
    for title in ("Provisória (art. 108 do ECA)", "Definitiva (art. 122, incs. I e II, do ECA)",
                  "Descumprimento de medida anteriormente imposta"):
        assert title in markdown
    assert "| Faixa etária | Masculino | Feminino | Total |" in markdown
    assert "| 16 a 18 | 1 | 0 | 1 |" in markdown and "| 12 a 15 | 0 | 0 | 0 |" in markdown


def test_section_2_cites_the_2012_capacity_item_not_the_2011_header():
    unit = a_unit_of()
    report = report_of(unit, [a_resident(unit)])
    source = sources(report)["2. Capacidade e ocupação"]
    assert "Anexo III 1.4 e 1.7" in source and "cabeçalho" not in source
    assert facts(report)["III 1.4 Capacidade total"] == "40"


def test_item_1_2_occupied_by_both_sexes_gives_the_counts_of_item_1_2_1():
    unit = a_unit_of()
    report = report_of(unit, [a_resident(unit), a_resident(unit, sex="feminino")])
    assert report.identification.occupied_by == "ambos"
    f = facts(report)
    assert f[label("planned_sex", "internacao")] == "Masculino"  # «Ambos» is not recordable
    assert f[label("occupied_sex", "internacao")] == "Ambos"
    assert f[label("occupied_counts", "internacao")] == "Masculino: 1; Feminino: 1; Total: 2"


# -- other items whose data the ledger records (section 10) ----------------------------------------


def a_resident_from(unit, family_comarca):
    case = a_case()
    case.add("AdolescentRegistered", on="2026-03-02", hour=8, birth_date=D(2009, 5, 1), sex="masculino",
             name="Fulano de Tal", civil_document="RG 123", family_comarca=family_comarca,
             personal=frozenset({"name", "civil_document"}))
    case.intake(modality="internacao", on="2026-03-02")
    unit.admitted(case.id, on="2026-03-02")
    return case


def test_item_III_1_10_family_proximity_compares_the_familys_comarca_with_the_units():
    unit = a_unit_of()  # comarca Cuiabá
    near, far = a_resident_from(unit, "Cuiabá"), a_resident_from(unit, "Sinop")
    report = report_of(unit, [near, far])
    assert (report.activity.family_recorded, report.activity.family_elsewhere) == (2, (far.id,))
    f = facts(report)
    assert f[label("family_proximity", "internacao")] == "Não — família na comarca da unidade em 1 de 2"
    assert f[label("family_proximity_count", "internacao")].startswith("1 (família em outra comarca: ")


def test_item_III_1_10_a_corrected_family_comarca_counts_as_not_recorded_because_its_value_is_withheld():
    unit = a_unit_of()
    case = a_resident_from(unit, "Cuiabá")
    case.corrected(case.events[0], family_comarca="Sinop")  # the audit trail withholds the new value
    assert report_of(unit, [case]).activity.family_recorded == 0


def test_item_III_1_13_non_lethal_weapons_lists_the_forms_options_not_physical_containment():
    unit = a_unit_of()
    case = a_resident(unit)
    for technique in ("contencao_fisica", "gas_ou_spray_de_pimenta", "gas_ou_spray_de_pimenta"):
        case.add("UseOfForceRecorded", on="2026-06-10", technique=technique, staff=[], injuries=False,
                 medical_exam_reference=None, justification="x", exceptions=[])
    report = report_of(unit, [case])
    assert report.activity.force == {"contencao_fisica": 1, "gas_ou_spray_de_pimenta": 2}
    assert facts(report)[label("non_lethal", "internacao")] == "Sim — Gás / Spray de pimenta: 2"


def test_item_3_8_legal_assistance_is_systematic_with_weekly_defensoria_interviews_and_the_mp_does_not_count():
    unit = a_unit_of()
    case = a_resident(unit)
    for day in range(1, 61, 6):  # 10 days in the 61 of the period: weekly on average
        case.add("PrivateInterviewHeld", on=D(2026, 5, 1) + dt.timedelta(days=day), authority="defensoria_publica",
                 duration_minutes=30)
    case.add("PrivateInterviewHeld", on="2026-06-01", authority="ministerio_publico", duration_minutes=30)
    activity = report_of(unit, [case]).activity
    assert activity.frequency("defensoria_publica") == "semanal" and activity.legal_assistance_systematic
    assert activity.frequency("advogado_constituido") is None and activity.residents_interviewed == 1


def test_item_3_8_legal_assistance_is_not_systematic_with_only_the_mps_interviews():
    unit = a_unit_of()
    case = a_resident(unit)
    case.add("PrivateInterviewHeld", on="2026-06-01", authority="ministerio_publico", duration_minutes=30)
    report = report_of(unit, [case])
    assert report.activity.legal_assistance_systematic is False
    assert facts(report)[label("legal_assistance", "internacao")].startswith("Não — 0 de 1 adolescentes")


def test_item_3_9_egress_follow_up_counts_the_released_youths_followed_up_in_the_period():
    unit = a_unit_of()
    case = a_resident(unit, on="2026-03-01")
    case.released(on="2026-05-10")
    unit.departed(case.id, on="2026-05-10", reason="desligamento")
    case.add("EgressFollowUpRecorded", on="2026-06-10", contact="visita_domiciliar", in_school=True,
             in_course_or_work=False, referred_to_network=True, notes=None)
    report = report_of(unit, [case])
    a = report.activity
    assert (a.egress_youths, a.egress_in_school, a.egress_in_course_or_work, a.egress_referred) == (1, 1, 0, 1)
    assert facts(report)[label("egress_school", "internacao")] == "Sim — 1 de 1 egressos acompanhados no período (100%)"


def test_item_3_6_technical_team_and_III_3_14_defender_at_the_reassessment_hearings():
    unit = a_unit_of()
    case = a_resident(unit)
    case.add("ReassessmentHearingHeld", on="2026-06-05", hearing_on=D(2026, 6, 5), technical_team_present=True,
             defender_present=False, youth_present=True, family_notified=True)
    report = report_of(unit, [case])
    f = facts(report)
    assert f[label("hearing_team", "internacao")] == "Sim — 1 de 1 audiências de reavaliação do período (100%)"
    assert f[label("execution_defender", "internacao")].startswith("Não — 0 de 1")


def test_item_3_11_external_activities_from_the_exits_of_the_period():
    unit = a_unit_of()
    case = a_resident(unit)
    case.add("ExternalExitStarted", on="2026-06-05", exit_id="x-1", purpose="atividade_esportiva_cultural",
             authorised_by={"id": "s-1", "role": "gerente"}, team_assessed=True, search_done=True,
             expected_return_at=at("2026-06-05", 17))
    report = report_of(unit, [case])
    assert facts(report)[label("external_exits", "internacao")] == \
        "Sim — 1 saída(s) no período (atividade_esportiva_cultural: 1)"
    assert facts(report_of(unit, [a_resident(unit)]))[label("external_exits", "internacao")].startswith("Não — ")


def test_items_I_2_1_and_2_2_staff_changes_since_the_last_inspection_and_the_roster_by_category():
    unit = a_unit_of()
    unit.add("StaffRosterChanged", on="2026-02-01", staff_id="s-1", name="Maria", category="psicologo", status="ativo",
             weekly_hours=40, personal=frozenset({"name"}))
    unit.add("InspectionRecorded", on="2026-05-10", inspection_id="i-1", kind="bimestral",
             inspected_at=at("2026-05-10", 9), promotor_id="mp-1", accompanying=[], report_due_on=None,
             access_id="a-1", exceptions=[])
    unit.add("StaffRosterChanged", on="2026-06-01", staff_id="s-2", name="João", category="agente_socioeducativo",
             status="ativo", weekly_hours=30, personal=frozenset({"name"}))
    unit.add("StaffRosterChanged", on="2026-06-02", staff_id="s-1", name="Maria", category="psicologo",
             status="inativo", weekly_hours=40, personal=frozenset({"name"}))
    report = report_of(unit, [a_resident(unit)])
    staff = report.staff
    assert (staff.changes_since, staff.changes) == (D(2026, 5, 10), 2)
    assert staff.by_category == {"agente_socioeducativo": (1, 0, 30), "psicologo": (0, 1, 0)}
    f = facts(report)
    assert f[label("staff_changed", "internacao")] == "Sim — 2 alteração(ões) do quadro desde 10/05/2026"
    assert "Maria" not in to_markdown(report) and "João" not in to_markdown(report)


def test_header_horario_is_the_time_of_the_inspection_recorded_that_day_or_sem_registro():
    unit = a_unit_of()
    case = a_resident(unit)
    assert facts(report_of(unit, [case]))[label("visit_time", "internacao")].startswith("sem registro")
    unit.add("InspectionRecorded", on="2026-06-30", hour=14, inspection_id="i-2", kind="bimestral",
             inspected_at=at("2026-06-30", 14, 30), promotor_id="mp-1", accompanying=[], report_due_on=None,
             access_id="a-2", exceptions=[])
    assert facts(report_of(unit, [case]))[label("visit_time", "internacao")] == "14:30 (horário de Cuiabá)"


# -- checklist rows (I 3.13, III 3.23; II 3.12, IV 3.20) -------------------------------------------


def test_checklist_capacidade_fisica_compares_the_capacity_with_the_sinase_module():
    unit = a_unit_of(capacity=60)
    f = facts(report_of(unit, [a_resident(unit)]))
    assert label("checklist_capacity", "internacao").startswith("I 3.13 #17 / III 3.23 #17 Capacidade física")
    assert f[label("checklist_capacity", "internacao")] == "40 adolescentes — capacidade acima do módulo"


def test_checklist_homologacao_judicial_do_pia_counts_residents_with_a_pia_homologated():
    unit = a_unit_of()
    done, pending = a_resident(unit, on="2026-04-01"), a_resident(unit, on="2026-04-01")
    for case in (done, pending):
        case.add("PIASubmitted", on="2026-05-01", version=1, exceptions=[])
    done.add("PIAHomologated", on="2026-05-20", tacit=False)
    report = report_of(unit, [done, pending])
    assert (report.activity.pia_submitted, report.activity.pia_homologated) == (2, 1)
    assert facts(report)[label("checklist_pia_homologated", "internacao")] == \
        "Não — 1 de 2 adolescentes com PIA entregue e homologado (50%)"
    assert facts(report)[label("checklist_pia", "internacao")] == \
        "Sim — PIA elaborado para 2 de 2 adolescentes; 0 vencido(s) sem PIA"


def test_checklist_equipe_interdisciplinar_and_atendidos_por_categoria_from_the_roster():
    unit = a_unit_of()
    for sid, category in (("s-1", "psicologo"), ("s-2", "assistente_social"), ("s-3", "agente_socioeducativo")):
        unit.add("StaffRosterChanged", on="2026-02-01", staff_id=sid, name="X", category=category, status="ativo",
                 weekly_hours=40, personal=frozenset({"name"}))
    report = report_of(unit, [a_resident(unit), a_resident(unit), a_resident(unit), a_resident(unit)])
    f = facts(report)
    assert f[label("checklist_team", "internacao")].startswith("Não — ativos: Psicólogos: 1; Assistentes Sociais: 1; "
                                                               "Pedagogos: 0")
    assert "Psicólogos: 4,0" in f[label("checklist_per_professional", "internacao")]


def test_checklist_estudos_de_caso_counts_the_interdisciplinary_case_studies_of_the_period():
    unit = a_unit_of()
    case = a_resident(unit)
    case.add("CaseStudyHeld", on="2026-06-03", participants=TEAM, youth_participated=True, family_participated=False,
             needs=[], personal=frozenset({"needs[]"}))
    case.add("CaseStudyHeld", on="2026-06-04", participants=TEAM[:1], youth_participated=True,
             family_participated=False, needs=[], personal=frozenset({"needs[]"}))
    f = facts(report_of(unit, [case]))
    assert f[label("checklist_case_studies", "internacao")] == \
        "Não — 1 de 2 estudos de caso do período com a equipe interdisciplinar (50%)"


def test_the_report_states_the_checkpoint_it_was_computed_at_in_html_markdown_and_json():
    import dataclasses

    from projections.inspection import LogCheckpoint

    unit = a_unit_of()
    a_resident(unit)
    plain = report_of(unit, [])
    covered = dataclasses.replace(plain, checkpoint=LogCheckpoint(42, 40, 1000, "q83vEjRWeJA="))
    html, md = to_html(covered), to_markdown(covered)
    assert "tamanho da árvore 1000, raiz q83vEjRWeJA=" in html and "tamanho da árvore 1000" in md
    assert "notificação 42, árvore de tamanho 40" in html
    assert dataclasses.asdict(covered)["checkpoint"] == {"notification_id": 42, "tree_size": 40,
                                                         "checkpoint_size": 1000, "checkpoint_root": "q83vEjRWeJA="}
    assert "no checkpoint yet covers these facts" in to_html(plain)
    assert "no checkpoint yet covers these facts" not in html


def test_item_3_7_individual_execution_process_each_case_opened_under_its_own_process_or_nao_se_aplica():
    unit = a_unit_of(unit_type="internacao_provisoria")
    provisional = a_resident(unit, modality="internacao_provisoria")
    key = label("execution_process", "internacao_provisoria")
    assert key.startswith("I 3.7 / III 3.13 Há processo individualizado de execução")
    assert facts(report_of(unit, [provisional]))[key].startswith("não se aplica")
    serving = a_resident(unit, modality="internacao")
    assert facts(report_of(unit, [provisional, serving]))[key].startswith("Sim — 1 adolescente(s) em execução")
