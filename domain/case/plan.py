"""The individual plan (*PIA*) and the judicial execution of the measure: case study, contract,
PIA, reports, reassessment and decisions, court orders (E11–E20).

Over 400 lines because the PIA and the judicial execution share their state (versions, decisions, reassessment); split further it would part events from the commands that trigger them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable


from domain.calendar import local_date, require_aware
from domain.case.core import CaseCore, CaseStatus, _require_judicial
from domain.rules import coerce_choice, refuse
from domain.values import (
    MODALITY_SEVERITY,
    TECHNICAL_ROLES,
    Actor,
    JudicialOrderKind,
    MeasureDecision,
    Modality,
    PIASection,
    PersonalText,
    PlanGoal,
    ReassessmentGround,
    ReassessmentRequester,
    RecordedException,
    ReportConclusion,
    ReportKind,
    Role,
    SourceDocument,
    StaffMember,
)


class PlanStage(CaseCore):
    """PIA and judicial execution: the events of this stage beside the commands that trigger them."""

    def hold_case_study(
        self,
        *,
        participants: Iterable[StaffMember],
        youth_participated: bool,
        family_participated: bool,
        needs: Iterable[str],
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the case study, the first stage of the PIA (*Estudo de Caso*, E11; Reg. art. 70 I)."""
        require_aware(occurred_at)
        self._require_present("a case study")
        # SINASE 52: the PIA, and so its stages, is for definitive measures only.
        if self.modality is None or not self.modality.is_definitive:
            refuse("R-24", "No PIA for internação provisória (SINASE 52); hold the case study once the measure is definitive.")
        if actor.role not in TECHNICAL_ROLES:
            refuse("D-05", "The reference technical team records the case study (Reg. art. 13, 70 I).")
        participants = tuple(dict.fromkeys(participants))
        # Reg. art. 70 I: "as diversas áreas do conhecimento".
        if len({m.role for m in participants if m.role in TECHNICAL_ROLES}) < 2:
            refuse("D-10", "The case study needs professionals of at least two technical areas (Reg. art. 70 I).")
        self._record(
            self.CaseStudyHeld,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            participants=participants,
            youth_participated=youth_participated,
            family_participated=family_participated,
            needs=tuple(needs),
        )

    class CaseStudyHeld(CaseCore.Event):
        """*Estudo de Caso*: the first stage of the PIA, by professionals of several areas (E11; Reg. art. 70 I)."""

        participants: tuple[StaffMember, ...]
        youth_participated: bool
        family_participated: bool
        needs: tuple[PersonalText, ...]

        def apply(self, case: CaseCore) -> None:
            case.case_study_held = True
            super().apply(case)

    def agree_contract(
        self,
        *,
        goals: Iterable[PlanGoal],
        youth_agreed: bool,
        family_agreed: bool,
        sent_to_external_network: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the agreement of the team with the youth and the family (*Contrato Social*, E12; Reg. art. 70 II)."""
        on = local_date(occurred_at)
        self._require_present("a contrato social")
        if actor.role not in TECHNICAL_ROLES:
            refuse("D-05", "The reference technical team agrees the contrato social (Reg. art. 13, 70 II).")
        # Reg. art. 70 I: the case study "subsidia a elaboração do Contrato Social".
        if not self.case_study_held:
            refuse("D-04", "Hold the case study first: it grounds the contrato social (Reg. art. 70 I).")
        # Reg. art. 67, 70 II; SINASE 49 VI, 52 par. único: an agreement with the youth and the family.
        if not youth_agreed:
            refuse("R-23", "The youth must agree the contrato social (Reg. art. 70 II; SINASE 49 VI).")
        if not family_agreed:
            refuse("R-23", "The family must agree the contrato social (Reg. art. 67, 70 II; SINASE 52 par. único).")
        goals = tuple(goals)
        # Reg. art. 70 II: priorities, sequence and deadlines of the actions.
        if not goals:
            refuse("R-23", "State the goals agreed, each with its deadline (Reg. art. 70 II).")
        if any(g.due_on <= on or not g.description.strip() for g in goals):
            refuse("R-23", "Each goal needs a description and a deadline after the day of the agreement (Reg. art. 70 II).")
        self._record(
            self.ContractAgreed,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            goals=goals,
            youth_agreed=youth_agreed,
            family_agreed=family_agreed,
            sent_to_external_network=sent_to_external_network,
        )

    class ContractAgreed(CaseCore.Event):
        """*Contrato Social*: the team's agreement with the youth and the family (E12; Reg. art. 70 II)."""

        goals: tuple[PlanGoal, ...]
        youth_agreed: bool
        family_agreed: bool
        sent_to_external_network: bool

        def apply(self, case: CaseCore) -> None:
            case.contract_agreed = True
            super().apply(case)

    def submit_pia(
        self,
        *,
        sections: Iterable[PIASection],
        youth_participated: bool,
        family_participated: bool,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """Send the PIA proposal to the court (*envio do PIA*, E13)."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a PIA")
        # SINASE 52: there is no PIA for internação provisória.
        if self.modality is None or not self.modality.is_definitive:
            refuse("R-24", "No PIA for internação provisória (SINASE 52); submit it once the measure is definitive.")
        if actor.role not in TECHNICAL_ROLES | {Role.GERENTE}:
            refuse("D-05", "The reference team prepares the PIA and the gerente sends it (Reg. art. 13).")
        given = tuple(dict.fromkeys(sections))
        missing = [s.value for s in PIASection if s not in given]
        # Reg. art. 69 I–VIII: the eight minimum sections.
        if missing:
            refuse("R-23", "The PIA lacks the minimum sections of Reg. art. 69: " + ", ".join(missing) + ".")
        # SINASE 49 VI, 52 par. único; Reg. art. 67: the youth and the family take part.
        if not youth_participated:
            refuse("R-23", "The youth must take part in the PIA (SINASE 49 VI); record the youth's participation.")
        if not family_participated:
            refuse("R-23", "The family must take part in the PIA (SINASE 52 par. único; Reg. art. 67).")
        exceptions = []
        due = self.pia_due_on()
        if due is not None and on > due:
            exceptions.append(RecordedException("R-22", delay_justification or "PIA sent after 45 days", True))
        self._record(
            self.PIASubmitted,
            occurred_at=occurred_at,
            actor=actor,
            version=self.pia_versions + 1,
            sections=given,
            youth_participated=youth_participated,
            family_participated=family_participated,
            protocol_number=protocol_number,
            exceptions=tuple(exceptions),
        )

    class PIASubmitted(CaseCore.Event):
        """*Proposta de PIA enviada ao Juízo* (E13)."""

        version: int
        sections: tuple[PIASection, ...]
        youth_participated: bool
        family_participated: bool
        protocol_number: str
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.pia_versions = self.version
            super().apply(case)

    def record_pia_homologation(
        self, *, tacit: bool, occurred_at: datetime, actor: Actor, court_document: SourceDocument | None
    ) -> None:
        """Record the court's approval of the PIA (*homologação*, E14)."""
        require_aware(occurred_at)
        if self.pia_versions == 0:
            refuse("D-04", "No PIA has been submitted for this case.")
        _require_judicial(court_document, "D-06", "decision or certificate of tacit homologation")
        self._record(
            self.PIAHomologated,
            occurred_at=occurred_at, actor=actor, unit_id=self.unit_id or "", source_document=court_document, tacit=tacit
        )

    class PIAHomologated(CaseCore.Event):
        """*Homologação do PIA*, express or tacit (E14)."""

        tacit: bool

        def apply(self, case: CaseCore) -> None:
            case.pia_homologated = True
            super().apply(case)

    def record_pia_challenge(
        self,
        *,
        challenged_by: ReassessmentRequester,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """Record a challenge to the PIA (*impugnação*, E14); it does not suspend the PIA."""
        require_aware(occurred_at)
        if self.pia_versions == 0:
            refuse("D-04", "No PIA has been submitted for this case.")
        _require_judicial(court_document, "D-06", "the challenge filed in the execution process")
        self._record(
            self.PIAImpugned,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_document,
            challenged_by=challenged_by,
        )

    class PIAImpugned(CaseCore.Event):
        """*Impugnação do PIA* by the MP or the defence (E14)."""

        challenged_by: ReassessmentRequester

        def apply(self, case: CaseCore) -> None:
            case.pia_homologated = False
            super().apply(case)

    def update_pia(
        self,
        *,
        changed_sections: Iterable[PIASection],
        changes: str,
        reason: str,
        increases_restriction: bool,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None = None,
    ) -> None:
        """Record a revision of the PIA (*revisão do PIA*, E15).

        A change that increases the restriction of liberty is the court's to decide
        (SINASE 43 §1 III, §4): it is recorded only with the judicial decision.
        """
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a PIA revision")
        if self.pia_versions == 0:
            refuse("D-04", "No PIA has been submitted for this case; submit it before revising it.")
        if actor.role not in TECHNICAL_ROLES | {Role.GERENTE}:
            refuse("D-05", "The reference team revises the PIA (Reg. art. 13).")
        changed = tuple(dict.fromkeys(changed_sections))
        if not changed or not changes.strip() or not reason.strip():
            refuse("D-04", "Name the sections changed, what changed and why.")
        if increases_restriction:
            _require_judicial(court_document, "D-09", "the judicial decision that authorises more restriction (SINASE 43 §4)")
        self._record(
            self.PIAUpdated,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_document,
            version=self.pia_versions,
            changed_sections=changed,
            changes=changes,
            reason=reason,
            increases_restriction=increases_restriction,
        )

    class PIAUpdated(CaseCore.Event):
        """*Revisão do PIA*; a change that restricts liberty more rests on a court decision (E15; SINASE 43 §1 III, §4)."""

        version: int
        changed_sections: tuple[PIASection, ...]
        changes: PersonalText
        reason: PersonalText
        increases_restriction: bool

        def apply(self, case: CaseCore) -> None:
            case.pia_updates += 1
            super().apply(case)

    def submit_progress_report(
        self,
        *,
        kind: ReportKind,
        conclusion: ReportConclusion | None,
        authors: Iterable[StaffMember],
        written_for_this_youth: bool,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """Send a technical report to the court (*relatório técnico*, E16)."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a progress report")
        authors = tuple(authors)
        # CNMP67 Annex bimestral 3.2–3.4.1: interdisciplinary, explicit conclusion, no generic template.
        if conclusion is None:
            refuse("R-26", "State the report's conclusion: maintain, progress, regress or extinguish.")
        conclusion = coerce_choice(ReportConclusion, conclusion, "R-26", "Conclusion")
        professions = {a.role for a in authors if a.role in TECHNICAL_ROLES}
        if len(professions) < 2:
            refuse("R-26", "The report must be interdisciplinary: authors from at least two technical professions.")
        if not written_for_this_youth:
            refuse("R-26", "Generic template reports are not accepted; write the report for this youth.")
        exceptions = []
        due = self.reassessment_due_on()
        if due is not None and on > due:
            exceptions.append(RecordedException("R-25", delay_justification or "report after the reassessment deadline", True))
        self._record(
            self.ProgressReportSubmitted,
            occurred_at=occurred_at,
            actor=actor,
            kind=kind,
            conclusion=conclusion,
            authors=authors,
            protocol_number=protocol_number,
            exceptions=tuple(exceptions),
        )

    class ProgressReportSubmitted(CaseCore.Event):
        """*Relatório técnico* with an explicit conclusion (E16)."""

        kind: ReportKind
        conclusion: ReportConclusion
        authors: tuple[StaffMember, ...]
        protocol_number: str
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.last_report_on = local_date(self.occurred_at)
            super().apply(case)

    def request_reassessment(
        self,
        *,
        requester: ReassessmentRequester | str,
        ground: ReassessmentGround,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a reassessment request (*pedido de reavaliação*, E17); anyone SINASE 43 names may ask."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a reassessment request")
        requester = coerce_choice(ReassessmentRequester, requester, "R-27", "Requester")
        ground = coerce_choice(ReassessmentGround, ground, "R-27", "Ground")
        self._record(
            self.ReassessmentRequested,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            requester=requester,
            ground=ground,
        )

    class ReassessmentRequested(CaseCore.Event):
        """*Pedido de reavaliação* (E17)."""

        requester: ReassessmentRequester
        ground: ReassessmentGround

    def record_reassessment_hearing(
        self,
        *,
        hearing_on: date,
        technical_team_present: bool,
        defender_present: bool,
        youth_present: bool,
        family_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """Record the reassessment hearing (*audiência de reavaliação*, E18)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a reassessment hearing")
        _require_judicial(court_document, "D-06", "minutes of the hearing")
        self._record(
            self.ReassessmentHearingHeld,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_document,
            hearing_on=hearing_on,
            technical_team_present=technical_team_present,
            defender_present=defender_present,
            youth_present=youth_present,
            family_notified=family_notified,
        )

    class ReassessmentHearingHeld(CaseCore.Event):
        """*Audiência de reavaliação* (E18)."""

        hearing_on: date
        technical_team_present: bool
        defender_present: bool
        youth_present: bool
        family_notified: bool

        def apply(self, case: CaseCore) -> None:
            case.last_hearing_on = self.hearing_on
            super().apply(case)

    def record_measure_decision(
        self,
        *,
        decision: MeasureDecision,
        effective_on: date,
        raw_text: str,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
        new_modality: Modality | None = None,
        restarts_measure_on: date | None = None,
    ) -> None:
        """Record the court's decision on the measure (*decisão de manutenção, substituição…*, E19).

        A change of modality in the same unit is a status change; the youth moves only by transfer.
        """
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a measure decision")
        _require_judicial(court_document, "D-06", "the decision")
        decision = coerce_choice(MeasureDecision, decision, "D-06", "Decision")
        if decision in (MeasureDecision.SUBSTITUICAO, MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA) and (
            new_modality is None
        ):
            refuse("D-04", "Give the new modality the decision sets.")
        # SINASE 43 §4: a more severe measure only after a hearing and a technical report.
        if new_modality is not None and self.modality is not None:
            if MODALITY_SEVERITY[new_modality] > MODALITY_SEVERITY[self.modality] and (
                decision is not MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA
            ):
                since = self.last_decision_on or self.measure_started_on
                heard = self.last_hearing_on is not None and (since is None or self.last_hearing_on >= since)
                reported = self.last_report_on is not None and (since is None or self.last_report_on >= since)
                if not (heard and reported):
                    refuse(
                        "R-28",
                        "A regression to a more severe measure needs a prior hearing and a technical report "
                        "(SINASE 43 §4); record them first.",
                    )
        # SINASE 45 §1: unification does not restart the measure.
        if decision is MeasureDecision.UNIFICACAO and restarts_measure_on is not None:
            refuse("R-29", "Unification cannot restart the measure; the clocks continue (SINASE 45 §1).")
        self._record(
            self.MeasureDecisionRecorded,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_document,
            decision=decision,
            new_modality=new_modality,
            effective_on=effective_on,
            raw_text=raw_text,
        )

    class MeasureDecisionRecorded(CaseCore.Event):
        """*Decisão*: maintenance, substitution, suspension, extinction, unification (E19)."""

        decision: MeasureDecision
        new_modality: Modality | None
        effective_on: date
        raw_text: PersonalText

        def apply(self, case: CaseCore) -> None:
            case.last_decision_on = self.effective_on
            if self.new_modality is not None:
                # Decision 8: the PIA clock starts at the status change to a definitive measure.
                if self.new_modality.is_definitive and (case.modality is None or not case.modality.is_definitive):
                    case.definitive_since = self.effective_on
                case.modality = self.new_modality
            super().apply(case)

    def receive_judicial_order(
        self,
        *,
        kind: JudicialOrderKind,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """File a court order in the case (*ordem judicial protocolada*, E20)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.REGISTRADO, CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a court order")
        _require_judicial(court_document, "D-06", "the order")
        kind = coerce_choice(JudicialOrderKind, kind, "D-06", "Order kind")
        if kind is JudicialOrderKind.SUSPENSAO_DE_VISITAS:
            refuse("D-04", "Record a court visit suspension with suspend_visits_by_court: it names visitors and period.")
        if kind is JudicialOrderKind.LIBERACAO:
            refuse("D-04", "Record a release order with receive_release_order.")
        self._record(
            self.JudicialOrderReceived,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_document,
            kind=kind,
            protocol_number=protocol_number,
        )

    class JudicialOrderReceived(CaseCore.Event):
        """*Ordem judicial protocolada* (E20)."""

        kind: JudicialOrderKind
        protocol_number: str

        def apply(self, case: CaseCore) -> None:
            if self.kind is JudicialOrderKind.PROIBICAO_ATIVIDADES_EXTERNAS:
                case.external_activities_banned = True
            elif self.kind is JudicialOrderKind.LIBERACAO_ATIVIDADES_EXTERNAS:
                case.external_activities_banned = False
            elif self.kind is JudicialOrderKind.REAVALIACAO_TRIMESTRAL:
                case.quarterly_reassessment = True
            super().apply(case)
