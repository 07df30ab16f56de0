"""Test data builders with overridable defaults (``an_intake(ledger, case, unit, occurred_at=...)``)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.calendar import CUIABA, nth_day
from domain.values import (
    DEFAULT_INTAKE_DOCUMENTS,
    AcolhimentoStep,
    Actor,
    DocumentKind,
    IntakeOrigin,
    Modality,
    PIASection,
    Relationship,
    PhotoIdKind,
    Role,
    Sex,
    SourceDocument,
    StaffMember,
    UnitType,
    VisitModality,
)
from application.ledger import CaseLedger

GERENTE = Actor("staff-ger-01", Role.GERENTE)
LIDER = Actor("staff-lid-01", Role.LIDER)
AGENTE = Actor("staff-age-01", Role.AGENTE)
ADMIN = Actor("staff-adm-01", Role.ADMINISTRATIVO)
PSICOLOGA = Actor("staff-psi-01", Role.PSICOLOGO)
ASSISTENTE_SOCIAL = Actor("staff-as-01", Role.ASSISTENTE_SOCIAL)
PEDAGOGA = Actor("staff-ped-01", Role.PEDAGOGO)

# Monday 2 March 2026, a business day in Cuiabá: day 1 of the measure in the default builders.
INTAKE_DAY = date(2026, 3, 2)

COMMISSION = (
    StaffMember("staff-ger-01", Role.GERENTE),
    StaffMember("staff-as-01", Role.ASSISTENTE_SOCIAL),
    StaffMember("staff-age-02", Role.AGENTE),
)

_numbers = itertools.count(1)


def at(day: date = INTAKE_DAY, hour: int = 10, minute: int = 0) -> datetime:
    """A Cuiabá wall-clock moment."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CUIABA)


def on_day(n: int, hour: int = 10, minute: int = 0, start: date = INTAKE_DAY) -> datetime:
    """A moment on day ``n`` of the measure (day 1 = intake day, Decision 11)."""
    return at(nth_day(start, n), hour, minute)


def a_court_order(kind: DocumentKind = DocumentKind.DECISAO_JUDICIAL, number: str = "DEC-1") -> SourceDocument:
    return SourceDocument(kind, number, process_number="1000001-00.2026.8.11.0041", issuer="2ª Vara da Infância de Cuiabá")


def a_portaria(number: str = "056/2015") -> SourceDocument:
    return SourceDocument(DocumentKind.PORTARIA, number, issuer="SEJUDH-MT")


def a_unit(ledger: CaseLedger, **overrides: Any) -> UUID:
    kwargs: dict[str, Any] = dict(
        unit_code=f"SL-{next(_numbers):03d}",
        name="Unidade de Semiliberdade Masculina de Cuiabá",
        unit_type=UnitType.SEMILIBERDADE,
        capacity=20,
        sex=Sex.MASCULINO,
        comarca="Cuiabá",
        occurred_at=at(date(2026, 1, 5)),
        actor=GERENTE,
        portaria=a_portaria(),
    )
    kwargs.update(overrides)
    return ledger.define_unit(**kwargs)


def an_internacao_unit(ledger: CaseLedger, **overrides: Any) -> UUID:
    kwargs: dict[str, Any] = dict(
        unit_code=f"INT-{next(_numbers):03d}", name="Centro Socioeducativo", unit_type=UnitType.INTERNACAO, capacity=40
    )
    kwargs.update(overrides)
    return a_unit(ledger, **kwargs)


def a_registration(ledger: CaseLedger, unit_id: UUID, **overrides: Any) -> UUID:
    kwargs: dict[str, Any] = dict(
        process_number=f"EXEC-{next(_numbers):07d}-2026",
        name="Adolescente Fictício",
        birth_date=date(2009, 6, 15),
        sex=Sex.MASCULINO,
        civil_document="RG 0000000 SSP/MT",
        filiation="Mãe Fictícia",
        family_address="Rua Fictícia, 1, Cuiabá",
        family_comarca="Cuiabá",
        occurred_at=at(INTAKE_DAY, 9),
        actor=ADMIN,
        unit_id=unit_id,
    )
    kwargs.update(overrides)
    return ledger.register_adolescent(**kwargs)


