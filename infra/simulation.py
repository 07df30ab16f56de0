"""A realistic, deterministic year of the socio-educational units of Mato Grosso, as commands.

The demo and the benchmarks record it through the same path as `caseledger
record`: every item is a JSON-ready command object. The same seed gives the
same commands, byte for byte.

The eight units follow the SIPIA-MT plan (seed 000: "08 unidades socioeducativas
(Cuiabá, Cáceres, Sinop, Barra do Garças, Rondonópolis)"); their profiles and
capacities are illustrative. Youths arrive through the year, are admitted with
their documents (a few are presented without them: IntakeRefused), go through
acolhimento, PIA, visits, family leave, reassessment, discipline, petitions,
transfers and an evasion, and are released by court order — with the slips real
units make (late PIAs, late returns, an intake after hours, corrections).

Names, documents and addresses are synthetic and obviously fake.

Why one module of this size: the year is one story told in order, every chapter drawing
from the same seeded random state and calendar; split by chapter, that state would have to be
passed around and the byte-for-byte determinism would be harder to see.
"""

from __future__ import annotations

import dataclasses
import random
import types
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

from infra import simulation_form

CUIABA_TZ = timezone(timedelta(hours=-4))  # America/Cuiaba has had no DST since 2019
NS = uuid.UUID("8d7c1c9a-57f5-4a51-9f0e-3c1c1b6f5a10")  # namespace of the simulation's ids

YEAR = 2025


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    city: str
    unit_type: str  # UnitType value
    sex: str
    capacity: int
    arrivals_per_month: float


UNITS = (
    UnitPlan("MT-CGB-INT-M", "Centro Socioeducativo de Cuiabá (masculino)", "Cuiabá", "internacao", "masculino", 40, 5.0),
    UnitPlan("MT-CGB-PROV", "Unidade de Internação Provisória de Cuiabá", "Cuiabá", "internacao_provisoria", "masculino", 24, 7.0),
    UnitPlan("MT-CGB-INT-F", "Centro Socioeducativo Feminino de Cuiabá", "Cuiabá", "internacao", "feminino", 12, 1.2),
    UnitPlan("MT-CGB-SL", "Casa de Semiliberdade de Cuiabá", "Cuiabá", "semiliberdade", "masculino", 20, 3.0),
    UnitPlan("MT-CAC-INT", "Centro Socioeducativo de Cáceres", "Cáceres", "internacao", "masculino", 20, 2.0),
    UnitPlan("MT-SNP-INT", "Centro Socioeducativo de Sinop", "Sinop", "internacao", "masculino", 30, 2.6),
    UnitPlan("MT-BDG-INT", "Centro Socioeducativo de Barra do Garças", "Barra do Garças", "internacao", "masculino", 20, 1.6),
    UnitPlan("MT-ROO-SL", "Casa de Semiliberdade de Rondonópolis", "Rondonópolis", "semiliberdade", "masculino", 20, 2.2),
)

MODALITY_OF = {"internacao": "internacao", "internacao_provisoria": "internacao_provisoria",
               "semiliberdade": "semiliberdade"}
ALL_DOCS = ["carta_ou_guia_de_execucao", "sentenca_ou_decisao", "oficio_de_encaminhamento",
            "oficio_de_liberacao_de_vaga", "documento_pessoal", "exame_de_corpo_de_delito"]
PIA_SECTIONS = ["resultados_estudo_interdisciplinar", "metas_do_adolescente", "integracao_social_e_profissional",
                "apoio_familiar", "participacao_familiar", "medidas_de_saude", "atividades_internas_externas",
                "metas_atividades_externas"]
FIRST = ["Ana", "Bruno", "Carlos", "Daniel", "Eduardo", "Felipe", "Gabriel", "Heitor", "Igor", "João",
         "Kauã", "Lucas", "Mateus", "Nicolas", "Otávio", "Pedro", "Rafael", "Samuel", "Thiago", "Vitor"]
FIRST_F = ["Ana", "Beatriz", "Camila", "Daniela", "Eduarda", "Fernanda", "Gabriela", "Helena", "Isabela", "Júlia"]
LAST = ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes"]


def sid(*parts: Any) -> str:
    """A deterministic id of the simulation (uuid5 over the parts)."""
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


def unit_id(code: str) -> str:
    from domain.unit import unit_id_for

    return str(unit_id_for(code))


def case_id(process_number: str) -> str:
    from domain.case import case_id_for

    return str(case_id_for(process_number))


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), CUIABA_TZ)


def iso(value: datetime | date) -> str:
    return value.isoformat()


# Short codes of the roles in staff ids: distinct, so that two people never share an id (each is
# a principal of their own when the demo records through principals).
ROLE_CODES = {"gerente": "ger", "agente_socioeducativo": "age", "assistente_administrativo": "adm",
              "assistente_social": "soc", "pedagogo": "ped", "psicologo": "psi", "lider_de_equipe": "lid",
              "conselho_socioeducador": "cons"}


def actor(unit: UnitPlan, role: str, n: int = 1) -> dict:
    return {"id": f"{unit.code.lower()}-{ROLE_CODES.get(role, role[:6])}-{n:02d}", "role": role}


def doc(kind: str, number: str, process: str | None = None, issuer: str | None = None) -> dict:
    return {"kind": kind, "number": number, "process_number": process, "issuer": issuer,
            "issued_on": None, "file_sha256": None}


@dataclass(order=True)
class Planned:
    when: datetime
    seq: int
    command: dict = field(compare=False)
    expect_refusal: str | None = field(default=None, compare=False)  # the rule code it must break


@dataclass
class Stay:
    case: str
    unit: UnitPlan
    until: date


