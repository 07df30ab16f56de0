"""The occurrence book and the unit's safety record (*livro de ocorrências*, E55): the shift's entries
with the minimum content of CONANDA Res. 252 art. 59, the shift leader's handover that gives faith
to them (Reg. art. 21 XII, XXI), police reports (*boletim de ocorrência*) and rebellions.

CONANDA Res. 252 art. 58 asks every unit to keep daily occurrence records; art. 59 I–IX lists what
each record holds (as catalogued in docs/DOMAIN-DECISIONS.md E55): I the team on duty and its posts;
II the youths received and handed over (or the system's immediate location map); III the objective
occurrences and the measures taken; IV movements, with names and reasons; V administrative
occurrences; VI structural problems; VII unusual facts; VIII calls to the monitoring centre or the
Military Police; IX the signature — here, the authenticated principal who records the entry.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from domain.calendar import local_date, require_aware
from domain.rules import coerce_choice, refuse
from domain.unit.core import UnitCore
from domain.values import Actor, PersonalText, RecordedException, Role, SourceDocument

# CONANDA 252 art. 59: each item of the minimum content, by the field that carries it.
ART_59_ITEMS: dict[str, str] = {
    "team_on_duty": "I (team on duty and posts)",
    "youths_received_and_handed_over": "II (youths received and handed over, or the location map)",
    "occurrences_and_measures": "III (objective occurrences and measures taken)",
    "movements": "IV (movements, with names and reasons)",
    "administrative_occurrences": "V (administrative occurrences)",
    "structural_problems": "VI (structural problems)",
    "unusual_facts": "VII (unusual facts)",
    "monitoring_or_police_calls": "VIII (calls to monitoring or the Military Police)",
}

# Reg. art. 20 (the agentes keep the book) and 21 (the líder answers for it).
BOOK_WRITERS = frozenset({Role.AGENTE, Role.LIDER})
# Reg. art. 20 XIV (agente), 21 XVIII (líder), 14 XII (gerente) file or see to police reports.
POLICE_REPORTERS = frozenset({Role.AGENTE, Role.LIDER, Role.GERENTE})
# Reg. art. 21 XX: the líder stays for the detailed report; art. 14 XI: the gerente informs.
REBELLION_REPORTERS = frozenset({Role.LIDER, Role.GERENTE})


class PoliceReportReason(StrEnum):
    """Why a police report (*boletim de ocorrência*) was filed."""

    DANO_PELO_ADOLESCENTE = "dano_pelo_adolescente"  # Reg. art. 14 XII, 21 XVIII
    VIOLACAO_DE_DIREITOS = "violacao_de_direitos_do_adolescente"  # Reg. art. 14 XII, 51 XXVII
    INTERCORRENCIA_ENTRE_ADOLESCENTES = "intercorrencia_entre_adolescentes"  # Reg. art. 20 XIV
    ACHADO_NA_ENTRADA = "achado_na_revista_de_entrada"  # Reg. art. 33 par. único
    VISITANTE_COM_ILICITOS = "visitante_com_material_ilicito"  # Reg. art. 61
    EVASAO = "evasao"
    OUTRO = "outro"


class RebellionMotive(StrEnum):
    """What motivated a rebellion: the options of CNMP Res. 67 Annex I 2.4.5 / III 2.16.5."""

    INFRAESTRUTURA = "falta_de_infraestrutura"
    FALTA_DE_DIALOGO = "falta_de_dialogo_com_a_direcao"
    FACCOES_RIVAIS = "guerra_entre_faccoes"
    EXCESSOS_DE_PROFISSIONAIS = "excessos_de_profissionais"
    FUGA_EM_MASSA = "fuga_em_massa"
    SUPERLOTACAO = "superlotacao"
    OUTRO = "outro"


class OccurrencesStage(UnitCore):
    """The occurrence book, shift handovers, police reports and rebellions."""

    def log_occurrence(
        self,
        *,
        occurrence_id: UUID | None = None,
        shift_started_at: datetime,
        team_on_duty: str,
        occurrences_and_measures: str,
        movements: str,
        administrative_occurrences: str,
        structural_problems: str,
        unusual_facts: str,
        monitoring_or_police_calls: str,
        occurred_at: datetime,
        actor: Actor,
        youths_received_and_handed_over: str | None = None,
        location_map_attached: bool = False,
    ) -> UUID:
        """Write the shift's entry in the occurrence book (*registro no livro de ocorrências*, E55).

        Every item of CONANDA 252 art. 59 is stated, "nada a registrar" where nothing happened;
        item II may be replaced by the system's location map (``location_map_attached``).
        """
        occurrence_id = uuid4() if occurrence_id is None else occurrence_id
        require_aware(shift_started_at)
        require_aware(occurred_at)
        if actor.role not in BOOK_WRITERS:
            refuse("D-05", "The agentes and the líder de equipe on duty write the occurrence book (Reg. arts. 20, 21 XII).")
        given = {
            "team_on_duty": team_on_duty,
            "youths_received_and_handed_over": "map" if location_map_attached else youths_received_and_handed_over,
            "occurrences_and_measures": occurrences_and_measures,
            "movements": movements,
            "administrative_occurrences": administrative_occurrences,
            "structural_problems": structural_problems,
            "unusual_facts": unusual_facts,
            "monitoring_or_police_calls": monitoring_or_police_calls,
        }
        missing = [ART_59_ITEMS[name] for name, text in given.items() if not (text or "").strip()]
        if missing:
            refuse("R-59", "The occurrence record lacks the minimum content of CONANDA Res. 252 art. 59: items "
                           + "; ".join(missing) + ". Write each item, 'nada a registrar' where nothing happened.")
        if occurred_at < shift_started_at:
            refuse("R-59", "An occurrence record is written during or after its shift, not before it starts.")
        if shift_started_at in getattr(self, "closed_shifts", ()):
            refuse("D-02", f"The shift that started at {shift_started_at.isoformat()} was handed over and its book "
                           "validated by the líder (Reg. art. 21 XII); write in the current shift's book, or correct "
                           "the entry (E67).")
        if occurrence_id in getattr(self, "occurrence_book", {}):
            refuse("D-02", "This occurrence record is already in the book.")
        self._record(
            self.OccurrenceLogged,
            occurred_at=occurred_at,
            actor=actor,
            occurrence_id=occurrence_id,
            shift_started_at=shift_started_at,
            team_on_duty=team_on_duty,
            youths_received_and_handed_over=youths_received_and_handed_over,
            location_map_attached=location_map_attached,
            occurrences_and_measures=occurrences_and_measures,
            movements=movements,
            administrative_occurrences=administrative_occurrences,
            structural_problems=structural_problems,
            unusual_facts=unusual_facts,
            monitoring_or_police_calls=monitoring_or_police_calls,
        )
        return occurrence_id

    class OccurrenceLogged(UnitCore.Event):
        """*Registro no livro de ocorrências* with the minimum content of CONANDA 252 art. 59 (E55)."""

        occurrence_id: Annotated[UUID, "Id of the occurrence record in the unit's book."]
        shift_started_at: Annotated[datetime, "Start of the shift (plantão) the record belongs to; names the shift."]
        team_on_duty: Annotated[PersonalText, "CONANDA 252 art. 59 I: the team on duty and its posts."]
        youths_received_and_handed_over: Annotated[PersonalText | None, "Art. 59 II: the youths received and handed over; null when the location map replaces it."]
        location_map_attached: Annotated[bool, "Art. 59 II is given by the system's location map (Quadro de Localização, Reg. art. 21 XIX)."]
        occurrences_and_measures: Annotated[PersonalText, "Art. 59 III: objective occurrences and the measures taken."]
        movements: Annotated[PersonalText, "Art. 59 IV: movements of youths, with names and reasons."]
        administrative_occurrences: Annotated[PersonalText, "Art. 59 V: administrative occurrences."]
        structural_problems: Annotated[PersonalText, "Art. 59 VI: structural problems of the building."]
        unusual_facts: Annotated[PersonalText, "Art. 59 VII: unusual facts."]
        monitoring_or_police_calls: Annotated[PersonalText, "Art. 59 VIII: calls to the monitoring centre or the Military Police."]

        def apply(self, unit: UnitCore) -> None:
            # Created on first use: units recorded before the book existed have none.
            book = getattr(unit, "occurrence_book", None)
            if book is None:
                book = unit.occurrence_book = {}
            book[self.occurrence_id] = self.shift_started_at
            super().apply(unit)

    def hand_over_shift(
        self,
        *,
        shift_started_at: datetime,
        incoming_leader: str,
        pending_matters: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> tuple[UUID, ...]:
        """The líder closes the shift (*passagem de plantão*, E55): gives faith to the shift's occurrence
        records (Reg. art. 21 XII) and tells the incoming team what is pending (Reg. art. 21 XXI).

        Returns the ids of the records validated.
        """
        require_aware(shift_started_at)
        require_aware(occurred_at)
        # Reg. art. 21 XII: the líder de equipe validates the book "dando fé do mesmo ao final do plantão".
        if actor.role is not Role.LIDER:
            refuse("R-59", "The líder de equipe of the shift validates its occurrence records at the handover "
                           "(Reg. art. 21 XII; CONANDA 252 art. 58).")
        if shift_started_at in getattr(self, "closed_shifts", ()):
            refuse("D-02", "This shift was already handed over.")
        if not incoming_leader.strip():
            refuse("R-59", "Name the líder de equipe who receives the shift (Reg. art. 21 XXI).")
        if not pending_matters.strip():
            refuse("R-59", "Tell the incoming team what is pending, 'nada pendente' if nothing (Reg. art. 21 XXI).")
        entries = tuple(sorted((oid for oid, shift in getattr(self, "occurrence_book", {}).items()
                                if shift == shift_started_at), key=str))
        if not entries:
            refuse("R-59", "The shift has no occurrence record to validate: write its entry with the content of "
                           "CONANDA 252 art. 59 first (daily records, art. 58; Reg. art. 21 XII).")
        if occurred_at < shift_started_at:
            refuse("R-59", "A shift is handed over after it starts.")
        self._record(
            self.ShiftHandedOver,
            occurred_at=occurred_at,
            actor=actor,
            shift_started_at=shift_started_at,
            validated_occurrence_ids=entries,
            incoming_leader=incoming_leader,
            pending_matters=pending_matters,
        )
        return entries

    class ShiftHandedOver(UnitCore.Event):
        """*Passagem de plantão*: the líder gives faith to the shift's records and hands over (E55; Reg. art. 21 XII, XXI)."""

        shift_started_at: Annotated[datetime, "Start of the shift handed over."]
        validated_occurrence_ids: Annotated[tuple[UUID, ...], "The shift's occurrence records the líder gives faith to (Reg. art. 21 XII)."]
        incoming_leader: Annotated[str, "Opaque staff id of the líder who receives the shift."]
        pending_matters: Annotated[PersonalText, "What the incoming team is told is pending (Reg. art. 21 XXI)."]

        def apply(self, unit: UnitCore) -> None:
            unit.closed_shifts = getattr(unit, "closed_shifts", frozenset()) | {self.shift_started_at}
            super().apply(unit)

    def file_police_report(
        self,
        *,
        report_id: UUID | None = None,
        police_station: str,
        report_number: str,
        reason: PoliceReportReason,
        summary: str,
        occurred_at: datetime,
        actor: Actor,
        involved_case_ids: tuple[UUID, ...] = (),
        source_document: SourceDocument | None = None,
    ) -> UUID:
        """Record a police report filed at a police station (*boletim de ocorrência*, E55).

        Reg. art. 14 XII and 21 XVIII: damage done by a youth goes to the Delegacia Especializada do
        Adolescente, a violation of a youth's rights to the Delegacia de Direitos da Criança e do
        Adolescente, whatever the youth's wish; Reg. art. 20 XIV: the agente reports what happens
        between youths.
        """
        report_id = uuid4() if report_id is None else report_id
        require_aware(occurred_at)
        if actor.role not in POLICE_REPORTERS:
            refuse("D-05", "The agente, the líder or the gerente records a police report (Reg. art. 14 XII, 20 XIV, 21 XVIII).")
        reason = coerce_choice(PoliceReportReason, reason, "R-51", "Reason")
        if not police_station.strip() or not report_number.strip():
            refuse("R-51", "Give the police station and the number of the boletim de ocorrência "
                           "(Reg. art. 14 XII, 21 XVIII).")
        if not summary.strip():
            refuse("R-51", "Summarise what was reported (Reg. art. 21 XVIII).")
        if len(set(involved_case_ids)) != len(involved_case_ids):
            refuse("D-02", "A youth is listed twice; list each youth involved once.")
        if report_id in getattr(self, "police_reports", {}):
            refuse("D-02", "This police report is already recorded.")
        self._record(
            self.PoliceReportFiled,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            report_id=report_id,
            police_station=police_station,
            report_number=report_number,
            reason=reason,
            summary=summary,
            involved_case_ids=tuple(involved_case_ids),
        )
        return report_id

    class PoliceReportFiled(UnitCore.Event):
        """*Boletim de ocorrência* filed at a police station (E55; Reg. art. 14 XII, 20 XIV, 21 XVIII)."""

        report_id: Annotated[UUID, "Id of the police report record."]
        police_station: Annotated[str, "The police station (delegacia, CISC) where the report was filed."]
        report_number: Annotated[PersonalText, "Number of the boletim de ocorrência."]
        reason: Annotated[PoliceReportReason, "Why it was filed (Reg. art. 14 XII, 20 XIV, 21 XVIII, 33, 61)."]
        summary: Annotated[PersonalText, "What was reported."]
        involved_case_ids: Annotated[tuple[UUID, ...], "Case ids of the youths concerned; empty when none (e.g. a visitor)."]

        def apply(self, unit: UnitCore) -> None:
            reports = getattr(unit, "police_reports", None)
            if reports is None:
                reports = unit.police_reports = {}
            reports[self.report_id] = self.reason
            super().apply(unit)

    def record_rebellion(
        self,
        *,
        rebellion_id: UUID | None = None,
        started_at: datetime,
        ended_at: datetime,
        youths_involved: int,
        bodily_injuries: bool,
        deaths: int,
        harm_by_staff_or_police: bool,
        motives: tuple[RebellionMotive, ...],
        detailed_report: str,
        court_informed: bool,
        superintendencia_informed: bool,
        occurred_at: datetime,
        actor: Actor,
        other_motive: str | None = None,
        exception_justification: str | None = None,
    ) -> UUID:
        """Record a rebellion (*rebelião*, E55) with what CNMP Res. 67 asks of it (Annex I 2.4–2.4.5).

        Reg. art. 21 XX: the líder stays for the detailed report; art. 14 XI: the court and the
        Superintendência are informed — when they are not yet, the fact is recorded with an R-53 alert.
        """
        rebellion_id = uuid4() if rebellion_id is None else rebellion_id
        require_aware(started_at)
        require_aware(ended_at)
        require_aware(occurred_at)
        if actor.role not in REBELLION_REPORTERS:
            refuse("R-53", "The líder de equipe (detailed report, Reg. art. 21 XX) or the gerente (Reg. art. 14 XI) "
                           "records a rebellion.")
        motives = tuple(coerce_choice(RebellionMotive, m, "R-53", "Motive") for m in motives)
        if not detailed_report.strip():
            refuse("R-53", "Attach the líder's detailed report of the rebellion (Reg. art. 21 XX).")
        if ended_at < started_at:
            refuse("R-53", "The rebellion ends after it starts; check the times.")
        if youths_involved < 1 or deaths < 0:
            refuse("R-53", "Give how many youths took part (at least one) and how many died (zero or more).")
        if not motives:
            refuse("R-53", "Give the motive(s), as the CNMP form asks (Res. 67 Annex I 2.4.5); 'outro' with its text.")
        if RebellionMotive.OUTRO in motives and not (other_motive or "").strip():
            refuse("R-53", "Say what the other motive was (CNMP Res. 67 Annex I 2.4.5 'Outros. Especificar').")
        if rebellion_id in getattr(self, "rebellions", {}):
            refuse("D-02", "This rebellion is already recorded.")
        exceptions = []
        uninformed = [who for who, done in (("court", court_informed), ("Superintendência", superintendencia_informed))
                      if not done]
        if uninformed:
            exceptions.append(RecordedException(
                "R-53", exception_justification or "not yet informed: " + ", ".join(uninformed), True))
        self._record(
            self.RebellionRecorded,
            occurred_at=occurred_at,
            actor=actor,
            rebellion_id=rebellion_id,
            started_at=started_at,
            ended_at=ended_at,
            youths_involved=youths_involved,
            bodily_injuries=bodily_injuries,
            deaths=deaths,
            harm_by_staff_or_police=harm_by_staff_or_police,
            motives=motives,
            other_motive=other_motive,
            detailed_report=detailed_report,
            court_informed=court_informed,
            superintendencia_informed=superintendencia_informed,
            exceptions=tuple(exceptions),
        )
        return rebellion_id

    class RebellionRecorded(UnitCore.Event):
        """*Rebelião*: how many took part, injuries, deaths, who caused them, motives (E55; CNMP67 Annex I 2.4)."""

        rebellion_id: Annotated[UUID, "Id of the rebellion record."]
        started_at: Annotated[datetime, "When the rebellion started."]
        ended_at: Annotated[datetime, "When order was restored."]
        youths_involved: Annotated[int, "How many youths took part (CNMP67 Annex I 2.4.1)."]
        bodily_injuries: Annotated[bool, "Whether anyone suffered bodily injury (Annex I 2.4.2)."]
        deaths: Annotated[int, "How many died (Annex I 2.4.3, 2.4.3.1)."]
        harm_by_staff_or_police: Annotated[bool, "Whether injuries or deaths were caused by agentes or police (Annex I 2.4.4)."]
        motives: Annotated[tuple[RebellionMotive, ...], "What motivated it: the options of Annex I 2.4.5."]
        other_motive: Annotated[PersonalText | None, "The other motive, when 'outro' is given."]
        detailed_report: Annotated[PersonalText, "The líder's detailed report (Reg. art. 21 XX)."]
        court_informed: Annotated[bool, "The court was informed (Reg. art. 14 XI; R-53)."]
        superintendencia_informed: Annotated[bool, "The Superintendência was informed (Reg. art. 14 XI; R-53)."]
        exceptions: tuple[RecordedException, ...]

        def apply(self, unit: UnitCore) -> None:
            rebellions = getattr(unit, "rebellions", None)
            if rebellions is None:
                rebellions = unit.rebellions = {}
            rebellions[self.rebellion_id] = local_date(self.started_at)
            super().apply(unit)

    # --- queries ---------------------------------------------------------------------

    def unvalidated_occurrences(self) -> tuple[UUID, ...]:
        """Occurrence records of shifts not yet handed over by their líder (R-59 alert: a shift not closed)."""
        closed = getattr(self, "closed_shifts", ())
        return tuple(oid for oid, shift in getattr(self, "occurrence_book", {}).items() if shift not in closed)

    def rebellions_between(self, start: date, end: date) -> int:
        """Rebellions that started between ``start`` and ``end`` (CNMP67 art. 2-A §1 I, R-64)."""
        return sum(1 for day in getattr(self, "rebellions", {}).values() if start <= day <= end)
