"""docs/RULES.md proven by refusals: one violating command per rule the rule book lists as refusing.

Each row of ``VIOLATIONS`` is a rule code, a minimal story, and a command that breaks the rule. The
command is given as JSON and recorded the way `caseledger record` records it (``apply_command``:
input binding, then ``execute``, on an in-memory ledger), so a rule that the input layer refuses as
INPUT, or the domain under another code, fails here. The build fails when:

- a code docs/RULES.md lists as refusing (``domain.catalogue.rule_uses``) has no row;
- a row's command is refused under any other code, or not refused, or writes anything;
- a row names a code the rule book does not list as refusing.

A rule that no command can reach, because an earlier rule refuses first (defence in depth), says
so in its row: ``first`` names the rule that refuses, and the test checks that one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable
from uuid import uuid4

import pytest

from application.commands import COMMANDS
from application.idempotency import _plain
from domain.calendar import nth_day
from domain.catalogue import rule_uses
from domain.values import (
    DocumentKind,
    IntakeDocument,
    IntakeOrigin,
    JudicialOrderKind,
    LeaveKind,
    MeasureDecision,
    Modality,
    PhoneCallReason,
    ReportConclusion,
    Role,
    RoomChangeReason,
    Sex,
    StaffMember,
    UnitType,
    VisitModality,
)
from infra.command_input import RawCommand
from infra.recording import apply_command
from tests.unit.domain import test_discipline_rules as discipline
from tests.unit.domain import test_execution_rules as execution
from tests.unit.domain import test_occurrence_book_and_death as book
from tests.unit.domain import test_inspection_filing as filing
from tests.unit.domain import test_pia_stages_contacts_oversight as oversight
from tests.unit.domain import test_schooling_rules as schooling
from tests.unit.domain import test_visits_release_corrections as visits
from tests.unit.domain.builders import (
    ADMIN,
    AGENTE,
    GERENTE,
    INTAKE_DAY,
    LIDER,
    RECORDED_AT,
    a_court_order,
    a_pia,
    a_registration,
    a_sunday_after,
    a_unit,
    a_visitor,
    an_admitted_youth,
    an_intake,
    at,
    event_count,
    on_day,
)

COMMISSION = discipline.COMMISSION


@dataclass
class Violation:
    """A minimal story (``story(ledger, unit) -> context``) and the violating command (``act``), which
    calls the ledger's command methods; the last command it calls is the one recorded as JSON."""

    story: Callable[[Any, Any], dict]
    act: Callable[[Any, dict], Any]
    omit: tuple[str, ...] = ()  # arguments left out of the JSON (a document not given at all)
    first: str | None = None  # the rule that refuses first when this one cannot be reached
    why: str = ""


def nothing(ledger, unit) -> dict:
    return {"unit": unit}


def admitted(ledger, unit, **intake) -> dict:
    return {"unit": unit, "case": an_admitted_youth(ledger, unit, **intake)}


def registered(ledger, unit, **registration) -> dict:
    return {"unit": unit, "case": a_registration(ledger, unit, **registration)}


def with_visitor(ledger, unit) -> dict:
    c = admitted(ledger, unit)
    return c | {"visitor": a_visitor(ledger, c["case"])}


def charged(ledger, unit) -> dict:
    case, procedure = discipline._charged(ledger, unit)
    return {"unit": unit, "case": case, "procedure": procedure}


def heard(ledger, unit) -> dict:
    c = charged(ledger, unit)
    discipline._hearing(ledger, c["case"], c["procedure"])
    return c


def with_pia(ledger, unit) -> dict:
    c = admitted(ledger, unit)
    a_pia(ledger, c["case"])
    return c


def decision(**overrides):
    return lambda L, c: discipline._decision(L, c["case"], c["procedure"], **overrides)