class YearSimulation:
    """Plans the year day by day, then yields the commands in the order they happened."""

    def __init__(self, seed: int = 2025, scale: float = 1.0, year: int = YEAR, copies: int = 1) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        # `copies` > 1 repeats the eight units under new codes: a larger system (benchmarks).
        self.units = UNITS if copies == 1 else tuple(
            dataclasses.replace(u, code=f"{u.code}-{k:03d}", name=f"{u.name} #{k}") for k in range(copies) for u in UNITS)
        self.scale = scale
        self.year = year
        self.start = date(year, 1, 1)
        self.end = date(year, 12, 31)
        self.plan: list[Planned] = []
        self._seq = 0
        self.active: dict[str, list[Stay]] = {u.code: [] for u in self.units}
        self.cases = 0
        self.evasions = 0

    # -- planning -------------------------------------------------------------
    def add(self, when: datetime, command: dict, expect_refusal: str | None = None) -> None:
        self._seq += 1
        self.plan.append(Planned(when, self._seq, command, expect_refusal))

    def commands(self) -> list[Planned]:
        """Every planned command in the order it happened (occurred-at, then plan order)."""
        self._plan_units()
        simulation_form.plan_units(self, TOOLS)  # roster, inspections: the CNMP form's facts (issue 21)
        day = self.start
        while day <= self.end:
            for unit in self.units:
                self.active[unit.code] = [s for s in self.active[unit.code] if s.until >= day]
                expected = unit.arrivals_per_month * self.scale * 12 / 365
                # Two weeks of backlog at the start, so the units are not empty in January.
                if day < self.start + timedelta(days=14):
                    expected *= 6
                arrivals = self._poisson(expected)
                for _ in range(arrivals):
                    if len(self.active[unit.code]) < unit.capacity - 1:
                        self._plan_case(unit, day)
            day += timedelta(days=1)
        self._plan_unit_corrections()
        self._plan_attendance_closings()
        self._plan_occurrence_book(random.Random(self.rng.random()))
        return sorted(self.plan)

    def _poisson(self, lam: float) -> int:
        # Knuth's method: small rates only.
        limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _plan_units(self) -> None:
        for u in self.units:
            self.add(at(self.start - timedelta(days=30), 9), {
                "command": "define_unit", "unit_code": u.code, "name": u.name, "unit_type": u.unit_type,
                "capacity": u.capacity, "sex": u.sex, "comarca": u.city,
                "occurred_at": iso(at(self.start - timedelta(days=30), 9)),
                "actor": actor(u, "gerente"),
                "portaria": doc("portaria", f"{zlib.crc32(u.code.encode()) % 900 + 100}/2024/SESP-MT"),
                "min_age": 12, "max_age": 20,
            })

    def _plan_unit_corrections(self) -> None:
        # A Portaria typed with the wrong capacity, corrected by the gerente (E67 on a unit stream).
        u = self.units[6]
        when = at(date(self.year, 2, 3), 10)
        self.add(when, {
            "command": "correct_unit_entry", "unit_id": unit_id(u.code), "target_version": 1,
            "corrections": [{"field": "comarca", "value": "Barra do Garças (sede)"}],
            "reason": "comarca transcrita de forma incompleta", "authorised_by": actor(u, "gerente"),
            "occurred_at": iso(when), "actor": actor(u, "assistente_administrativo"),
        })

    def _plan_attendance_closings(self) -> None:
        # SISPETI closes each month's frequency collection (seed 002); the gerente closes the unit's
        # month on the 10th of the next, once the team has recorded it (E54; Reg. art. 14 VI).
        for u in self.units:
            for month in range(1, 12):
                when = at(date(self.year, month + 1, 10), 16)
                self.add(when, {"command": "close_attendance_month", "unit_id": unit_id(u.code),
                                "month": f"{self.year:04d}-{month:02d}", "occurred_at": iso(when),
                                "actor": actor(u, "gerente")})
    def _plan_occurrence_book(self, rng: random.Random) -> None:
        """The units' occurrence books (E55; CONANDA 252 arts. 58–59), sampled to keep the demo fast: one
        24-hour plantão a week per unit with its record and the líder's handover (Reg. art. 21 XII), a few
        handovers forgotten (R-59 alert), a record missing art. 59 items (refused), rare police reports
        and one rebellion. Its own random stream (drawn once, after the year), so the youths' stories stay
        the same."""
        nothing = "nada a registrar"
        for u in self.units:
            uid, agent, leader = unit_id(u.code), actor(u, "agente_socioeducativo"), actor(u, "lider_de_equipe")
            day = self.start + timedelta(days=(7 - self.start.weekday()) % 7)  # Mondays
            while day <= self.end - timedelta(days=1):
                shift, closes = at(day, 7), at(day + timedelta(days=1), 6, 30)
                book = {
                    "command": "log_occurrence", "unit_id": uid, "shift_started_at": iso(shift),
                    "occurrence_id": sid(u.code, "book", iso(shift)),
                    "team_on_duty": f"Líder {leader['id']}; agentes {agent['id']} (portaria) e "
                                    f"{actor(u, 'agente_socioeducativo', 2)['id']} (alojamentos)",
                    "location_map_attached": True,
                    "occurrences_and_measures": rng.choice([nothing, nothing, "discussão entre adolescentes no "
                                                            "refeitório; mediada pela equipe"]),
                    "movements": rng.choice(["saídas para a escola e retorno no horário", "nenhuma movimentação"]),
                    "administrative_occurrences": rng.choice([nothing, "atraso de um agente (30 min)"]),
                    "structural_problems": rng.choice([nothing, nothing, "lâmpada queimada no pátio"]),
                    "unusual_facts": nothing, "monitoring_or_police_calls": "nenhum acionamento",
                    "occurred_at": iso(closes), "actor": agent,
                }
                if u is self.units[0] and day.month == 4 and day.day <= 7:
                    # A record without items VI–VIII is refused naming them; it is then written whole.
                    slip = book | {"occurrence_id": sid(u.code, "book-slip", iso(shift)), "structural_problems": "",
                                   "unusual_facts": "", "monitoring_or_police_calls": ""}
                    self.add(closes - timedelta(minutes=10), slip, expect_refusal="R-59")
                self.add(closes, book)
                if rng.random() < 0.97:
                    handover = at(day + timedelta(days=1), 7)
                    self.add(handover, {"command": "hand_over_shift", "unit_id": uid, "shift_started_at": iso(shift),
                                        "incoming_leader": actor(u, "lider_de_equipe", 2)["id"],
                                        "pending_matters": rng.choice(["nada pendente", "manutenção solicitada"]),
                                        "occurred_at": iso(handover), "actor": leader})
                day += timedelta(days=7)
            month = date(self.year, 1, 1)
            while month <= self.end:
                for _ in range(self._poisson_with(rng, 0.25)):  # Reg. art. 14 XII, 20 XIV, 21 XVIII
                    when = at(month + timedelta(days=rng.randint(0, 27)), rng.randint(8, 20))
                    self.add(when, {"command": "file_police_report", "unit_id": uid,
                                    "report_id": sid(u.code, "bo", iso(when)),
                                    "police_station": f"Delegacia Especializada do Adolescente de {u.city}",
                                    "report_number": f"BO-FICT-{u.code}-{when:%m%d%H}",
                                    "reason": rng.choice(["dano_pelo_adolescente", "intercorrencia_entre_adolescentes",
                                                          "visitante_com_material_ilicito"]),
                                    "summary": "fato registrado na delegacia (fictício)",
                                    "occurred_at": iso(when), "actor": leader})
                month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        u = self.units[0]  # one rebellion in the year, in the largest internação (CNMP67 Annex I 2.4)
        started = at(date(self.year, 8, 14), 21)
        self.add(started + timedelta(hours=5), {
            "command": "record_rebellion", "unit_id": unit_id(u.code), "started_at": iso(started),
            "rebellion_id": sid(u.code, "rebellion", iso(started)),
            "ended_at": iso(started + timedelta(hours=3)), "youths_involved": 8, "bodily_injuries": True, "deaths": 0,
            "harm_by_staff_or_police": False, "motives": ["superlotacao", "falta_de_dialogo_com_a_direcao"],
            "detailed_report": "relatório pormenorizado do líder de plantão (fictício)", "court_informed": True,
            "superintendencia_informed": False, "exception_justification": "Superintendência comunicada na manhã seguinte",
            "occurred_at": iso(started + timedelta(hours=5)), "actor": actor(u, "lider_de_equipe")})

    @staticmethod
    def _poisson_with(rng: random.Random, lam: float) -> int:
        limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    # -- one youth's measure -----------------------------------------------------
    def _plan_case(self, unit: UnitPlan, day: date) -> None:
        rng = self.rng
        self.cases += 1
        n = self.cases
        process = f"{1000000 + n:07d}-{rng.randint(10, 99)}.{self.year}.8.11.{rng.randint(1, 99):04d}"
        cid = case_id(process)
        uid = unit_id(unit.code)
        female = unit.sex == "feminino"
        age_years = rng.choices([13, 14, 15, 16, 17, 18, 19], [2, 5, 10, 20, 30, 20, 8])[0]
        birth = day - timedelta(days=int(age_years * 365.25) + rng.randint(10, 300))
        admin, agent = actor(unit, "assistente_administrativo"), actor(unit, "agente_socioeducativo")
        first = rng.choice(FIRST_F if female else FIRST)
        reg_at = at(day, rng.randint(8, 10), rng.choice([0, 15, 30, 45]))
        self.add(reg_at, {
            "command": "register_adolescent", "process_number": process,
            "name": f"{first} {rng.choice(LAST)} {rng.choice(LAST)} (fictício)",
            "birth_date": iso(birth), "sex": unit.sex, "civil_document": f"RG-FICT-{n:06d}",
            "filiation": f"Mãe fictícia {n}", "family_address": f"Rua Fictícia, {n}, {unit.city}",
            "family_comarca": unit.city if rng.random() < 0.8 else rng.choice([u.city for u in UNITS]),
            "occurred_at": iso(reg_at), "actor": admin, "unit_id": uid,
            "guia_number": f"GUIA-{self.year}-{n:05d}",
        })
        court = doc("guia_de_execucao", f"GE-{n:05d}/{self.year}", process, f"Vara da Infância de {unit.city}")
        intake_day = day
        # About 1 in 12 is presented without every document: refused (a fact, E04), admitted days later.
        if rng.random() < 0.08:
            missing = rng.sample(ALL_DOCS[2:], 1)
            t = at(day, 11)
            presented = [d for d in ALL_DOCS if d not in missing]
            self.add(t, self._intake(cid, uid, unit, presented, court, t, agent, n), expect_refusal="R-02")
            t2 = t + timedelta(minutes=20)
            self.add(t2, {"command": "refuse_intake", "case_id": cid, "unit_id": uid,
                          "reasons": ["documento_faltante"], "destination": "retornou_com_escolta",
                          "presenting_officer": f"Oficial fictício {n}", "court_notified": True,
                          "occurred_at": iso(t2), "actor": admin, "missing_documents": missing})
            intake_day = day + timedelta(days=rng.randint(2, 5))
        if intake_day == day:
            start = reg_at + timedelta(minutes=rng.randint(30, 300))
        else:
            start = at(intake_day, rng.randint(9, 13), rng.choice([0, 20, 40]))
        # A few arrive after hours (Reg. art. 25: recorded with an exception, never refused).
        t = at(intake_day, 17, rng.choice([0, 20, 40])) if rng.random() < 0.03 else start
        hour = t.hour
        intake = self._intake(cid, uid, unit, ALL_DOCS, court, t, agent, n)
        if hour >= 15:
            intake["exception_justification"] = "apresentado pela escolta após as 15h; recebido para não permanecer na delegacia"
        self.add(t, intake)
        stay_days = self._stay_length(unit)
        release_day = min(intake_day + timedelta(days=stay_days), self.end + timedelta(days=1))
        self.active[unit.code].append(Stay(cid, unit, release_day))
        c = CaseTimeline(self, unit, cid, process, intake_day, t, release_day, n)
        c.plan()

    def _intake(self, cid, uid, unit, documents, court, t, agent, n) -> dict:
        rng = self.rng
        return {
            "command": "record_intake", "case_id": cid, "unit_id": uid, "modality": MODALITY_OF[unit.unit_type],
            "origin": "unidade_provisoria" if unit.unit_type != "internacao_provisoria" else "delegacia",
            "documents_presented": list(documents), "escort_name": f"Policial fictício {n}",
            "escort_document": f"MAT-{n:05d}", "search_witnessed_by_escort": True,
            "belongings_receipt_id": f"REC-{unit.code}-{n:05d}", "body_exam_reference": f"IML-{n:05d}",
            "occurred_at": iso(t), "actor": agent, "court_order": court,
            "days_in_police_custody": rng.choice([0, 0, 1, 1, 2, 3]),
            "seriousness": rng.choice(["com_violencia_ou_grave_ameaca", "sem_violencia"]),
            "build": rng.choice(["pequena", "media", "media", "grande"]),
        }

    def _stay_length(self, unit: UnitPlan) -> int:
        if unit.unit_type == "internacao_provisoria":
            return self.rng.randint(15, 44)
        if unit.unit_type == "semiliberdade":
            return self.rng.randint(100, 240)
        return self.rng.randint(150, 330)


