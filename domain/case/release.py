"""Release and after: the release order, the release itself, the report to the court and the
follow-up of the egress (E58–E61)."""

from __future__ import annotations

from datetime import date, datetime, timedelta


from domain.calendar import (
    BusinessCalendar,
    calendar_for,
    add_years,
    calendar_deadline,
    local_date,
    require_aware,
    within_office_hours,
)
from domain.case.core import CaseCore, CaseStatus, _require_judicial
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.values import (
    TECHNICAL_ROLES,
    Actor,
    DepartureReason,
    EgressContactKind,
    Modality,
    PersonalText,
    RecordedException,
    ReleaseBasis,
    Role,
    SourceDocument,
)


class ReleaseStage(CaseCore):
    """Release: the events of this stage beside the commands that trigger them."""

    def receive_release_order(
        self, *, protocol_number: str, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Receive the release order (*Mandado de Liberação*, E58; Reg. art. 107 I)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a release order")
        _require_judicial(court_order, "R-56", "the Mandado de Liberação or the decision of extinction")
        if self.release_order_received:
            refuse("D-02", "A release order is already on file; record the release.")
        self._record(
            self.ReleaseOrderReceived,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            protocol_number=protocol_number,
        )

    class ReleaseOrderReceived(CaseCore.Event):
        """*Recebimento do Mandado de Liberação* (E58; Reg. art. 107 I)."""

        protocol_number: str

        def apply(self, case: CaseCore) -> None:
            case.release_order_received = True
            super().apply(case)

    def release(
        self,
        *,
        unit: Unit | None,
        basis: ReleaseBasis,
        documents_delivered: bool,
        belongings_returned: bool,
        termo_de_desligamento_signed: bool,
        family_present: bool,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
        exception_justification: str | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> None:
        """Release the youth (*desligamento*, E59): on a court order, or by operation of law.

        A release by law (age 21, 3 years, 45 days of provisória) is never blocked: checklist
        gaps and hours are recorded as exceptions with alerts.
        """
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a release")
        basis = coerce_choice(ReleaseBasis, basis, "R-56", "Release basis")
        if self.status is CaseStatus.ATIVO:
            if unit is None:
                refuse("D-02", "Give the unit the youth leaves.")
            self._require_unit(unit)
        exceptions: list[RecordedException] = []
        if basis.is_ex_lege:
            self._check_ex_lege(basis, on)
        elif not self.release_order_received:
            # Reg. art. 105: release follows the court's order.
            refuse("R-56", "Receive the court's release order first, or give the legal basis of a release by law.")
        checklist = {
            "documents_delivered": documents_delivered,
            "belongings_returned": belongings_returned,
            "termo_de_desligamento_signed": termo_de_desligamento_signed,
        }
        missing = [name for name, done in checklist.items() if not done]
        if missing:
            # ECA 124 XVI; Reg. art. 51 X, 107 II.
            if not basis.is_ex_lege:
                refuse("R-58", "Complete the release checklist first: " + ", ".join(missing) + " (ECA 124 XVI; Reg. art. 107).")
            exceptions.append(
                RecordedException("R-58", exception_justification or "release by law with checklist pending: " + ", ".join(missing), True)
            )
        # Reg. art. 107 vs ECA 235: the 08–15 h Mon–Fri window never holds a youth back.
        # Business days where the unit is (its comarca's holidays; an evaded youth's release names no unit).
        calendar = calendar or calendar_for(unit.comarca if unit is not None else None)
        if not within_office_hours(occurred_at, calendar=calendar):
            exceptions.append(RecordedException("R-57", exception_justification or "release outside 08–15 h Mon–Fri", True))
        was_inside = self.status is CaseStatus.ATIVO
        self._record(
            self.Released,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            basis=basis,
            documents_delivered=documents_delivered,
            belongings_returned=belongings_returned,
            termo_de_desligamento_signed=termo_de_desligamento_signed,
            family_present=family_present,
            exceptions=tuple(exceptions),
        )
        if was_inside and unit is not None:
            unit.discharge_resident(
                case_id=self.id,
                reason=DepartureReason.DESLIGAMENTO,
                occurred_at=occurred_at,
                actor=actor,
                source_document=source_document,
            )

    def _check_ex_lege(self, basis: ReleaseBasis, on: date) -> None:
        """A release by law needs its legal condition to hold on the day; then nothing blocks it."""
        if basis is ReleaseBasis.EX_LEGE_21_ANOS and self.age_on(on) < 21:
            refuse("R-56", "The youth is not yet 21: release needs a court order (ECA 121 §5).")
        if basis is ReleaseBasis.EX_LEGE_3_ANOS and (
            self.measure_started_on is None or on < add_years(self.measure_started_on, 3)
        ):
            refuse("R-56", "Three years of the measure have not run: release needs a court order (ECA 121 §3).")
        if basis is ReleaseBasis.EX_LEGE_45_DIAS:
            start = self.apprehended_on or self.measure_started_on
            if self.modality is not Modality.PROVISORIA or start is None or on <= calendar_deadline(start, 45) - timedelta(days=1):
                refuse("R-56", "The 45 days of internação provisória have not run: release needs a court order (ECA 108).")

    class Released(CaseCore.Event):
        """*Desligamento*: the stay and the measure end (E59)."""

        basis: ReleaseBasis
        documents_delivered: bool
        belongings_returned: bool
        termo_de_desligamento_signed: bool
        family_present: bool
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            if case.status is CaseStatus.ATIVO:
                case._close_stay(self.occurred_at, DepartureReason.DESLIGAMENTO)
            case.status = CaseStatus.DESLIGADO
            case.released_at = self.occurred_at
            case.release_basis = self.basis
            case.unit_id = None
            case.away = None
            case.room = None
            super().apply(case)

    def report_reintegration(
        self, *, protocol_number: str, occurred_at: datetime, actor: Actor, source_document: SourceDocument | None = None
    ) -> None:
        """The gerente tells the court of the youth's reintegration (*ofício de reintegração*, E60; Reg. art. 107 IV)."""
        require_aware(occurred_at)
        if self.status is not CaseStatus.DESLIGADO:
            refuse("D-02", "Report the reintegration after the release is recorded.")
        if self.reintegration_reported:
            refuse("D-02", "The reintegration was already reported to the court.")
        if actor.role is not Role.GERENTE:
            refuse("R-58", "The gerente reports the reintegration to the court (Reg. art. 107 IV).")
        if not protocol_number.strip():
            refuse("R-58", "Give the protocol number of the ofício sent to the court.")
        self._record(
            self.ReintegrationReportedToCourt,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.stays[-1].unit_id if self.stays else "",
            source_document=source_document,
            protocol_number=protocol_number,
        )

    class ReintegrationReportedToCourt(CaseCore.Event):
        """*Ofício de comunicação da reintegração* sent by the gerente (E60; Reg. art. 107 IV)."""

        protocol_number: str

        def apply(self, case: CaseCore) -> None:
            case.reintegration_reported = True
            super().apply(case)

    def record_egress_follow_up(
        self,
        *,
        contact: EgressContactKind,
        referred_to_network: bool,
        occurred_at: datetime,
        actor: Actor,
        in_school: bool | None = None,
        in_course_or_work: bool | None = None,
        notes: str | None = None,
    ) -> None:
        """Record a follow-up of the youth after release (*acompanhamento do egresso*, E61; Reg. art. 70 II, 71)."""
        require_aware(occurred_at)
        if self.status is not CaseStatus.DESLIGADO:
            refuse("D-02", "Egress follow-up starts after the release is recorded.")
        if actor.role not in TECHNICAL_ROLES | {Role.GERENTE}:
            refuse("D-05", "The reference technical team follows up the egress (Reg. art. 70 II, 71).")
        contact = coerce_choice(EgressContactKind, contact, "D-04", "Contact kind")
        self._record(
            self.EgressFollowUpRecorded,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.stays[-1].unit_id if self.stays else "",
            contact=contact,
            in_school=in_school,
            in_course_or_work=in_course_or_work,
            referred_to_network=referred_to_network,
            notes=notes,
        )

    class EgressFollowUpRecorded(CaseCore.Event):
        """*Acompanhamento do egresso* after release (E61; Reg. art. 70 II, 71; CNMP67 Annex 3.10)."""

        contact: EgressContactKind
        in_school: bool | None
        in_course_or_work: bool | None
        referred_to_network: bool
        notes: PersonalText | None

        def apply(self, case: CaseCore) -> None:
            case.egress_follow_ups += 1
            super().apply(case)
