"""Health of the youth in the unit (catalogue E48–E52): referrals to the SUS network and the
appointments that answer them, hospitalisation, medication given, the severe-mental-disorder flag
the CNMP counts, and notifiable diseases.

Health care reaches a youth in semiliberdade through the public network (Reg. art. 89 par. único:
"as assistências serão prestadas por meio de encaminhamentos à rede"; art. 51 XVII: basic care in
the local SUS; art. 53 VI: the unit refers to routine and emergency care; art. 93: integral care
articulated with the SUS, mental health among its lines — also the priority line of care of the
state health plan, SES-MT 2024–2027, seed 003). The unit records the referral and its outcome; the
clinical content stays in the health service's own record.

Clinical detail is sensitive personal data (LGPD art. 11; children's data, art. 14): every field
that says what the youth has — the reason, the result, the hospital, the medicine and dose, the
prescription and the medical report, the disease — is marked PERSONAL, so it is sealed per youth
(AES-GCM, schemas/sealing.py) and withheld from every read model. What stays in clear is what the
CNMP forms count (the kind of service, attended or not, whether the youth is in a health facility
and the form's reason why not); even that is shown only to health staff by the read policy
(application/read_policy.py), others see the entry and counts.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from domain.calendar import local_date, require_aware
from domain.case.core import CaseCore, CaseStatus
from domain.rules import coerce_choice, refuse
from domain.values import PERSONAL, TECHNICAL_ROLES, Actor, RecordedException, Role


class HealthDestination(StrEnum):
    """The SUS service the youth is referred to (Reg. art. 53 VI, 93; SES-MT plan: RAPS). Its kind is
    what CNMP Res. 67 counts (Annex I/III 3.13 #12–13, II/IV 3.12 #11–13): the detail is sealed."""

    __fallback__ = "outro"

    UBS_APS = "ubs_aps"  # atenção primária (Reg. art. 51 XVII)
    UPA_PRONTO_ATENDIMENTO = "upa_pronto_atendimento"  # urgência e emergência
    HOSPITAL = "hospital"
    AMBULATORIO_ESPECIALIZADO = "ambulatorio_especializado"
    CAPS = "caps"  # Rede de Atenção Psicossocial (Reg. art. 93 VI)
    CAPSI = "capsi"  # CAPS infantojuvenil
    CAPSAD = "capsad"  # álcool e drogas: "atendimento ao dependente químico" (CNMP Annex II 3.12 #12)
    SAUDE_BUCAL = "saude_bucal"  # odontologia (Reg. art. 93 V)
    IST_AIDS = "ist_aids"  # CTA/SAE: "prevenção de DST/AIDS" (CNMP Annex II 3.12 #13)
    IMUNIZACAO = "imunizacao"  # sala de vacina (Reg. art. 93 IV)
    OUTRO = "outro"


MENTAL_HEALTH_DESTINATIONS = frozenset({HealthDestination.CAPS, HealthDestination.CAPSI, HealthDestination.CAPSAD})


class HospitalCompanion(StrEnum):
    """Who stays with a hospitalised youth: the family, or the agent when it does not come (Reg. art. 20 §2;
    art. 88 IX: the family's duty until the medical discharge)."""

    FAMILIA = "familia"
    AGENTE = "agente_socioeducativo"


class NotInHealthFacilityReason(StrEnum):
    """Why a youth with a severe mental disorder is not treated in a health facility: the options of the
    CNMP form (Res. 67 Annex I 3.12.2, II 3.11.2, III 3.22.2, IV 3.19.2)."""

    SEM_NUCLEO_DE_SAUDE_MENTAL = "sem_nucleo_de_saude_mental"  # "Inexistência de núcleo de saúde mental na Unidade"
    PROFISSIONAIS_INSUFICIENTES = "profissionais_insuficientes"  # "… em número insuficiente"
    OUTRO = "outro"  # "Outros": say which (sealed)


class SurveillanceLevel(StrEnum):
    """The health surveillance service a notifiable disease is reported to (Lei 6.259/1975 arts. 7–8)."""

    MUNICIPAL = "vigilancia_municipal"
    ESTADUAL = "vigilancia_estadual"


# Who refers to the network and flags a disorder: the technical team and the gerente (Reg. art. 53 VI, 13,
# 15–19; art. 12: the health area's servants are the youth's references). Agents and the líder accompany
# the youth to care (Reg. art. 20 III) and may refer only in an emergency.
HEALTH_REFERRERS = frozenset({Role.GERENTE, *TECHNICAL_ROLES})
ESCORTS = frozenset({Role.AGENTE, Role.LIDER})


class HealthStage(CaseCore):
    """Health (E48–E52): the events of this stage beside the commands that trigger them."""

    # Cases recorded before health was modelled carry none of this state: read it with defaults.
    def _referrals(self) -> dict[UUID, tuple[datetime, bool]]:
        return getattr(self, "health_referrals", {})

    def _hospitalisation(self) -> tuple[UUID, datetime] | None:
        return getattr(self, "hospitalisation", None)

    def refer_to_health_network(
        self,
        *,
        destination: HealthDestination,
        reason: str,
        occurred_at: datetime,
        actor: Actor,
        referral_id: UUID | None = None,
        urgent: bool = False,
        scheduled_for: date | None = None,
    ) -> UUID:
        """Refer the youth to a SUS service (*encaminhamento à rede SUS*, E48): the kind of service, and
        the reason (sealed: LGPD art. 11). Returns the referral id, which the appointment names."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a health referral")
        destination = coerce_choice(HealthDestination, destination, "R-71", "Health service")
        referral_id = uuid4() if referral_id is None else referral_id
        if actor.role not in HEALTH_REFERRERS and not (urgent and actor.role in ESCORTS):
            refuse("R-71", "The technical team or the gerente refers the youth to the health network (Reg. art. 53 VI); "
                           "an agent or the líder refers only an emergency (Reg. art. 20 III): mark it urgent.")
        if not reason.strip():
            refuse("R-71", "Say why the youth is referred (sealed, seen by health staff only: LGPD art. 11).")
        if referral_id in self._referrals():
            refuse("D-02", "A referral with this id is already recorded; give a new one.")
        if scheduled_for is not None and scheduled_for < local_date(occurred_at):
            refuse("R-71", f"The appointment date {scheduled_for.isoformat()} is before the referral; check the date.")
        self._record(self.HealthReferralMade, occurred_at=occurred_at, actor=actor, referral_id=referral_id,
                     destination=destination, reason=reason, urgent=urgent, scheduled_for=scheduled_for)
        return referral_id

    class HealthReferralMade(CaseCore.Event):
        """*Encaminhamento à rede SUS* (E48; Reg. art. 53 VI, 89 par. único, 93)."""

        referral_id: Annotated[UUID, "Id of the referral; the appointment that answers it names it."]
        destination: Annotated[HealthDestination, "The kind of SUS service the youth is referred to (what the CNMP counts)."]
        reason: Annotated[str, PERSONAL, "Why the youth is referred: clinical, sealed (LGPD art. 11), for health staff."]
        urgent: Annotated[bool, "An emergency referral (an agent or the líder may make it: Reg. art. 20 III)."]
        scheduled_for: Annotated[date | None, "The appointment's date, when the service set one."]

        def apply(self, case: CaseCore) -> None:
            case.health_referrals = {**getattr(case, "health_referrals", {}), self.referral_id: (self.occurred_at, False)}
            super().apply(case)

    def record_health_appointment(
        self,
        *,
        referral_id: UUID,
        attended: bool,
        occurred_at: datetime,
        actor: Actor,
        result: str | None = None,
    ) -> None:
        """Record the appointment that answers a referral (E48): attended or not, and its result (sealed)."""
        require_aware(occurred_at)
        referral = self._referrals().get(referral_id)
        if referral is None:
            refuse("D-04", "There is no health referral with that id in this case; record the referral first.")
        made_at, answered = referral
        if answered:
            refuse("D-02", "This referral's appointment is already recorded; a new appointment needs a new referral.")
        if occurred_at < made_at:
            refuse("R-71", "The appointment cannot precede its referral (Reg. art. 53 VI); check the date.")
        if not attended and not (result or "").strip():
            refuse("R-71", "Say why the appointment did not happen (the right to health care, Reg. art. 51 XVII, "
                           "asks the unit to refer again or explain).")
        self._record(self.HealthAppointmentAttended, occurred_at=occurred_at, actor=actor, referral_id=referral_id,
                     attended=attended, result=result)

    class HealthAppointmentAttended(CaseCore.Event):
        """The appointment of a referral, attended or not (E48)."""

        referral_id: Annotated[UUID, "The referral this appointment answers."]
        attended: Annotated[bool, "Whether the youth was seen by the service."]
        result: Annotated[str | None, PERSONAL, "The result, or why the appointment did not happen: sealed (LGPD art. 11)."]

        def apply(self, case: CaseCore) -> None:
            referrals = dict(getattr(case, "health_referrals", {}))
            referrals[self.referral_id] = (referrals[self.referral_id][0], True)
            case.health_referrals = referrals
            super().apply(case)

    def start_hospitalisation(
        self,
        *,
        hospital: str,
        companion: HospitalCompanion,
        family_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        hospitalisation_id: UUID | None = None,
    ) -> UUID:
        """Record that the youth is admitted to a hospital (*internação hospitalar*, E49): who stays with the
        youth and whether the family was told (Reg. art. 20 §2, 88 IX). Returns the hospitalisation id."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a hospitalisation")
        companion = coerce_choice(HospitalCompanion, companion, "R-72", "Companion")
        hospitalisation_id = uuid4() if hospitalisation_id is None else hospitalisation_id
        if self._hospitalisation() is not None:
            refuse("D-02", "The youth is already in hospital; record the discharge before a new admission.")
        if not hospital.strip():
            refuse("R-72", "Name the hospital, so the family and visits can reach the youth (Reg. art. 59).")
        # Reg. art. 20 §2: the agent tells the family, which stays as companion (art. 88 IX); if it does not
        # come, the agent stays. A family companion without having been told is a contradiction.
        if companion is HospitalCompanion.FAMILIA and not family_notified:
            refuse("R-72", "The family stays as companion only once told (Reg. art. 20 §2); record it notified, "
                           "or the agent as companion.")
        exceptions = ()
        if not family_notified:
            exceptions = (RecordedException("R-72", "hospitalisation without the family notified (Reg. art. 20 §2)", True),)
        self._record(self.HospitalizationStarted, occurred_at=occurred_at, actor=actor,
                     hospitalisation_id=hospitalisation_id, hospital=hospital, companion=companion,
                     family_notified=family_notified, exceptions=exceptions)
        return hospitalisation_id

    class HospitalizationStarted(CaseCore.Event):
        """*Internação hospitalar* (E49; Reg. art. 20 §2, 59, 88 IX)."""

        hospitalisation_id: Annotated[UUID, "Id of the hospitalisation; the discharge names it."]
        hospital: Annotated[str, PERSONAL, "The hospital: where the youth is treated tells what the youth has (sealed)."]
        companion: Annotated[HospitalCompanion, "Who stays with the youth at the hospital (Reg. art. 20 §2, 88 IX)."]
        family_notified: Annotated[bool, "Whether the family was told of the admission (Reg. art. 20 §2)."]
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.hospitalisation = (self.hospitalisation_id, self.occurred_at)
            super().apply(case)

    def end_hospitalisation(
        self,
        *,
        hospitalisation_id: UUID,
        occurred_at: datetime,
        actor: Actor,
        discharge_summary: str | None = None,
    ) -> None:
        """Record the medical discharge (*alta hospitalar*, E49): the youth is back in the unit's care."""
        require_aware(occurred_at)
        current = self._hospitalisation()
        if current is None or current[0] != hospitalisation_id:
            refuse("R-72", "There is no ongoing hospitalisation with that id; a discharge ends a recorded admission "
                           "(Reg. art. 88 IX: until the medical discharge).")
        if occurred_at <= current[1]:
            refuse("R-72", f"The discharge must come after the admission ({current[1].isoformat()}); check the time.")
        self._record(self.HospitalizationEnded, occurred_at=occurred_at, actor=actor,
                     hospitalisation_id=hospitalisation_id, discharge_summary=discharge_summary)

    class HospitalizationEnded(CaseCore.Event):
        """*Alta hospitalar* (E49)."""

        hospitalisation_id: Annotated[UUID, "The hospitalisation this discharge ends."]
        discharge_summary: Annotated[str | None, PERSONAL, "The discharge's summary: clinical, sealed (LGPD art. 11)."]

        def apply(self, case: CaseCore) -> None:
            case.hospitalisation = None
            super().apply(case)

    def record_medication(
        self,
        *,
        medication: str,
        dose: str,
        prescription_reference: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a medicine given to the youth in the unit (E50), on a medical or dental prescription
        (CONANDA 252 art. 68 par. único; Reg. art. 52 XXIII, 93 IX)."""
        require_aware(occurred_at)
        self._require_present("a medication")
        if self._hospitalisation() is not None:
            refuse("D-02", "The youth is in hospital: the hospital gives and records the medication until the "
                           "discharge (Reg. art. 88 IX); record the discharge first.")
        if not medication.strip() or not dose.strip():
            refuse("R-52", "Name the medicine and the dose: every medication goes into the record (CONANDA 252 art. 68).")
        # CONANDA 252 art. 68: chemical restraint is forbidden; medication only on medical criteria, in writing.
        if not prescription_reference.strip():
            refuse("R-52", "Medication only on a medical or dental prescription (CONANDA 252 art. 68 par. único; "
                           "Reg. art. 52 XXIII): give the prescription's reference.")
        self._record(self.MedicationAdministered, occurred_at=occurred_at, actor=actor, medication=medication,
                     dose=dose, prescription_reference=prescription_reference)

    class MedicationAdministered(CaseCore.Event):
        """A medicine given on prescription (E50; CONANDA 252 art. 68 par. único)."""

        medication: Annotated[str, PERSONAL, "The medicine given: clinical, sealed (LGPD art. 11)."]
        dose: Annotated[str, PERSONAL, "The dose and schedule: clinical, sealed."]
        prescription_reference: Annotated[str, PERSONAL, "The medical or dental prescription it follows (CONANDA 252 art. 68)."]

        def apply(self, case: CaseCore) -> None:
            case.medications = getattr(case, "medications", 0) + 1
            super().apply(case)

    def flag_severe_mental_disorder(
        self,
        *,
        medical_report_reference: str,
        in_health_facility: bool,
        occurred_at: datetime,
        actor: Actor,
        not_in_facility_reason: NotInHealthFacilityReason | None = None,
        reason_detail: str | None = None,
    ) -> None:
        """Flag that the youth has a severe mental disorder (ECA art. 112 §3: individual and specialised
        treatment in a suitable place; E51), on a medical report, and — when the youth is not treated in a
        health facility — why, in the CNMP form's words (Res. 67 Annex I 3.12.2, II 3.11.2)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a mental-health flag")
        if actor.role not in HEALTH_REFERRERS:
            refuse("R-73", "The technical team or the gerente records the flag, on a medical report (ECA 112 §3; "
                           "Reg. art. 93 VI).")
        if getattr(self, "severe_mental_disorder", False):
            refuse("D-02", "The youth is already flagged; correct that entry if the facility or the reason changed.")
        if not medical_report_reference.strip():
            refuse("R-73", "The flag rests on a medical or psychiatric report (ECA 112 §3): give its reference.")
        if in_health_facility:
            if not_in_facility_reason is not None:
                refuse("R-73", "The youth is in a health facility: leave the reason for not being in one out.")
        else:
            if not_in_facility_reason is None:
                refuse("R-73", "Say why the youth is not treated in a health facility, as the CNMP form asks "
                               "(Res. 67 Annex I 3.12.2): sem_nucleo_de_saude_mental, profissionais_insuficientes "
                               "or outro.")
            not_in_facility_reason = coerce_choice(NotInHealthFacilityReason, not_in_facility_reason, "R-73", "Reason")
            if not_in_facility_reason is NotInHealthFacilityReason.OUTRO and not (reason_detail or "").strip():
                refuse("R-73", "The form's «Outros» asks which reason: give reason_detail.")
        self._record(self.SevereMentalDisorderFlagged, occurred_at=occurred_at, actor=actor,
                     medical_report_reference=medical_report_reference, in_health_facility=in_health_facility,
                     not_in_facility_reason=not_in_facility_reason, reason_detail=reason_detail)

    class SevereMentalDisorderFlagged(CaseCore.Event):
        """A severe mental disorder within ECA art. 112 §3, counted by the CNMP inspection (E51)."""

        medical_report_reference: Annotated[str, PERSONAL, "The medical or psychiatric report the flag rests on (sealed)."]
        in_health_facility: Annotated[bool, "Whether the youth is treated in a health facility, as ECA 112 §3 asks."]
        not_in_facility_reason: Annotated[NotInHealthFacilityReason | None, "Why not, in the CNMP form's options (Res. 67 Annex I 3.12.2)."]
        reason_detail: Annotated[str | None, PERSONAL, "Which other reason («Outros»): sealed."]

        def apply(self, case: CaseCore) -> None:
            case.severe_mental_disorder = True
            super().apply(case)

    def report_notifiable_disease(
        self,
        *,
        disease: str,
        reported_to: SurveillanceLevel,
        notification_number: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record that a disease of compulsory notification was reported to the health surveillance (E52;
        Lei 6.259/1975 arts. 7–8; Reg. art. 93 VII, control of diseases)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a disease notification")
        reported_to = coerce_choice(SurveillanceLevel, reported_to, "R-74", "Surveillance service")
        if not disease.strip():
            refuse("R-74", "Name the disease notified (sealed: LGPD art. 11).")
        if not notification_number.strip():
            refuse("R-74", "A notifiable disease is recorded once reported to the health surveillance "
                           "(Lei 6.259/1975 art. 8): give the notification's number (SINAN form).")
        self._record(self.NotifiableDiseaseReported, occurred_at=occurred_at, actor=actor, disease=disease,
                     reported_to=reported_to, notification_number=notification_number)

    class NotifiableDiseaseReported(CaseCore.Event):
        """A disease of compulsory notification reported to the surveillance (E52)."""

        disease: Annotated[str, PERSONAL, "The disease notified: clinical, sealed (LGPD art. 11)."]
        reported_to: Annotated[SurveillanceLevel, "The health surveillance service it was reported to."]
        notification_number: Annotated[str, PERSONAL, "The notification form's number (SINAN): points to the youth, sealed."]
