"""The health items of the MP inspection (CNMP Res. 67; ECA 112 §3): counts only, no youth named (LGPD art. 11)."""

from __future__ import annotations

from infra.inspection_render import to_markdown
from tests.unit.projections.test_inspection import a_resident, a_unit_of, facts, report_of


def flagged(unit, in_health_facility=False, reason="sem_nucleo_de_saude_mental", on="2026-04-10"):
    case = a_resident(unit, modality="semiliberdade")
    case.add("SevereMentalDisorderFlagged", on=on, medical_report_reference="(withheld: personal data)",
             in_health_facility=in_health_facility, not_in_facility_reason=None if in_health_facility else reason,
             reason_detail=None)
    return case


def referral(case, destination, on="2026-06-01", urgent=False, referral_id="r-1"):
    case.add("HealthReferralMade", on=on, referral_id=referral_id, destination=destination,
             reason="(withheld: personal data)", urgent=urgent, scheduled_for=None)


def test_the_youths_with_a_severe_mental_disorder_are_counted_with_the_forms_main_reason():
    unit = a_unit_of(capacity=20, unit_type="semiliberdade")
    cases = [flagged(unit), flagged(unit), flagged(unit, reason="profissionais_insuficientes"),
             flagged(unit, in_health_facility=True), a_resident(unit, modality="semiliberdade")]
    report = report_of(unit, cases)
    h = report.health
    assert (h.residents, h.mental_disorder, h.in_health_facility) == (5, 4, 1)
    assert h.main_reason == "sem_nucleo_de_saude_mental"
    shown = facts(report)
    assert shown[next(k for k in shown if k.startswith("II 3.11 / IV 3.19 "))] == "Sim"
    assert shown[next(k for k in shown if k.startswith("II 3.11.1 / IV 3.19.1 "))] == "4 (1 em unidade de saúde)"
    assert shown[next(k for k in shown if k.startswith("II 3.11.2 / IV 3.19.2 "))].startswith(
        "Inexistência de núcleo de saúde mental na Unidade")


def test_a_unit_without_flags_answers_no_and_gives_no_reason():
    unit = a_unit_of(capacity=20, unit_type="semiliberdade")
    report = report_of(unit, [a_resident(unit, modality="semiliberdade")])
    assert (report.health.mental_disorder, report.health.main_reason) == (0, None)
    shown = facts(report)
    assert shown[next(k for k in shown if k.startswith("II 3.11 / IV 3.19 "))] == "Não"


def test_referrals_of_the_period_are_counted_by_kind_of_service_and_the_report_names_no_case():
    unit = a_unit_of(capacity=20, unit_type="semiliberdade")
    one, two = a_resident(unit, modality="semiliberdade"), a_resident(unit, modality="semiliberdade")
    referral(one, "capsad")
    referral(one, "ubs_aps", urgent=True, referral_id="r-2")
    referral(two, "ist_aids", referral_id="r-3")
    referral(two, "capsad", on="2026-01-10", referral_id="r-4")  # before the period: not counted
    one.add("HealthAppointmentAttended", on="2026-06-05", referral_id="r-1", attended=True,
            result="(withheld: personal data)")
    report = report_of(unit, [one, two])
    h = report.health
    assert h.referrals == {"capsad": 1, "ubs_aps": 1, "ist_aids": 1}
    assert (h.urgent_referrals, h.youths_referred, h.appointments_attended, h.appointments_missed) == (1, 2, 1, 0)
    shown = facts(report)
    assert shown[next(k for k in shown if k.startswith("II 3.12 #12 "))] == "Sim — 1 encaminhamento(s) ao CAPSad no período"
    text = to_markdown(report)
    section = text[text.index("11. Saúde"):]
    assert one.id not in section and two.id not in section