def an_intake(ledger: CaseLedger, case_id: UUID, unit_id: UUID, **overrides: Any) -> None:
    kwargs: dict[str, Any] = dict(
        case_id=case_id,
        unit_id=unit_id,
        modality=Modality.SEMILIBERDADE,
        origin=IntakeOrigin.UNIDADE_PROVISORIA,
        documents_presented=DEFAULT_INTAKE_DOCUMENTS,
        escort_name="Oficial de Justiça Fictício",
        escort_document="MAT 123",
        search_witnessed_by_escort=True,
        belongings_receipt_id="REC-1",
        body_exam_reference="IML-1",
        occurred_at=at(INTAKE_DAY, 10),
        actor=AGENTE,
        court_order=a_court_order(DocumentKind.GUIA_EXECUCAO),
    )
    kwargs.update(overrides)
    ledger.record_intake(**kwargs)


def an_admitted_youth(ledger: CaseLedger, unit_id: UUID, *, oriented: bool = True, **intake: Any) -> UUID:
    """A registered youth admitted to ``unit_id`` on ``INTAKE_DAY``, rules acknowledged."""
    case_id = a_registration(ledger, unit_id, **intake.pop("registration", {}))
    an_intake(ledger, case_id, unit_id, **intake)
    if oriented:
        ledger.acknowledge_orientation(
            case_id=case_id, document_version="Regimento 2015 v1", family_acknowledged=True, occurred_at=on_day(1, 11), actor=AGENTE
        )
    return case_id


def all_acolhimento_steps(ledger: CaseLedger, case_id: UUID, day: int = 2) -> None:
    for step in AcolhimentoStep:
        ledger.complete_acolhimento_step(case_id=case_id, step=step, occurred_at=on_day(day, 9), actor=ASSISTENTE_SOCIAL)


def a_pia(ledger: CaseLedger, case_id: UUID, **overrides: Any) -> None:
    kwargs: dict[str, Any] = dict(
        case_id=case_id,
        sections=tuple(PIASection),
        youth_participated=True,
        family_participated=True,
        protocol_number="PROT-PIA-1",
        occurred_at=on_day(40),
        actor=ASSISTENTE_SOCIAL,
    )
    kwargs.update(overrides)
    ledger.submit_pia(**kwargs)


def a_visitor(ledger: CaseLedger, case_id: UUID, **overrides: Any) -> UUID:
    kwargs: dict[str, Any] = dict(
        case_id=case_id,
        name="Mãe Fictícia",
        photo_id_kind=PhotoIdKind.CARTEIRA_IDENTIDADE,
        photo_id_number="RG 1111111",
        relationship=Relationship.MAE,
        relationship_proof="Certidão de nascimento do adolescente",
        is_minor=False,
        qualified_by_team=True,
        modalities=(VisitModality.COMUM, VisitModality.EXCEPCIONAL),
        occurred_at=on_day(2),
        actor=ADMIN,
    )
    kwargs.update(overrides)
    return ledger.register_visitor(**kwargs)


def a_sunday_after(day: int) -> date:
    d = nth_day(INTAKE_DAY, day)
    return d + timedelta(days=(6 - d.weekday()) % 7)


# The recording moment of the builders' ledger: after every date the tests use (they run in
# 2026 and record the annual report in January 2027), whatever the machine's clock says (D-15).
RECORDED_AT = datetime(2027, 6, 30, 12, 0, tzinfo=CUIABA)


def new_ledger(recorded_at: datetime = RECORDED_AT) -> CaseLedger:
    ledger = CaseLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ledger.clock = lambda: recorded_at
    return ledger


def event_count(ledger: CaseLedger) -> int:
    """How many events the store holds (the notification log's length)."""
    return ledger.recorder.max_notification_id() or 0


def events_named(ledger: CaseLedger, name: str) -> list[Any]:
    """Every stored event of type ``name``, in commit order."""
    return [
        ledger.mapper.to_domain_event(n)
        for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)
        if n.topic.rsplit(".", 1)[-1] == name
    ]


def last_event(ledger: CaseLedger, name: str) -> Any:
    found = events_named(ledger, name)
    assert found, f"no {name} event"
    return found[-1]