class CaseTimeline:
    """The commands of one youth's stay, from acolhimento to release."""

    def __init__(self, sim: YearSimulation, unit: UnitPlan, cid: str, process: str, day0: date,
                 intake_at: datetime, release_day: date, n: int) -> None:
        self.sim, self.unit, self.cid, self.process, self.day0 = sim, unit, cid, process, day0
        self.intake_at, self.release_day, self.n = intake_at, release_day, n
        self.rng = sim.rng
        self.version = 2  # registered (1) and admitted (2); refusals add none to count on here
        u = unit
        self.admin, self.agent = actor(u, "assistente_administrativo"), actor(u, "agente_socioeducativo")
        self.leader, self.manager = actor(u, "lider_de_equipe"), actor(u, "gerente")
        self.psych, self.social, self.pedag = actor(u, "psicologo"), actor(u, "assistente_social"), actor(u, "pedagogo")
        self.visitors: list[str] = []
        self.court = f"Vara da Infância e Juventude de {unit.city}"
        self.away: tuple[date, date] | None = None  # evasion: no visits, no leave meanwhile
        self.moved: tuple[date, UnitPlan] | None = None  # transfer: from that day, in that unit
        self.moved_at: datetime | None = None  # when the transfer was recorded

    @property
    def last_day(self) -> date:
        return min(self.release_day - timedelta(days=1), self.sim.end)

    def add(self, when: datetime, command: dict, expect_refusal: str | None = None, on_case: bool = True) -> bool:
        if when.date() > self.last_day and command["command"] not in ("receive_release_order", "release"):
            return False
        if on_case:
            command.setdefault("case_id", self.cid)
        self._by_the_staff_of_its_unit(when, command)
        command.setdefault("occurred_at", iso(when))
        self.sim.add(when, command, expect_refusal)
        return True

    def _by_the_staff_of_its_unit(self, when: datetime, command: dict) -> None:
        """After a transfer the youth's facts are recorded by the new unit's staff (Reg. art. 14: each
        unit records its own; the access policy, A-03, refuses the old unit's)."""
        author = command.get("actor")
        if self.moved_at and when > self.moved_at and author and author["id"].startswith(self.unit.code.lower() + "-"):
            command["actor"] = actor(self.moved[1], author["role"])

    def day(self, k: int) -> date:
        """Day k of the measure in this unit (intake day = day 1; docs/DOMAIN-DECISIONS.md decision 11)."""
        return self.day0 + timedelta(days=k - 1)

    def plan(self) -> None:
        rng, t0 = self.rng, self.intake_at
        provisional = self.unit.unit_type == "internacao_provisoria"
        self.add(t0 + timedelta(minutes=30), {"command": "acknowledge_orientation",
                                              "document_version": "Regimento 2015 / Portaria 056", "family_acknowledged": False,
                                              "actor": self.agent})
        self.add(t0 + timedelta(minutes=45), {"command": "assign_room", "room": f"A{rng.randint(1, 6)}",
                                              "reason": "rotina", "actor": self.manager})
        steps = ["prpif", "equipe_tecnica", "pedagogico", "educacao_fisica"]
        late = rng.random() < 0.06
        for i, step in enumerate(steps):
            d = self.day(2 + min(i, 1) + (4 if late and i == 3 else 0))
            self.add(at(d, 9 + i), {"command": "complete_acolhimento_step", "step": step,
                                    "actor": self.psych if step == "equipe_tecnica" else self.pedag})
        d = self.day(3 + (4 if late else 0))
        close = {"command": "complete_acolhimento", "actor": self.manager}
        if late:
            close["delay_justification"] = "equipe técnica reduzida na semana (férias)"
        self.add(at(d, 16), close)
        self.add(at(self.day(rng.randint(2, 6)), 14), {"command": "hold_family_acolhimento", "members_present": rng.randint(1, 3),
                                                        "rights_and_visits_explained": True, "actor": self.social})
        if not provisional and rng.random() < 0.04 and self.sim.evasions < 3:
            self._evasion()
        self._visitors()
        self._visits(provisional)
        if not provisional:
            self._pia()
            self._reassessment()
            if self.unit.unit_type == "semiliberdade":
                self._family_leave()
            self._schooling()
        if self.unit.unit_type == "internacao" and self.unit.sex == "masculino" and rng.random() < 0.05:
            self._transfer()
        if rng.random() < 0.03:
            self._correction()
        if rng.random() < 0.12:
            self._discipline()
        if rng.random() < 0.10:
            self._petition()
        self._health()
        simulation_form.plan_stay(self, TOOLS)  # interviews, calls, exits, force, case study (issue 21)
        self._release(provisional)
        simulation_form.plan_egress(self, TOOLS)

    def unit_on(self, d: date) -> UnitPlan:
        return self.moved[1] if self.moved and d >= self.moved[0] else self.unit

    def is_away(self, d: date) -> bool:
        return self.away is not None and self.away[0] <= d <= self.away[1]

    def _visitors(self) -> None:
        rng = self.rng
        for k, rel in enumerate(rng.sample(["mae", "pai", "avo", "irmao", "tio"], rng.choice([1, 2, 2]))):
            vid = sid(self.cid, "visitor", k)
            self.visitors.append(vid)
            self.add(at(self.day(3), 10 + k), {
                "command": "register_visitor", "name": f"Visitante fictício {self.n}-{k}",
                "photo_id_kind": "carteira_de_identidade", "photo_id_number": f"RG-V-{self.n:05d}{k}",
                "relationship": rel, "relationship_proof": "certidão de nascimento", "is_minor": False,
                "qualified_by_team": True, "modalities": ["comum", "excepcional"], "actor": self.admin,
                "visitor_id": vid,
            })

    def _visits(self, provisional: bool) -> None:
        rng = self.rng
        d = self.day(4)
        while d.weekday() != 6:
            d += timedelta(days=1)
        while d <= self.last_day:
            if self.is_away(d):
                d += timedelta(days=7)
                continue
            roll = rng.random()
            if roll < 0.70:
                who = self.visitors[: rng.choice([1, 2])] if len(self.visitors) > 1 else self.visitors
                start = at(d, 8, rng.choice([0, 15, 30]))
                self.add(start + timedelta(hours=2), {
                    "command": "hold_visit", "visitor_ids": who, "modality": "comum",
                    "started_at": iso(start), "ended_at": iso(start + timedelta(hours=2)), "search_done": True,
                    "actor": self.agent})
            elif roll < 0.75:
                self.add(at(d, 8, 10), {"command": "refuse_visit",
                                         "reason": rng.choice(["traje_inadequado", "sem_documento_de_identificacao",
                                                               "material_proibido"]),
                                         "family_guidance_signed": True, "noted_in_agenda": True,
                                         "actor": self.agent, "visitor_id": self.visitors[0]})
            d += timedelta(days=7)
        # One visit on a Tuesday recorded as a common visit: refused (Reg. art. 55 I).
        if rng.random() < 0.03:
            tue = self.day(10)
            while tue.weekday() != 1:
                tue += timedelta(days=1)
            s = at(tue, 14)
            self.add(s + timedelta(hours=1), {"command": "hold_visit", "visitor_ids": self.visitors[:1], "modality": "comum",
                                              "started_at": iso(s), "ended_at": iso(s + timedelta(hours=1)),
                                              "search_done": True, "actor": self.agent}, expect_refusal="R-38")

    def _pia(self) -> None:
        rng = self.rng
        late = rng.random() < 0.1
        k = rng.randint(30, 44) if not late else rng.randint(48, 60)
        cmd = {"command": "submit_pia", "sections": PIA_SECTIONS, "youth_participated": True,
               "family_participated": True, "protocol_number": f"PIA-{self.n:05d}", "actor": self.manager}
        if late:
            cmd["delay_justification"] = "aguardando estudo de caso com a família"
        self.add(at(self.day(k), 15), cmd)
        self.add(at(self.day(k + 12), 11), {"command": "record_pia_homologation", "tacit": rng.random() < 0.5,
                                            "actor": self.admin,
                                            "court_document": doc("decisao_judicial", f"HOM-{self.n:05d}", self.process, self.court)})

    def _reassessment(self) -> None:
        rng = self.rng
        k = rng.randint(120, 175)
        self.add(at(self.day(k), 10), {"command": "request_reassessment", "requester": "direcao_da_unidade",
                                       "ground": "bom_desempenho", "actor": self.manager})
        self.add(at(self.day(k + 2), 15), {
            "command": "submit_progress_report", "kind": "reavaliacao",
            "conclusion": rng.choice(["manutencao", "progressao", "extincao"]),
            "authors": [{"staff_id": self.psych["id"], "role": "psicologo"},
                        {"staff_id": self.social["id"], "role": "assistente_social"}],
            "written_for_this_youth": True, "protocol_number": f"REL-{self.n:05d}", "actor": self.manager})
        self.add(at(self.day(k + 9), 14), {
            "command": "record_reassessment_hearing", "hearing_on": iso(self.day(k + 9)), "technical_team_present": True,
            "defender_present": True, "youth_present": True, "family_notified": True, "actor": self.admin,
            "court_document": doc("decisao_judicial", f"AUD-{self.n:05d}", self.process, self.court)})
        self.add(at(self.day(k + 10), 11), {
            "command": "record_measure_decision", "decision": "manutencao", "effective_on": iso(self.day(k + 10)),
            "raw_text": "Mantenho a medida socioeducativa (texto fictício).", "actor": self.admin,
            "court_document": doc("decisao_judicial", f"DEC-{self.n:05d}", self.process, self.court)})

    def _family_leave(self) -> None:
        rng = self.rng
        k = 46 + rng.randint(0, 6)
        # Asked too early once in a while: refused (Reg. arts. 55 III, 63: day 45).
        if rng.random() < 0.05:
            early = self.day(30)
            self.add(at(early, 10), {"command": "authorise_family_leave", "kind": "retorno_no_mesmo_dia",
                                     "leave_date": iso(early + timedelta(days=1)), "technical_assessment_done": True,
                                     "travels_alone": False, "guardian_term_signed": True, "actor": self.manager,
                                     "leave_id": sid(self.cid, "leave-early")}, expect_refusal="R-31")
        for j in range(rng.randint(1, 4)):
            d = self.day(k + 14 * j)
            if d.weekday() == 6:  # Sunday is visiting day at the unit: go on Saturday instead
                d -= timedelta(days=1)
            if self.away is not None and d - timedelta(days=2) >= self.away[0]:
                return  # after a recapture the stay starts over: no leave planned from the old count
            lid = sid(self.cid, "leave", j)
            if not self.add(at(d - timedelta(days=2), 10), {
                    "command": "authorise_family_leave", "kind": "retorno_no_mesmo_dia", "leave_date": iso(d),
                    "technical_assessment_done": True, "travels_alone": False, "guardian_term_signed": True,
                    "actor": self.manager, "leave_id": lid}):
                return
            self.add(at(d, 7), {"command": "start_family_leave", "leave_id": lid, "search_done": True, "actor": self.agent})
            late = rng.random() < 0.08
            back = at(d, 21, 10) if late else at(d, 18, rng.choice([0, 30]))
            ret = {"command": "return_from_family_leave", "leave_id": lid, "search_done": True, "actor": self.agent}
            if late:
                ret["delay_justification"] = "ônibus intermunicipal atrasou"
            self.add(back, ret)

    def _schooling(self) -> None:
        """School and courses after the 8 days of triage (ECA 120 §1; Reg. arts. 17, 32 par. único), and each
        full month's attendance recorded early the next month (SISPETI, seed 002). Its own random stream, drawn
        from the case, so the rest of the year draws what it drew before."""
        rng = random.Random(f"{self.sim.seed}/{self.cid}/schooling")
        semi = self.unit.unit_type == "semiliberdade"
        plan = []
        if rng.random() < 0.9:
            plan.append(("escola", f"Escola Estadual Fictícia {self.unit.city} {rng.randint(1, 4)}", 0.85))
        if rng.random() < (0.5 if semi else 0.3):
            plan.append(("curso_profissionalizante", f"Curso Profissionalizante Fictício {rng.randint(1, 3)}", 0.8))
        for j, (kind, institution, assiduous) in enumerate(plan):
            start = self.day(9 + rng.randint(0, 4) + 2 * j)
            if self.is_away(start) or start > self.last_day:
                continue
            aid = sid(self.cid, "activity", j)
            if not self.add(at(start, 14), {"command": "record_enrolment", "kind": kind, "institution": institution,
                                            "started_on": iso(start), "activity_id": aid, "actor": self.pedag}):
                continue
            regular = rng.random() < assiduous  # most attend above SISPETI's 85 %; the others below
            first = start
            while True:
                last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
                record = last + timedelta(days=rng.randint(2, 6))
                if record > self.last_day or record.year > self.sim.year:
                    break
                expected = sum(1 for k in range((last - first).days + 1)
                               if (first + timedelta(days=k)).weekday() < 5 and not self.is_away(first + timedelta(days=k)))
                if expected and not self.is_away(record):
                    justified = min(expected, rng.choice([0, 0, 0, 1, 1, 2]))
                    rate = rng.uniform(0.88, 1.0) if regular else rng.uniform(0.55, 0.84)
                    present = min(expected - justified, round((expected - justified) * rate))
                    self.add(at(record, 10), {"command": "record_attendance", "activity_id": aid,
                                              "month": f"{first.year:04d}-{first.month:02d}",
                                              "days_expected": expected, "days_present": present,
                                              "justified_absences": justified, "actor": self.pedag})
                first = last + timedelta(days=1)

    def _discipline(self) -> None:
        rng = self.rng
        k = rng.randint(10, 80)
        d = self.day(k)
        if any(self.is_away(d + timedelta(days=j)) for j in range(0, 10)):
            return
        incident = sid(self.cid, "incident")
        procedure = sid(self.cid, "procedure")
        uid = unit_id(self.unit_on(d).code)
        self.add(at(d, 15), {"command": "report_disciplinary_incident", "unit_id": uid,
                             "involved_case_ids": [self.cid], "location": "pátio",
                             "description": "descumprimento de rotina (registro fictício)",
                             "actor": self.agent, "incident_id": incident}, on_case=False)
        commission = [{"staff_id": self.manager["id"], "role": "gerente"},
                      {"staff_id": self.social["id"], "role": "assistente_social"},
                      {"staff_id": self.pedag["id"], "role": "pedagogo"}]
        self.add(at(d + timedelta(days=1), 10), {
            "command": "open_disciplinary_procedure", "incident_id": incident,
            "offence_code": rng.choice(["L-01", "L-02", "M-01", "M-02"]), "commission": commission,
            "defender_notified": True, "parents_notified": True, "actor": self.manager, "procedure_id": procedure})
        self.add(at(d + timedelta(days=3), 10), {
            "command": "hold_disciplinary_hearing", "procedure_id": procedure, "youth_heard": True,
            "defender_present": True, "parents_present": rng.random() < 0.5, "defence_presented": True,
            "actor": self.manager})
        sanction = rng.random() < 0.7
        decision = {"command": "decide_disciplinary_procedure", "procedure_id": procedure,
                    "outcome": "sancao" if sanction else "arquivado", "decided_by": commission,
                    "exclusion_grounds_examined": True, "appeal_information_given": True, "actor": self.manager}
        if sanction:
            decision.update(sanction=rng.choice(["repreensao_escrita", "tarefa_reparadora",
                                                 "restricao_de_atividade_recreativa"]),
                            duration_days=rng.randint(2, 7), starts_on=iso(d + timedelta(days=5)),
                            attenuating=["primeira ocorrência"])
        self.add(at(d + timedelta(days=4), 16), decision)
        if sanction and rng.random() < 0.3:
            self.add(at(d + timedelta(days=5), 9), {"command": "file_disciplinary_appeal", "procedure_id": procedure,
                                                    "filed_by": "defensor", "actor": self.admin})
            reduced = rng.random() < 0.5
            starts = d + timedelta(days=5)
            self.add(at(d + timedelta(days=9), 9), {
                "command": "decide_disciplinary_appeal", "procedure_id": procedure,
                "outcome": "reduzida" if reduced else "mantida",
                "new_ends_on": iso(starts + timedelta(days=1)) if reduced else None, "actor": self.manager})
        # A sanction written straight into the book without a procedure: refused (SINASE art. 71).
        if rng.random() < 0.15:
            self.add(at(d + timedelta(days=6), 10), {
                "command": "decide_disciplinary_procedure", "procedure_id": sid(self.cid, "no-procedure"),
                "outcome": "sancao", "decided_by": commission, "exclusion_grounds_examined": True,
                "appeal_information_given": True, "actor": self.manager, "sanction": "repreensao_escrita",
                "duration_days": 3, "starts_on": iso(d + timedelta(days=6))}, expect_refusal="R-42")

    def _transfer(self) -> None:
        """A court-ordered transfer to another internação unit (Reg. art. 27; stays abut)."""
        rng = self.rng
        k = rng.randint(40, 90)
        d = self.day(k)
        if d > self.last_day or self.is_away(d):
            return
        options = [u for u in self.sim.units if u.unit_type == "internacao" and u.sex == "masculino" and u.code != self.unit.code
                   and len(self.sim.active[u.code]) < u.capacity - 2]
        if not options:
            return
        dest = rng.choice(options)
        order = doc("decisao_judicial", f"TR-{self.n:05d}", self.process, self.court)
        self.add(at(d, 9), {"command": "receive_judicial_order", "kind": "transferencia",
                            "protocol_number": f"PROT-TR-{self.n:05d}", "actor": self.admin, "court_document": order})
        self.add(at(d, 14), {"command": "transfer", "destination_unit_id": unit_id(dest.code),
                             "pia_and_history_sent": True, "vehicle": "viatura da Superintendência",
                             "actor": self.manager, "court_order": order})
        self.add(at(d, 16), {"command": "assign_room", "room": "B1", "reason": "rotina", "actor": actor(dest, "gerente")})
        self.moved, self.moved_at = (d + timedelta(days=1), dest), at(d, 14)
        for planned in self.sim.plan:  # what was planned for after the move, generated before it
            if self.cid in (planned.command.get("case_id"), *planned.command.get("involved_case_ids", ())):
                self._by_the_staff_of_its_unit(planned.when, planned.command)
        for stay in self.sim.active[self.unit.code]:
            if stay.case == self.cid:
                self.sim.active[self.unit.code].remove(stay)
                self.sim.active[dest.code].append(Stay(self.cid, dest, stay.until))
                break

    def _correction(self) -> None:
        """A guia number typed wrong at registration, corrected with reason and authoriser (E67)."""
        d = self.day(self.rng.randint(5, 20))
        self.add(at(d, 11), {"command": "correct_case_entry", "target_version": 1,
                             "corrections": [{"field": "guia_number", "value": f"GUIA-{self.sim.year}-{self.n:05d}-R"}],
                             "reason": "número da guia digitado com erro", "authorised_by": self.manager,
                             "actor": self.admin})

    def _petition(self) -> None:
        rng = self.rng
        k = rng.randint(10, 90)
        if any(self.is_away(self.day(k + j)) for j in range(0, 26)):
            return  # no petitions to the unit while evaded
        pid = sid(self.cid, "petition")
        self.add(at(self.day(k), 10), {"command": "file_petition", "addressee": rng.choice(["juiz", "defensoria", "direcao_da_unidade"]),
                                       "subject": rng.choice(["saude", "processo", "visitas"]), "actor": self.agent,
                                       "petition_id": pid})
        late = rng.random() < 0.2
        self.add(at(self.day(k + (rng.randint(18, 25) if late else rng.randint(3, 14))), 15),
                 {"command": "answer_petition", "petition_id": pid, "actor": self.admin})

    def _evasion(self) -> None:
        rng = self.rng
        self.sim.evasions += 1
        k = rng.randint(60, 100)
        d = self.day(k)
        if not self.add(at(d, 19), {"command": "record_evasion", "kind": "de_dentro_da_unidade", "court_notified": True,
                                    "superintendencia_notified": True, "actor": self.leader}):
            return
        back = d + timedelta(days=rng.randint(5, 20))
        self.away = (d, back)
        self.add(at(back, 11), {"command": "return_from_evasion", "unit_id": unit_id(self.unit.code), "actor": self.agent,
                                "court_order": doc("mandado_judicial", f"MBA-{self.n:05d}", self.process, self.court)})
        self.add(at(back, 11, 30), {"command": "assign_room", "room": "A1", "reason": "rotina", "actor": self.manager})

    def _health(self) -> None:
        """Health (E48–E52) from its own seeded generator, so the rest of the year stays as it was: an intake
        check-up at the UBS for most, dentistry, the RAPS for some (mental health is SES-MT's priority line,
        seed 003), an emergency now and then that ends in hospital, prescribed medicine, a few severe mental
        disorders (ECA 112 §3) and rarely a notifiable disease. Nothing while evaded (no care recorded then)."""
        hrng = random.Random(f"health/{self.cid}")
        free = lambda k, span=0: all(not self.is_away(self.day(k + j)) for j in range(span + 1))  # noqa: E731
        referrals = []
        if hrng.random() < 0.6:
            referrals.append((hrng.randint(3, 10), "ubs_aps", "avaliação clínica de ingresso", self.social))
        if hrng.random() < 0.2:
            referrals.append((hrng.randint(15, 60), "saude_bucal", "dor de dente", self.social))
        if hrng.random() < 0.15:
            kind = hrng.choice(["caps", "capsi", "capsad", "capsad"])
            referrals.append((hrng.randint(10, 50), kind, "acompanhamento psicossocial", self.psych))
        if hrng.random() < 0.05:
            referrals.append((hrng.randint(20, 70), "ist_aids", "testagem e aconselhamento", self.social))
        for j, (k, destination, reason, who) in enumerate(referrals):
            gap = hrng.randint(2, 14)
            if not free(k, gap):
                continue
            rid = sid(self.cid, "health", j)
            if not self.add(at(self.day(k), 9, 15), {"command": "refer_to_health_network", "referral_id": rid,
                                                     "destination": destination, "reason": reason, "actor": who}):
                continue
            attended = hrng.random() < 0.9
            done = {"command": "record_health_appointment", "referral_id": rid, "attended": attended, "actor": self.social,
                    "result": "orientações e retorno agendado" if attended else "não houve escolta disponível no dia"}
            self.add(at(self.day(k + gap), 16), done)
        if hrng.random() < 0.25 and free(5, 7):
            for d in range(hrng.randint(1, 3)):  # a short course on a prescription, before any leave (Reg. art. 52 XXIII)
                self.add(at(self.day(5 + d), 6, 30), {"command": "record_medication", "medication": "amoxicilina",
                                                      "dose": "500 mg de 8 em 8 h", "prescription_reference":
                                                      f"REC-{self.n:05d}", "actor": self.agent})
        k, stay = hrng.randint(15, 40), hrng.randint(2, 6)
        if hrng.random() < 0.03 and free(k, stay) and self.day(k + stay) < self.last_day:
            self.add(at(self.day(k), 8), {"command": "refer_to_health_network", "referral_id": sid(self.cid, "health", "urg"),
                                          "destination": "upa_pronto_atendimento", "reason": "febre alta e dor abdominal",
                                          "urgent": True, "actor": self.leader})
            told = hrng.random() < 0.9
            hid = sid(self.cid, "hospital")
            self.add(at(self.day(k), 13), {"command": "start_hospitalisation", "hospitalisation_id": hid,
                                           "hospital": f"Hospital Municipal de {self.unit.city}",
                                           "companion": "familia" if told else "agente_socioeducativo",
                                           "family_notified": told, "actor": self.agent})
            self.add(at(self.day(k + stay), 10), {"command": "end_hospitalisation", "hospitalisation_id": hid,
                                                  "discharge_summary": "alta com orientações", "actor": self.agent})
        k = hrng.randint(10, 30)
        if hrng.random() < 0.04 and free(k):
            reason = hrng.choices(["sem_nucleo_de_saude_mental", "profissionais_insuficientes", "outro"], [50, 35, 15])[0]
            flag = {"command": "flag_severe_mental_disorder", "medical_report_reference": f"LAUDO-{self.n:05d}",
                    "in_health_facility": False, "not_in_facility_reason": reason, "actor": self.psych}
            if reason == "outro":
                flag["reason_detail"] = "aguarda vaga no CAPSi do município"
            self.add(at(self.day(k), 15), flag)
        k = hrng.randint(10, 60)
        if hrng.random() < 0.01 and free(k):
            self.add(at(self.day(k), 11), {"command": "report_notifiable_disease", "disease": "tuberculose",
                                           "reported_to": "vigilancia_municipal",
                                           "notification_number": f"SINAN-{self.n:05d}", "actor": self.manager})

    def _release(self, provisional: bool) -> None:
        if self.release_day > self.sim.end:
            return
        rng = self.rng
        order_at = at(self.release_day, 9, rng.choice([0, 30]))
        self.add(order_at, {"command": "receive_release_order", "protocol_number": f"LIB-{self.n:05d}", "actor": self.manager,
                            "court_order": doc("mandado_de_liberacao", f"ML-{self.n:05d}", self.process, self.court)})
        hours = rng.choice([2, 3, 4, 5, 30]) if rng.random() < 0.1 else rng.choice([1, 2, 3])
        released_at = order_at + timedelta(hours=hours)
        cmd = {"command": "release", "basis": "absolvicao_ou_fim_da_provisoria" if provisional else "extincao_por_cumprimento",
               "documents_delivered": True, "belongings_returned": True, "termo_de_desligamento_signed": True,
               "family_present": rng.random() < 0.8, "actor": self.manager,
               "source_document": doc("mandado_de_liberacao", f"ML-{self.n:05d}", self.process, self.court)}
        if released_at.hour >= 15 or released_at.hour < 8 or released_at.weekday() > 4:
            cmd["exception_justification"] = "liberado assim que o mandado chegou (ECA art. 235)"
        self.add(released_at, cmd)


# The helpers infra/simulation_form.py plans with (passed, so that module imports nothing of this one).
TOOLS = types.SimpleNamespace(actor=actor, at=at, iso=iso, sid=sid, unit_id=unit_id)


def generate(seed: int = 2025, scale: float = 1.0, copies: int = 1) -> list[Planned]:
    """The year's commands, in the order they happened."""
    return YearSimulation(seed=seed, scale=scale, copies=copies).commands()


def iter_commands(plan: list[Planned]) -> Iterator[dict]:
    for p in plan:
        yield p.command
