"""Health (E48–E52): referrals and appointments (R-71), hospitalisation (R-72), medication on prescription
(R-52), the severe-mental-disorder flag of ECA 112 §3 (R-73) and notifiable diseases (R-74)."""

from __future__ import annotations

import pytest

from domain.case.health import HealthDestination, HospitalCompanion, NotInHealthFacilityReason, SurveillanceLevel
from tests.unit.domain.builders import (AGENTE, ASSISTENTE_SOCIAL, GERENTE, LIDER, PSICOLOGA, an_admitted_youth,
                                        last_event, on_day)


@pytest.fixture
def case_id(ledger, unit):
    return an_admitted_youth(ledger, unit)


def refer(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, destination=HealthDestination.CAPSI, reason="acompanhamento psicossocial",
                  occurred_at=on_day(10), actor=PSICOLOGA)
    kwargs.update(overrides)
    return ledger.refer_to_health_network(**kwargs)


def hospitalise(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, hospital="Hospital Municipal de Cuiabá", companion=HospitalCompanion.FAMILIA,
                  family_notified=True, occurred_at=on_day(12), actor=AGENTE)
    kwargs.update(overrides)
    return ledger.start_hospitalisation(**kwargs)


def medicate(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, medication="amoxicilina", dose="500 mg 8/8 h", prescription_reference="REC-123",
                  occurred_at=on_day(14), actor=AGENTE)
    kwargs.update(overrides)
    ledger.record_medication(**kwargs)


def flag(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, medical_report_reference="LAUDO-CAPSi-7", in_health_facility=False,
                  not_in_facility_reason=NotInHealthFacilityReason.SEM_NUCLEO_DE_SAUDE_MENTAL,
                  occurred_at=on_day(20), actor=PSICOLOGA)
    kwargs.update(overrides)
    ledger.flag_severe_mental_disorder(**kwargs)


# --- R-71 referrals and appointments ---------------------------------------------------------------


def test_the_technical_team_refers_the_youth_to_the_sus_network_R71(ledger, case_id):
    referral_id = refer(ledger, case_id)
    event = last_event(ledger, "HealthReferralMade")
    assert (event.referral_id, event.destination, event.urgent) == (referral_id, HealthDestination.CAPSI, False)


def test_an_agent_refers_only_an_emergency_R71(ledger, case_id, refused):
    with refused("R-71"):
        refer(ledger, case_id, actor=AGENTE)
    refer(ledger, case_id, actor=LIDER, urgent=True, destination=HealthDestination.UPA_PRONTO_ATENDIMENTO)
    assert last_event(ledger, "HealthReferralMade").urgent is True


def test_a_referral_without_a_reason_is_refused_R71(ledger, case_id, refused):
    with refused("R-71"):
        refer(ledger, case_id, reason="  ")


def test_an_appointment_answers_its_referral_once_R71(ledger, case_id, refused):
    referral_id = refer(ledger, case_id)
    ledger.record_health_appointment(case_id=case_id, referral_id=referral_id, attended=True,
                                     occurred_at=on_day(15), actor=ASSISTENTE_SOCIAL, result="seguimento mensal")
    event = last_event(ledger, "HealthAppointmentAttended")
    assert (event.referral_id, event.attended) == (referral_id, True)
    with refused("D-02"):
        ledger.record_health_appointment(case_id=case_id, referral_id=referral_id, attended=True,
                                         occurred_at=on_day(16), actor=ASSISTENTE_SOCIAL)


def test_an_appointment_before_its_referral_is_refused_R71(ledger, case_id, refused):
    referral_id = refer(ledger, case_id)
    with refused("R-71"):
        ledger.record_health_appointment(case_id=case_id, referral_id=referral_id, attended=True,
                                         occurred_at=on_day(9), actor=ASSISTENTE_SOCIAL)


def test_a_missed_appointment_says_why_R71(ledger, case_id, refused):
    referral_id = refer(ledger, case_id)
    with refused("R-71"):
        ledger.record_health_appointment(case_id=case_id, referral_id=referral_id, attended=False,
                                         occurred_at=on_day(15), actor=ASSISTENTE_SOCIAL)


def test_an_appointment_of_an_unknown_referral_is_refused_D04(ledger, case_id, refused):
    from uuid import uuid4

    with refused("D-04"):
        ledger.record_health_appointment(case_id=case_id, referral_id=uuid4(), attended=True,
                                         occurred_at=on_day(15), actor=ASSISTENTE_SOCIAL)


# --- R-72 hospitalisation --------------------------------------------------------------------------


def test_a_hospitalisation_with_the_family_as_companion_is_recorded_R72(ledger, case_id):
    hospitalisation_id = hospitalise(ledger, case_id)
    event = last_event(ledger, "HospitalizationStarted")
    assert (event.hospitalisation_id, event.companion, event.exceptions) == (
        hospitalisation_id, HospitalCompanion.FAMILIA, ())