VIOLATIONS: dict[str, Violation] = {
    "D-01": Violation(registered, lambda L, c: an_intake(L, c["case"], c["unit"], occurred_at=datetime(2026, 3, 2, 10))),
    "D-02": Violation(nothing, lambda L, c: L.submit_monthly_report(
        unit_id=c["unit"], year=2026, month=3, protocol_number="REL-03", occurred_at=at(date(2026, 3, 20)), actor=GERENTE)),
    "D-03": Violation(lambda L, u: registered(L, u, sex=Sex.FEMININO), lambda L, c: an_intake(L, c["case"], c["unit"])),
    "D-04": Violation(admitted, lambda L, c: oversight._update_pia(L, c["case"])),
    "D-05": Violation(nothing, lambda L, c: oversight._inspection(L, c["unit"], actor=AGENTE)),
    "D-06": Violation(admitted, lambda L, c: L.record_measure_decision(
        case_id=c["case"], decision=MeasureDecision.MANUTENCAO, effective_on=INTAKE_DAY, raw_text="x",
        occurred_at=on_day(60), actor=ADMIN, court_document=None), omit=("court_document",)),
    "D-07": Violation(
        lambda L, u: admitted(L, u) | {"_": L.receive_judicial_order(
            case_id=L.last_case, kind=JudicialOrderKind.PROIBICAO_ATIVIDADES_EXTERNAS, protocol_number="P-1",
            occurred_at=on_day(10), actor=ADMIN, court_document=a_court_order())},
        lambda L, c: execution._exit(L, c["case"], day=20)),
    "D-09": Violation(with_pia, lambda L, c: oversight._update_pia(L, c["case"], increases_restriction=True)),
    "D-10": Violation(admitted, lambda L, c: oversight._case_study(
        L, c["case"], participants=(oversight.TEAM[0], StaffMember("staff-age-01", Role.AGENTE)))),
    "D-11": Violation(admitted, lambda L, c: oversight._search(L, c["case"], invasive=True)),
    "D-12": Violation(admitted, lambda L, c: L.record_police_apprehension(
        case_id=c["case"], officer_name="Policial Fictício", officer_document=" ", reason="Ato novo",
        form_reference="FORM-AP-1", occurred_at=on_day(30), actor=LIDER)),
    "D-13": Violation(nothing, lambda L, c: a_registration(L, c["unit"], birth_date=date(2030, 1, 1))),
    "D-14": Violation(nothing, lambda L, c: a_unit(L, name=" ")),
    "D-15": Violation(nothing, lambda L, c: a_unit(L, occurred_at=RECORDED_AT + timedelta(days=3))),
    "D-16": Violation(nothing, lambda L, c: a_unit(L, min_age=15, max_age=13)),
    "D-17": Violation(nothing, lambda L, c: (
        a_unit(L, unit_code="SL-ONCE") if L.once("c-1") else a_unit(L, unit_code="SL-OTHER"))),
    "D-30": Violation(lambda L, u: admitted(L, u) | {"activity": schooling._enrol(L, L.last_case)},
                      lambda L, c: schooling._attendance(L, c["case"], c["activity"], days_present=16)),
    "D-31": Violation(admitted, lambda L, c: schooling._enrol(L, c["case"], institution=" ")),
    "D-18": Violation(admitted, lambda L, c: L.acknowledge_alert(
        case_id=c["case"], alert="K-ACOLH3", reason="Visto", occurred_at=on_day(8), actor=AGENTE)),
    # An active case: its personal data are kept while the measure runs (LGPD art. 16 I).
    "D-19": Violation(admitted, lambda L, c: L.erase_personal_data(
        case_id=c["case"], basis="LGPD art. 16", decision_protocol="SEJUS-1", occurred_at=on_day(30), actor=GERENTE)),
    "R-01": Violation(lambda L, u: admitted(L, u) | {"destination": a_unit(L)},
                      lambda L, c: execution._transfer(L, c["case"], c["destination"], court_order=None),
                      omit=("court_order",)),
    "R-02": Violation(registered, lambda L, c: an_intake(L, c["case"], c["unit"], documents_presented=tuple(
        d for d in IntakeDocument if d is not IntakeDocument.EXAME_CORPO_DE_DELITO))),
    "R-03": Violation(registered, lambda L, c: L.refuse_intake(
        case_id=c["case"], unit_id=c["unit"], reasons=("documento_faltante",), destination="retornou_com_escolta",
        presenting_officer="Policial Fictício", court_notified=True, occurred_at=at(INTAKE_DAY, 10), actor=ADMIN)),
    "R-04": Violation(nothing, lambda L, c: a_unit(L, capacity=21)),
    "R-07": Violation(lambda L, u: admitted(L, u) | {"other": a_unit(L)},
                      lambda L, c: an_intake(L, c["case"], c["other"])),
    "R-08": Violation(nothing, lambda L, c: a_registration(L, c["unit"], birth_date=date(2005, 3, 2))),
    "R-09": Violation(nothing, lambda L, c: a_registration(L, c["unit"], birth_date=date(2010, 1, 1),
                                                           offence_date=date(2021, 12, 31))),
    "R-12": Violation(lambda L, u: admitted(L, u) | {"_": L.complete_acolhimento_step(
        case_id=L.last_case, step="prpif", occurred_at=on_day(1, 12), actor=AGENTE)},
        lambda L, c: L.complete_acolhimento(case_id=c["case"], occurred_at=on_day(2), actor=GERENTE)),
    "R-13": Violation(admitted, lambda L, c: execution._exit(L, c["case"], day=3, authorised_by=AGENTE)),
    "R-14": Violation(admitted, lambda L, c: execution._exit(L, c["case"], day=20, search_done=False)),
    "R-15": Violation(admitted, lambda L, c: L.report_intake_finding(
        case_id=c["case"], unit_id=c["unit"], findings=(), description="Nada encontrado", referred_to_police_station=True, escort_present=True,
        occurred_at=on_day(1, 11), actor=AGENTE)),
    "R-16": Violation(registered, lambda L, c: an_intake(L, c["case"], c["unit"], belongings_receipt_id=" ")),
    "R-17": Violation(
        lambda L, u: admitted(L, u, oriented=False) | {"incident": discipline._incident(L, u, L.last_case)},
        lambda L, c: discipline._procedure(L, c["case"], c["incident"])),
    "R-19": Violation(lambda L, u: admitted(L, u) | {"girl": a_registration(L, u, sex=Sex.FEMININO)},
                      lambda L, c: an_intake(L, c["girl"], c["unit"]), first="D-03",
                      why="a girl never enters a boys' unit (D-03), so no command puts her in a boy's room; "
                          "assign_room checks R-19 still, against a mistaken placement"),
    "R-21": Violation(admitted, lambda L, c: L.assign_room(
        case_id=c["case"], room="B2", reason=RoomChangeReason.EMERGENCIA, occurred_at=on_day(3, 23), actor=LIDER)),
    "R-23": Violation(admitted, lambda L, c: a_pia(L, c["case"], youth_participated=False)),
    "R-24": Violation(
        lambda L, u: admitted(L, a_unit(L, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40),
                              modality=Modality.PROVISORIA),
        lambda L, c: a_pia(L, c["case"])),
    "R-26": Violation(admitted, lambda L, c: execution._report(L, c["case"], conclusion=None), omit=("conclusion",)),
    "R-27": Violation(admitted, lambda L, c: L.request_reassessment(
        case_id=c["case"], requester="vizinho", ground="bom_desempenho", occurred_at=on_day(30), actor=ADMIN)),
    "R-28": Violation(lambda L, u: admitted(L, u) | {"_": execution._report(
        L, L.last_case, occurred_at=on_day(80), conclusion=ReportConclusion.REGRESSAO)},
        lambda L, c: execution._regression(L, c["case"])),
    "R-29": Violation(admitted, lambda L, c: L.record_measure_decision(
        case_id=c["case"], decision=MeasureDecision.UNIFICACAO, effective_on=nth_day(INTAKE_DAY, 60),
        raw_text="Unifica", occurred_at=on_day(60), actor=ADMIN, court_document=a_court_order(),
        restarts_measure_on=nth_day(INTAKE_DAY, 60))),
    "R-31": Violation(admitted, lambda L, c: execution._leave(L, c["case"], 74, kind=LeaveKind.PERNOITE)),
    "R-32": Violation(admitted, lambda L, c: execution._leave(L, c["case"], 50, actor=AGENTE)),
    "R-33": Violation(admitted, lambda L, c: L.suspend_visits_by_court(
        case_id=c["case"], starts_on=INTAKE_DAY, occurred_at=on_day(5), actor=GERENTE, court_order=None),
        omit=("court_order",)),
    "R-34": Violation(with_visitor, lambda L, c: L.suspend_visitor(
        unit_id=c["unit"], visitor_id=c["visitor"], until=nth_day(INTAKE_DAY, 60), items_found="celular",
        police_called=False, occurred_at=on_day(5), actor=AGENTE)),
    "R-35": Violation(admitted, lambda L, c: visits._common_visit(L, c["case"], [uuid4()])),
    "R-36": Violation(admitted, lambda L, c: a_visitor(L, c["case"], is_minor=True)),
    "R-37": Violation(admitted, lambda L, c: a_visitor(L, c["case"], qualified_by_team=False,
                                                       modalities=(VisitModality.EXCEPCIONAL,))),
    "R-38": Violation(with_visitor, lambda L, c: visits._common_visit(
        L, c["case"], [c["visitor"]], started_at=at(a_sunday_after(10), 10), ended_at=at(a_sunday_after(10), 12))),
    "R-39": Violation(admitted, lambda L, c: L.hold_phone_call(
        case_id=c["case"], reason=PhoneCallReason.SEM_VISITA_15_DIAS, duration_minutes=10, occurred_at=on_day(15),
        actor=AGENTE)),
    "R-40": Violation(heard, decision(sanction="incomunicabilidade", duration_days=2)),
    "R-42": Violation(admitted, lambda L, c: discipline._decision(L, c["case"], uuid4())),
    "R-43": Violation(charged, decision()),
    "R-44": Violation(lambda L, u: admitted(L, u) | {"incident": discipline._incident(L, u, L.last_case)},
                      lambda L, c: discipline._procedure(L, c["case"], c["incident"], commission=COMMISSION[:2])),
    "R-45": Violation(heard, decision(duration_days=None)),
    "R-46": Violation(heard, decision(exclusion_grounds_examined=False)),
    "R-47": Violation(lambda L, u: admitted(L, u) | {"incident": (i := discipline._incident(L, u, L.last_case)),
                                                      "_": discipline._procedure(L, L.last_case, i)},
                      lambda L, c: discipline._procedure(L, c["case"], c["incident"])),
    "R-48": Violation(admitted, lambda L, c: discipline._isolate(L, c["case"], justification="  ")),
    "R-49": Violation(heard, decision(appeal_information_given=False)),
    "R-50": Violation(lambda L, u: admitted(L, u) | {"incentive": discipline._incentive(L, L.last_case)},
                      lambda L, c: L.suspend_incentive(case_id=c["case"], incentive_id=c["incentive"],
                                                       motive="ma_conduta", occurred_at=on_day(26), actor=GERENTE)),
    "R-51": Violation(nothing, lambda L, c: book._police_report(L, c["unit"], report_number=" ")),
    "R-52": Violation(admitted, lambda L, c: L.record_use_of_force(
        case_id=c["case"], technique="contencao_quimica_medicamentosa", staff=COMMISSION[2:], injuries=False,
        justification="agitação", occurred_at=on_day(20, 12), actor=LIDER)),
    "R-53": Violation(admitted, lambda L, c: L.record_evasion(
        case_id=c["case"], kind="de_dentro_da_unidade", court_notified=True, superintendencia_notified=True,
        occurred_at=on_day(30, 3), actor=AGENTE)),
    "R-54": Violation(lambda L, u: admitted(L, u) | {"destination": a_unit(L)},
                      lambda L, c: execution._transfer(L, c["case"], c["destination"], pia_and_history_sent=False)),
    "R-56": Violation(admitted, lambda L, c: visits._release(L, c["case"])),
    "R-58": Violation(lambda L, u: admitted(L, u) | {"_": visits._order(L, L.last_case)},
                      lambda L, c: visits._release(L, c["case"], documents_delivered=False)),
    "R-59": Violation(nothing, lambda L, c: book._log(L, c["unit"], movements=" ")),
    "R-60": Violation(nothing, lambda L, c: oversight._access(L, c["unit"], document="")),
    "R-68": Violation(admitted, lambda L, c: book._death(L, c["case"], actor=LIDER)),
    "R-63": Violation(nothing, lambda L, c: filing._file(
        L, c["unit"], [filing.InspectorAnswer("II 9.99", ("Sim",))]), why="an answer to an item the forms do not have"),
    "R-66": Violation(admitted, lambda L, c: L.void_case_entry(
        case_id=c["case"], target_version=2, reason="erro", authorised_by=GERENTE, occurred_at=on_day(5), actor=ADMIN,
        source_document=a_court_order())),
    # Health (E48–E52).
    "R-71": Violation(admitted, lambda L, c: L.refer_to_health_network(
        case_id=c["case"], destination="capsi", reason="acompanhamento", occurred_at=on_day(10), actor=AGENTE)),
    "R-72": Violation(admitted, lambda L, c: L.start_hospitalisation(
        case_id=c["case"], hospital="Hospital Municipal", companion="familia", family_notified=False,
        occurred_at=on_day(12), actor=AGENTE)),
    "R-73": Violation(admitted, lambda L, c: L.flag_severe_mental_disorder(
        case_id=c["case"], medical_report_reference="LAUDO-1", in_health_facility=False, occurred_at=on_day(20),
        actor=GERENTE)),
    "R-74": Violation(admitted, lambda L, c: L.report_notifiable_disease(
        case_id=c["case"], disease="tuberculose", reported_to="vigilancia_municipal", notification_number=" ",
        occurred_at=on_day(18), actor=GERENTE)),
}

