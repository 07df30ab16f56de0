"""The simulated year's facts the CNMP inspection forms ask about (issue 21): staff roster changes,
the MP's bimonthly inspections, private interviews with the defence, phone calls, use of force,
external exits, case studies and the follow-up of released youths.

Each unit and each youth draws from its own random stream (seeded by the seed and the unit or case),
so adding these facts leaves every other command of the year as it was. Rates are plausible, not
measured: a defender's interview about every three to five weeks (ECA 124 III), a phone call a month,
force in a few stays, exits for health, documents and hearings, a case study in the first weeks of a
definitive measure (Reg. art. 70 I), one or two follow-ups in the two months after release (Reg. art. 71).
"""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta
from typing import Any

ROSTER = (("gerente", 1), ("psicologo", 2), ("assistente_social", 2), ("pedagogo", 1), ("educador_social", 2),
          ("nutricionista", 1), ("professor", 2), ("administrativo", 1))
INSPECTION_MONTHS = (2, 4, 6, 8, 10, 12)  # CNMP67 art. 1: at least every two months


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(zlib.crc32("|".join(map(str, (seed, "form", *parts))).encode()))


def plan_units(sim: Any, tools: Any) -> None:
    """Per unit: the roster before the year, its changes during it, and the MP's bimonthly inspections.
    `tools`: the simulation's helpers (actor, at, iso, sid, unit_id), given so this module imports none of it."""
    actor, at, iso, sid, unit_id = tools.actor, tools.at, tools.iso, tools.sid, tools.unit_id

    for u in sim.units:
        rng = _rng(sim.seed, u.code)
        uid, manager = unit_id(u.code), actor(u, "gerente")
        day0 = sim.start - timedelta(days=20)
        staff: list[tuple[str, str]] = []
        agents = max(4, u.capacity // 3)
        for category, n in ROSTER + (("agente_socioeducativo", agents),):
            for k in range(n):
                staff.append((f"{u.code.lower()}-srv-{category[:3]}-{k + 1:02d}", category))
        for k, (staff_id, category) in enumerate(staff):
            when = at(day0, 9, k % 60)
            sim.add(when, _roster(uid, staff_id, category, "ativo", when, manager, rng, iso))
        hired = 0
        for month in range(1, 13):
            if rng.random() < 0.45:  # an agent leaves and another one joins
                leaving = rng.choice([s for s in staff if s[1] == "agente_socioeducativo"])
                staff.remove(leaving)
                when = at(date(sim.year, month, rng.randint(3, 25)), 10)
                sim.add(when, _roster(uid, leaving[0], leaving[1], "inativo", when, manager, rng, iso))
                hired += 1
                joining = (f"{u.code.lower()}-srv-age-n{hired:02d}", "agente_socioeducativo")
                staff.append(joining)
                when = when + timedelta(days=rng.randint(5, 15), hours=1)
                sim.add(when, _roster(uid, joining[0], joining[1], "ativo", when, manager, rng, iso))
        promotor = actor(u, "ministerio_publico")  # the unit's prefix: the demo scopes each actor to its unit
        for month in INSPECTION_MONTHS:
            day = date(sim.year, month, rng.randint(8, 20))
            while day.weekday() > 4:
                day += timedelta(days=1)
            visit = at(day, rng.choice([9, 10, 14]), rng.choice([0, 30]))
            sim.add(visit + timedelta(hours=3), {
                "command": "record_inspection", "unit_id": uid, "inspection_id": sid(u.code, "inspection", month),
                "kind": "bimestral", "inspected_at": iso(visit),
                "promotor_id": promotor["id"], "occurred_at": iso(visit + timedelta(hours=3)), "actor": promotor,
                "accompanying": [{"staff_id": f"{promotor['id']}-as", "role": "assistente_social"}]})


def _roster(uid, staff_id, category, status, when, manager, rng, iso) -> dict:
    return {"command": "change_staff_roster", "unit_id": uid, "staff_id": staff_id,
            "name": f"Servidor(a) fictício(a) {staff_id}", "category": category, "status": status,
            "weekly_hours": 40 if category in ("agente_socioeducativo", "gerente") else rng.choice([20, 30, 40]),
            "occurred_at": iso(when), "actor": manager}


def plan_stay(c: Any, tools: Any) -> None:
    """One youth's stay (a CaseTimeline): interviews with the defence, phone calls, exits, force, the case study."""
    at, iso, sid = tools.at, tools.iso, tools.sid

    rng = _rng(c.sim.seed, c.cid)
    provisional = c.unit.unit_type == "internacao_provisoria"
    last = c.last_day
    # Private interviews with the defence (ECA 124 III; SINASE 49 I): most by the Defensoria.
    d = c.day(rng.randint(3, 12))
    lawyer = rng.random() < 0.15
    while d <= last:
        if not c.is_away(d) and d.weekday() < 5:
            c.add(at(d, rng.choice([9, 10, 14, 15])), {
                "command": "hold_private_interview",
                "authority": "advogado_constituido" if lawyer else "defensoria_publica",
                "duration_minutes": rng.choice([20, 30, 40]), "actor": tools.actor(c.unit, "defensor")})
        d += timedelta(days=rng.randint(28, 42))
    # A call to the family about once a month (Reg. art. 51 XXXII).
    d = c.day(rng.randint(10, 25))
    while d <= last:
        if not c.is_away(d) and rng.random() < 0.45:
            c.add(at(d, 16), {"command": "hold_phone_call", "reason": rng.choice(["estimulo_quinzenal", "urgencia_familiar"]),
                              "duration_minutes": rng.choice([5, 10]), "actor": c.social})
        d += timedelta(days=rng.randint(25, 35))
    # External exits with the team's assessment and a search before and after (Reg. arts. 20 VI, 76).
    # Internação only: a semiliberdade youth goes out daily and home on leave (I 3.11 / III 3.19 ask internação).
    exits = rng.choice([0, 0, 0, 1, 1, 2]) if c.unit.unit_type != "semiliberdade" else 0
    for j in range(exits):
        d = c.day(rng.randint(15, 120))
        if d > last or c.is_away(d) or d.weekday() > 4:
            continue
        exit_id = sid(c.cid, "exit", j)
        start = at(d, 8, 30)
        if c.add(start, {"command": "start_external_exit", "exit_id": exit_id,
                         "purpose": rng.choice(["saude_imprescindivel", "documentos", "audiencia",
                                                "atividade_esportiva_cultural"]),
                         "authorised_by": c.manager, "team_assessed": True, "search_done": True,
                         "expected_return_at": iso(start + timedelta(hours=4)), "actor": c.agent}):
            c.add(start + timedelta(hours=3), {"command": "end_external_exit", "exit_id": exit_id, "search_done": True,
                                               "actor": c.agent})
    # Physical containment in a few stays, justified and by named staff (ECA 125; CONANDA 252 art. 68).
    if rng.random() < 0.05:
        d = c.day(rng.randint(10, 90))
        if d <= last and not c.is_away(d):
            c.add(at(d, 19, 20), {"command": "record_use_of_force",
                                  "technique": rng.choice(["contencao_fisica", "contencao_fisica", "algemas"]),
                                  "staff": [{"staff_id": c.agent["id"], "role": "agente_socioeducativo"},
                                            {"staff_id": c.leader["id"], "role": "lider_de_equipe"}],
                                  "injuries": False, "justification": "agressão a outro adolescente (registro fictício)",
                                  "actor": c.leader})
    # The interdisciplinary case study of a definitive measure, before the PIA (Reg. art. 70 I; SINASE 53).
    if not provisional:
        d = c.day(rng.randint(10, 25))
        if not c.is_away(d):
            c.add(at(d, 14), {"command": "hold_case_study",
                              "participants": [{"staff_id": c.psych["id"], "role": "psicologo"},
                                               {"staff_id": c.social["id"], "role": "assistente_social"},
                                               {"staff_id": c.pedag["id"], "role": "pedagogo"}],
                              "youth_participated": True, "family_participated": rng.random() < 0.7,
                              "needs": rng.sample(["escolarização", "saúde", "profissionalização", "família"], 2),
                              "actor": c.psych})


def plan_egress(c: Any, tools: Any) -> None:
    """After a release within the year: one or two follow-ups by the reference team (Reg. arts. 70 II, 71)."""
    actor, at, iso = tools.actor, tools.at, tools.iso

    if c.release_day > c.sim.end:
        return
    rng = _rng(c.sim.seed, c.cid, "egress")
    team = actor(c.unit_on(c.release_day), "assistente_social")
    for k in range(rng.choice([1, 1, 2])):
        d = c.release_day + timedelta(days=rng.randint(15, 30) + 30 * k)
        if d > c.sim.end:
            return
        when = at(d, 10)
        c.sim.add(when, {"command": "record_egress_follow_up", "case_id": c.cid,
                         "contact": rng.choice(["visita_domiciliar", "contato_telefonico", "atendimento_presencial"]),
                         "referred_to_network": rng.random() < 0.6, "in_school": rng.random() < 0.55,
                         "in_course_or_work": rng.random() < 0.3, "occurred_at": iso(when), "actor": team})