def test_a_hospitalisation_without_the_family_told_is_recorded_with_an_alert_R72(ledger, case_id):
    hospitalise(ledger, case_id, companion=HospitalCompanion.AGENTE, family_notified=False)
    (exception,) = last_event(ledger, "HospitalizationStarted").exceptions
    assert (exception.rule_code, exception.alert) == ("R-72", True)


def test_the_family_cannot_be_companion_without_being_told_R72(ledger, case_id, refused):
    with refused("R-72"):
        hospitalise(ledger, case_id, family_notified=False)


def test_a_discharge_ends_the_admission_after_it_R72(ledger, case_id, refused):
    hospitalisation_id = hospitalise(ledger, case_id)
    with refused("R-72"):
        ledger.end_hospitalisation(case_id=case_id, hospitalisation_id=hospitalisation_id,
                                   occurred_at=on_day(11), actor=AGENTE)
    ledger.end_hospitalisation(case_id=case_id, hospitalisation_id=hospitalisation_id,
                               occurred_at=on_day(15), actor=AGENTE, discharge_summary="alta melhorado")
    assert last_event(ledger, "HospitalizationEnded").hospitalisation_id == hospitalisation_id


def test_a_discharge_without_an_admission_is_refused_R72(ledger, case_id, refused):
    from uuid import uuid4

    with refused("R-72"):
        ledger.end_hospitalisation(case_id=case_id, hospitalisation_id=uuid4(), occurred_at=on_day(15), actor=AGENTE)


def test_a_second_admission_before_the_discharge_is_refused_D02(ledger, case_id, refused):
    hospitalise(ledger, case_id)
    with refused("D-02"):
        hospitalise(ledger, case_id, occurred_at=on_day(13))


# --- R-52 medication -------------------------------------------------------------------------------


def test_a_medicine_on_prescription_is_recorded_R52(ledger, case_id):
    medicate(ledger, case_id)
    assert last_event(ledger, "MedicationAdministered").prescription_reference == "REC-123"


def test_a_medicine_without_a_prescription_is_refused_R52(ledger, case_id, refused):
    with refused("R-52"):
        medicate(ledger, case_id, prescription_reference=" ")


def test_no_medication_is_recorded_by_the_unit_while_the_youth_is_in_hospital_D02(ledger, case_id, refused):
    hospitalise(ledger, case_id)
    with refused("D-02"):
        medicate(ledger, case_id)


# --- R-73 severe mental disorder (ECA 112 §3) -----------------------------------------------------


def test_a_severe_mental_disorder_is_flagged_with_why_the_youth_is_not_in_a_health_facility_R73(ledger, case_id):
    flag(ledger, case_id)
    event = last_event(ledger, "SevereMentalDisorderFlagged")
    assert (event.in_health_facility, event.not_in_facility_reason) == (
        False, NotInHealthFacilityReason.SEM_NUCLEO_DE_SAUDE_MENTAL)


def test_a_flag_outside_a_health_facility_without_the_reason_is_refused_R73(ledger, case_id, refused):
    with refused("R-73"):
        flag(ledger, case_id, not_in_facility_reason=None)
    with refused("R-73"):
        flag(ledger, case_id, not_in_facility_reason=NotInHealthFacilityReason.OUTRO)


def test_a_flag_without_a_medical_report_is_refused_R73(ledger, case_id, refused):
    with refused("R-73"):
        flag(ledger, case_id, medical_report_reference="")


def test_an_agent_cannot_flag_a_mental_disorder_R73(ledger, case_id, refused):
    with refused("R-73"):
        flag(ledger, case_id, actor=AGENTE)


def test_a_youth_in_a_health_facility_is_flagged_without_a_reason_R73(ledger, case_id, refused):
    with refused("R-73"):
        flag(ledger, case_id, in_health_facility=True)
    flag(ledger, case_id, in_health_facility=True, not_in_facility_reason=None, actor=GERENTE)
    assert last_event(ledger, "SevereMentalDisorderFlagged").not_in_facility_reason is None


# --- R-74 notifiable disease ---------------------------------------------------------------------


def test_a_notifiable_disease_reported_to_the_surveillance_is_recorded_R74(ledger, case_id):
    ledger.report_notifiable_disease(case_id=case_id, disease="tuberculose", reported_to=SurveillanceLevel.MUNICIPAL,
                                     notification_number="SINAN-0001", occurred_at=on_day(18), actor=GERENTE)
    assert last_event(ledger, "NotifiableDiseaseReported").reported_to is SurveillanceLevel.MUNICIPAL


def test_a_notifiable_disease_without_its_notification_number_is_refused_R74(ledger, case_id, refused):
    with refused("R-74"):
        ledger.report_notifiable_disease(case_id=case_id, disease="tuberculose",
                                         reported_to=SurveillanceLevel.MUNICIPAL, notification_number="",
                                         occurred_at=on_day(18), actor=GERENTE)