# Refusals of reads, not of commands (application.read_policy): the violating read, not a command.
READS: dict[str, Callable[[Any, dict], Any]] = {
    "R-61": lambda L, c: __import__("application.read_policy", fromlist=["x"]).authorise_case_read(
        __import__("application.principals", fromlist=["x"]).Principal("p-cedca", "CEDCA", "conselho_de_direitos",
                                                                        state=True),
        str(c["case"]), [(str(c["unit"]), "Cuiabá")]),
}


def refusing_codes() -> set[str]:
    """The codes docs/RULES.md lists as refusing somewhere (``Enforced in … (refuses)``)."""
    return {code for code, uses in rule_uses().items() if any(u.kind == "refuses" for u in uses)}


class Story:
    """The in-memory ledger `record` would use, with what the table's stories need to refer back to."""

    def __init__(self) -> None:
        from infra.bootstrap import recording_ledger
        from infra.settings import Settings

        self.ledger = recording_ledger(Settings(), env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.ledger.clock = lambda: RECORDED_AT
        self.ids: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger, name)

    @property
    def last_case(self):
        return self._last_case

    def register_adolescent(self, **kwargs):
        self._last_case = self.ledger.register_adolescent(**kwargs)
        return self._last_case

    def once(self, command_id: str) -> bool:
        """Whether ``command_id`` is new (D-17's row records a command under it, then other content)."""
        new = command_id not in self.ids
        self.ids.add(command_id)
        return new


class Capture:
    """The ledger as the violating command sees it: the command is captured, not run."""

    def __init__(self, story: Story) -> None:
        self.story, self.captured = story, None

    def __getattr__(self, name: str) -> Any:
        if name in COMMANDS:
            return lambda **kwargs: setattr(self, "captured", (name, kwargs))
        return getattr(self.story, name)


def as_json(name: str, arguments: dict, omit: tuple[str, ...]) -> dict:
    return {"command": name, **{k: _plain(v) for k, v in arguments.items() if k not in omit}}


def test_every_code_the_rule_book_lists_as_refusing_has_a_violating_command():
    listed, table = refusing_codes(), set(VIOLATIONS) | set(READS)
    assert sorted(listed - table) == [], "codes docs/RULES.md lists as refusing, with no violating command here"
    assert sorted(table - listed) == [], "rows for codes docs/RULES.md does not list as refusing"


@pytest.mark.parametrize("code", sorted(VIOLATIONS))
def test_the_violating_command_is_refused_under_its_rule_and_writes_nothing(code):
    row = VIOLATIONS[code]
    story = Story()
    context = row.story(story, a_unit(story))
    capture = Capture(story)
    if code == "D-17":  # the first command under the id is recorded; the same id with other content is the violation
        row.act(capture, context)
        first = apply_command(story.ledger, RawCommand(1, as_json(*capture.captured, ()) | {"command_id": "c-1"}))
        assert first.accepted, first
    row.act(capture, context)
    assert capture.captured is not None, "the row calls no command"
    payload = as_json(*capture.captured, row.omit) | ({"command_id": "c-1"} if code == "D-17" else {})
    before = event_count(story.ledger)
    outcome = apply_command(story.ledger, RawCommand(1, payload))
    expected = row.first or code
    assert not outcome.accepted, f"{payload['command']} was recorded: {code} did not refuse it"
    assert outcome.code == expected, f"refused {outcome.code} ({outcome.where}): {outcome.message}"
    assert outcome.message and outcome.source
    assert event_count(story.ledger) == before
    if row.first:
        assert code in row.why or row.why, "a row that cannot reach its rule says why"


@pytest.mark.parametrize("code", sorted(READS))
def test_the_violating_read_is_refused_under_its_rule(code):
    from domain.rules import RuleViolation

    story = Story()
    context = admitted(story, a_unit(story))
    with pytest.raises(RuleViolation) as refused:
        READS[code](story, context)
    assert refused.value.code == code
