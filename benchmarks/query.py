"""Query latency: a case's history as of a date (a case of 1,000 events), and a unit's inspection report.

history:    `projections.queries.case_history`, what `caseledger history CASE --as-of DATE`
            and `--as-recorded-at TIME` call, on one warm connection: half the queries at
            dates spread over the case's life (valid time), half at times spread over its
            recording (transaction time), interleaved.
inspection: what `caseledger inspection UNIT --date D` does between opening and closing its
            connection — find the unit, read its occupancy and the audit rows of every case
            that passed through it, compute the report, render it as Markdown — over units
            and days of the simulated year, on one warm connection.

The long case is recorded through the same path as `caseledger record` (every command
passes the domain's rules), interleaved in time with the simulated year's commands, into
a store and topics of its own, then relayed and projected by every read model. The inspection
reports read the benchmark store's read models when they have been built (the replay
stage builds them), else this stage's own. Figures: p50, p99, max and count, in ms.
"""

from __future__ import annotations

import cProfile
import dataclasses
import io
import math
import pstats
import random
import time
from datetime import date, datetime, timedelta
from typing import Callable, Iterator
from uuid import UUID

import psycopg2

from infra import bootstrap
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.settings import Settings
from infra.simulation import ALL_DOCS, PIA_SECTIONS, UNITS, actor, at, case_id, doc, generate, iso, sid, unit_id

PROCESS = "9990001-00.2025.8.11.0041"  # the long case's process number (outside the simulation's numbering)
CASE_STARTS = date(2025, 1, 6)  # a week into the simulated year, when the units are filling up


# -- the long case ------------------------------------------------------------------------------


def long_case(start: date) -> Iterator[dict]:
    """Commands of one youth's internação from `start` on, without end, in the order they happen.

    Each command adds exactly one event to the case. A week holds a Sunday visit, school
    exits on weekdays (out and back), a fortnightly phone call and a Saturday search of
    belongings; the PIA, a reassessment every six months, monthly interviews with the
    defence, room changes, and now and then a correction or a void.
    """
    unit = UNITS[0]  # internação masculina, Cuiabá
    uid, cid = unit_id(unit.code), case_id(PROCESS)
    admin, agent = actor(unit, "assistente_administrativo"), actor(unit, "agente_socioeducativo")
    manager, leader = actor(unit, "gerente"), actor(unit, "lider_de_equipe")
    psych, social, pedag = actor(unit, "psicologo"), actor(unit, "assistente_social"), actor(unit, "pedagogo")
    court = f"Vara da Infância e Juventude de {unit.city}"
    visitors = [sid(cid, "visitor", k) for k in range(2)]
    version = 0
    rooms = {}  # version -> room, of the room assignments
    exits_back = []  # versions of the returns from school
    calls = []  # versions of the phone calls

    def on_case(command: dict, when: datetime) -> dict:
        nonlocal version
        version += 1
        return {"case_id": cid, "occurred_at": iso(when), **command}

    def opening(command: dict, when: datetime) -> dict:  # the registration makes the case id
        return {k: v for k, v in on_case(command, when).items() if k != "case_id"}

    def day(k: int) -> date:  # day k of the measure (intake day = day 1)
        return start + timedelta(days=k - 1)

    t = at(start, 8)
    yield opening({"command": "register_adolescent", "process_number": PROCESS, "name": "Caso Longo (fictício)",
                   "birth_date": iso(start - timedelta(days=16 * 365 + 40)), "sex": unit.sex,
                   "civil_document": "RG-FICT-LONGO", "filiation": "Mãe fictícia do caso longo",
                   "family_address": f"Rua Fictícia, 1, {unit.city}", "family_comarca": unit.city,
                   "actor": admin, "unit_id": uid, "guia_number": "GUIA-2025-LONGO"}, t)
    t = at(start, 9)
    yield on_case({"command": "record_intake", "unit_id": uid, "modality": "internacao", "origin": "unidade_provisoria",
                   "documents_presented": list(ALL_DOCS), "escort_name": "Policial fictício",
                   "escort_document": "MAT-LONGO",
                   "search_witnessed_by_escort": True, "belongings_receipt_id": "REC-LONGO",
                   "body_exam_reference": "IML-LONGO", "actor": agent, "days_in_police_custody": 0,
                   "court_order": doc("guia_de_execucao", "GE-LONGO/2025", PROCESS, court),
                   "seriousness": "sem_violencia", "build": "media"}, t)
    yield on_case({"command": "acknowledge_orientation", "document_version": "Regimento 2015 / Portaria 056",
                   "family_acknowledged": False, "actor": agent}, at(start, 9, 30))
    yield on_case({"command": "assign_room", "room": "L1", "reason": "rotina", "actor": manager}, at(start, 9, 45))
    rooms[version] = "L1"
    for i, step in enumerate(["prpif", "equipe_tecnica", "pedagogico", "educacao_fisica"]):
        yield on_case({"command": "complete_acolhimento_step", "step": step,
                       "actor": psych if step == "equipe_tecnica" else pedag}, at(day(2 + min(i, 1)), 9 + i))
    yield on_case({"command": "complete_acolhimento", "actor": manager}, at(day(3), 16))
    for k, (vid, rel) in enumerate(zip(visitors, ["mae", "avo"])):
        yield on_case({"command": "register_visitor", "name": f"Visitante fictício longo {k}",
                       "photo_id_kind": "carteira_de_identidade", "photo_id_number": f"RG-V-LONGO-{k}",
                       "relationship": rel, "relationship_proof": "certidão de nascimento", "is_minor": False,
                       "qualified_by_team": True, "modalities": ["comum", "excepcional"], "actor": admin,
                       "visitor_id": vid}, at(day(3), 17 + k))
    yield on_case({"command": "hold_family_acolhimento", "members_present": 2, "rights_and_visits_explained": True,
                   "actor": social}, at(day(4), 14))

    k = 4
    while True:
        k += 1
        d = day(k)
        weekday = d.weekday()
        if weekday == 6:  # Reg. art. 55 I: common visits on Sundays, 08:00–11:00
            s = at(d, 8, 30)
            yield on_case({"command": "hold_visit", "visitor_ids": visitors[: 1 + k % 2], "modality": "comum",
                           "started_at": iso(s), "ended_at": iso(s + timedelta(hours=2)), "search_done": True,
                           "actor": agent}, s + timedelta(hours=2))
        elif weekday < 5 and k > 8:  # school, from the end of the triage (Reg. art. 76)
            exit_id = sid(cid, "exit", k)
            yield on_case({"command": "start_external_exit", "exit_id": exit_id, "purpose": "escola_curso_trabalho",
                           "authorised_by": manager, "team_assessed": True, "search_done": True,
                           "expected_return_at": iso(at(d, 12)), "actor": agent}, at(d, 7))
            yield on_case({"command": "end_external_exit", "exit_id": exit_id, "search_done": True, "actor": agent},
                          at(d, 11, 30))
            exits_back.append(version)
        if weekday == 2 and k % 14 < 7:
            yield on_case({"command": "hold_phone_call", "reason": "estimulo_quinzenal", "duration_minutes": 10,
                           "actor": agent}, at(d, 15))
            calls.append(version)
        if weekday == 5:
            yield on_case({"command": "record_search", "kind": "pertences", "reason": "rotina_de_seguranca",
                           "staff": [{"staff_id": agent["id"], "role": "agente_socioeducativo"},
                                     {"staff_id": leader["id"], "role": "lider_de_equipe"}],
                           "invasive": False, "actor": agent}, at(d, 9))
        if k == 40:
            yield on_case({"command": "submit_pia", "sections": PIA_SECTIONS, "youth_participated": True,
                           "family_participated": True, "protocol_number": "PIA-LONGO", "actor": manager}, at(d, 15))
        if k == 52:
            yield on_case({"command": "record_pia_homologation", "tacit": False, "actor": admin,
                           "court_document": doc("decisao_judicial", "HOM-LONGO", PROCESS, court)}, at(d, 16))
        step = (k - 150) % 180 if k >= 150 else None  # ECA 121 §2: reassessed at most every six months
        if step == 0:
            yield on_case({"command": "request_reassessment", "requester": "direcao_da_unidade",
                           "ground": "bom_desempenho", "actor": manager}, at(d, 14))
        elif step == 2:
            yield on_case({"command": "submit_progress_report", "kind": "reavaliacao", "conclusion": "manutencao",
                           "authors": [{"staff_id": psych["id"], "role": "psicologo"},
                                       {"staff_id": social["id"], "role": "assistente_social"}],
                           "written_for_this_youth": True, "protocol_number": f"REL-LONGO-{k}", "actor": manager},
                          at(d, 15))
        elif step == 9:
            yield on_case({"command": "record_reassessment_hearing", "hearing_on": iso(d),
                           "technical_team_present": True,
                           "defender_present": True, "youth_present": True, "family_notified": True, "actor": admin,
                           "court_document": doc("decisao_judicial", f"AUD-LONGO-{k}", PROCESS, court)}, at(d, 14))
        elif step == 10:
            yield on_case({"command": "record_measure_decision", "decision": "manutencao", "effective_on": iso(d),
                           "raw_text": "Mantenho a medida socioeducativa (texto fictício).", "actor": admin,
                           "court_document": doc("decisao_judicial", f"DEC-LONGO-{k}", PROCESS, court)}, at(d, 16))
        if k % 28 == 10:
            yield on_case({"command": "hold_private_interview", "authority": "defensoria_publica",
                           "duration_minutes": 30, "actor": agent}, at(d, 16))
        if k % 35 == 20:
            room = "L2" if rooms[max(rooms)] == "L1" else "L1"
            yield on_case({"command": "assign_room", "room": room, "reason": "rotina", "actor": manager}, at(d, 17))
            rooms[version] = room
        # Slips corrected (E67) and voided (E68): a return time typed wrong, a call recorded twice.
        if k % 45 == 30 and exits_back:
            target = exits_back[-1]
            yield on_case({"command": "correct_case_entry", "target_version": target,
                           "corrections": [{"field": "occurred_at", "value": iso(at(d - timedelta(days=1), 11, 50))}],
                           "reason": "horário de retorno digitado com erro", "authorised_by": manager,
                           "actor": admin}, at(d, 17, 30))
        if k % 90 == 20 and calls:
            yield on_case({"command": "void_case_entry", "target_version": calls.pop(),
                           "reason": "ligação registrada em duplicidade", "authorised_by": manager,
                           "actor": admin}, at(d, 17, 40))


def record(settings: Settings, events_per_case: int, other_commands: int | None) -> tuple[str, int, int]:
    """Record the simulated year's first `other_commands` (all: None) and the long case, in time order.

    Interleaved as they happened, the case's rows lie among the others' in every table, as a
    real case's would. Returns the case id, its events in the store and the store's events.
    """
    plan = generate(seed=2025)[:other_commands]
    cid = case_id(PROCESS)
    ledger = bootstrap.recording_ledger(settings)
    line = 0

    def apply(command: dict):
        nonlocal line
        line += 1
        return apply_command(ledger, RawCommand(line, command))

    try:
        done, events = 0, 0
        commands = long_case(CASE_STARTS)
        while events < events_per_case:
            command = next(commands)
            when = datetime.fromisoformat(command["occurred_at"])
            while done < len(plan) and plan[done].when <= when:
                apply(plan[done].command)
                done += 1
            outcome = apply(command)
            if not outcome.accepted:
                raise RuntimeError(f"the long case's {command['command']} was refused: "
                                   f"{outcome.code} {outcome.message}")
            events += sum(e["stream_id"] == cid for e in outcome.events)
        for planned in plan[done:]:  # the rest of the year, after the case's last event
            apply(planned.command)
        stored = len(ledger.recorder.select_events(UUID(cid)))
        return cid, stored, len(ledger.recordings)
    finally:
        ledger.close()


def project(settings: Settings) -> None:
    """Relay the store into the settings' topics and build every read model from them."""
    from benchmarks.replay import publish_once
    from consumers.replay import replay_one
    from infra.bootstrap import consumer_factory, pg_connector
    from projections import registry

    publish_once(settings)
    for name in registry.names():
        projection, decode = registry.build(name, settings)
        replay_one(projection, decode, registry.topics_for(projection, settings), schema=settings.projection_schema,
                   connect_pg=pg_connector(settings, "caseledger-bench-query"),
                   make_consumer=consumer_factory(settings, client_id="caseledger-bench-query"))


# -- timing ------------------------------------------------------------------------------------


def percentiles(samples_s: list[float]) -> dict:
    """p50, p99 (nearest rank), max in ms, and the count."""
    ordered = sorted(samples_s)
    rank = lambda q: ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000
    return {"p50_ms": rank(0.50), "p99_ms": rank(0.99), "max_ms": ordered[-1] * 1000, "count": len(ordered)}


def timed(conn, queries: list[Callable]) -> list[float]:
    """Each query in its own transaction, as each command runs in its own, on one warm connection."""
    out = []
    for query in queries:
        with conn.cursor() as cur:
            t0 = time.perf_counter()
            query(cur)
            out.append(time.perf_counter() - t0)
        conn.rollback()
    return out


def history_queries(schema: str, cid: str, rows: list[dict], count: int,
                    rng: random.Random) -> dict[str, list[Callable]]:
    """`count` queries, half on each axis, at moments drawn evenly over the case's life (its audit `rows`)."""
    from domain.calendar import local_date
    from projections import queries

    days = sorted(local_date(r["occurred_at"]) for r in rows)
    recorded = sorted(r["recorded_at"] for r in rows)
    span = (days[-1] - days[0]).days
    as_of = [days[0] + timedelta(days=rng.randint(0, span)) for _ in range(count - count // 2)]
    at_time = [recorded[rng.randrange(len(recorded))] for _ in range(count // 2)]
    return {
        "as_of": [lambda cur, d=d: queries.case_history(cur, schema, cid, as_of=d) for d in as_of],
        "as_recorded_at": [lambda cur, t=t: queries.case_history(cur, schema, cid, as_recorded_at=t) for t in at_time],
    }


def inspection_report(cur, schema: str, unit: str, on: date) -> str:
    """The body of `caseledger inspection UNIT --date D` (infra/commands/inspection.py), Markdown."""
    from infra.inspection_render import to_markdown
    from projections import queries
    from projections.inspection import inspection

    unit_id_ = queries.find_unit(cur, schema, unit)
    data = queries.occupancy(cur, schema, unit_id_)
    entries = {c: queries.stream_entries(cur, schema, c) for c in sorted({m["case_id"] for m in data.movements})}
    return to_markdown(inspection(unit_id_, on, data, entries))


def inspection_queries(conn, schema: str, count: int, rng: random.Random) -> list[Callable]:
    """`count` reports over the units of the read model and days of the simulated year."""
    from projections import queries

    with conn.cursor() as cur:
        units = queries.unit_ids(cur, schema)
    conn.rollback()
    days = [date(2025, 1, 15) + timedelta(days=rng.randint(0, 350)) for _ in range(count)]
    return [lambda cur, u=rng.choice(units), d=d: inspection_report(cur, schema, u, d) for d in days]


def has_read_models(settings: Settings, schema: str) -> bool:
    """Whether the schema holds built read models (the views the queries read)."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
                        "AND table_name IN ('audit_entries', 'unit_capacity', 'unit_movements')", (schema,))
            return cur.fetchone()[0] == 3
    finally:
        conn.close()


def profile(conn, label: str, call: Callable, repeat: int, top: int = 12) -> str:
    """Where `repeat` calls spend their time: the top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    with conn.cursor() as cur:
        profiler.enable()
        for _ in range(repeat):
            call(cur)
        profiler.disable()
    conn.rollback()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return f"{repeat} × {label}:\n" + out.getvalue()


def run(settings: Settings, events_per_case: int = 1000, other_commands: int | None = None, history: int = 1000,
        reports: int = 200, inspect: Settings | None = None, profiled: bool = False, seed: int = 2025) -> dict:
    """Record, relay and project the long case within the simulated year, then time the queries.

    `settings` name a fresh store, topics and read-model schema; `inspect` the read models
    the inspection reports read (default: the ones built here).
    """
    from infra.bootstrap import pg_connector
    from domain.calendar import local_date
    from projections import queries

    t0 = time.perf_counter()
    cid, case_events, events = record(settings, events_per_case, other_commands)
    t1 = time.perf_counter()
    project(settings)
    t2 = time.perf_counter()
    rng = random.Random(seed)
    schema = settings.projection_schema
    inspect_schema = (inspect or settings).projection_schema
    conn = pg_connector(settings, "caseledger-bench-query")()
    try:
        with conn.cursor() as cur:
            rows = queries.stream_entries(cur, schema, cid)
        conn.rollback()
        axes = history_queries(schema, cid, rows, history, rng)
        order = [(axis, q) for axis, qs in axes.items() for q in qs]
        rng.shuffle(order)
        samples: dict[str, list[float]] = {axis: [] for axis in axes}
        for (axis, _), seconds in zip(order, timed(conn, [q for _, q in order])):
            samples[axis].append(seconds)
        # The read alone, to split the SQL from the fold in Python.
        read_s = timed(conn, [lambda cur: queries.stream_entries(cur, schema, cid)] * max(1, history // 10))
        reports_ = inspection_queries(conn, inspect_schema, reports, rng)
        inspection_s = timed(conn, reports_)
        profiles = None
        if profiled:
            middle = sorted(local_date(r["occurred_at"]) for r in rows)[len(rows) // 2]
            profiles = "\n".join([
                profile(conn, f"case_history(as_of={middle})",
                        lambda cur: queries.case_history(cur, schema, cid, as_of=middle), repeat=20),
                profile(conn, "inspection report", reports_[0], repeat=3)])
    finally:
        conn.close()
    return {
        "case_id": cid,
        "case_events": case_events,
        "case_audit_entries": len(rows),
        "store_events": events,
        "record_seconds": t1 - t0,
        "project_seconds": t2 - t1,
        "history": percentiles(samples["as_of"] + samples["as_recorded_at"]),
        "history_as_of": percentiles(samples["as_of"]),
        "history_as_recorded_at": percentiles(samples["as_recorded_at"]),
        "history_read_only": percentiles(read_s),
        "inspection": percentiles(inspection_s),
        "inspection_schema": inspect_schema,
        "profile": profiles,
    }


# -- the stage ----------------------------------------------------------------------------------


def fresh(settings: Settings) -> Settings:
    """An empty store beside the topics and read-model schema of this run alone."""
    from benchmarks import memory

    target = memory.fresh(settings, "query")
    return dataclasses.replace(target, eventsourcing_overrides={**settings.eventsourcing_overrides,
                                                                "POSTGRES_SCHEMA": f"{target.projection_schema}_store"})


def stage(ctx) -> dict:
    from benchmarks.data import drop_schema

    target = fresh(ctx.settings)
    inspect = ctx.bench if has_read_models(ctx.settings, ctx.bench.projection_schema) else None
    try:
        # The case has 1,000 events at any size; a tiny benchmark store gets fewer repetitions.
        return run(target, events_per_case=1000, history=1000 if ctx.copies >= 10 else 200,
                   reports=200 if ctx.copies >= 10 else 40, inspect=inspect, profiled=ctx.profile)
    finally:
        drop_schema(ctx.settings, target.projection_schema)
        drop_schema(ctx.settings, target.eventsourcing_overrides["POSTGRES_SCHEMA"])
        drop_topics(target)


def drop_topics(settings: Settings) -> None:
    """Delete the run's topics (kept forever otherwise: the ledger's topics have no retention limit)."""
    from kafka import KafkaAdminClient

    from infra.topics import ledger_topics

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="caseledger-bench-query")
    try:
        existing = set(admin.list_topics())
        names = [t.name for t in ledger_topics(settings) if t.name in existing]
        if names:
            admin.delete_topics(names)
    finally:
        admin.close()


def _figures(f: dict) -> str:
    return f"p50 {f['p50_ms']:.1f} / p99 {f['p99_ms']:.1f} / max {f['max_ms']:.1f} ms (n={f['count']:,})"


def row(result: dict) -> str:
    return (f"| query | case of {result['case_events']:,} events in a store of {result['store_events']:,}; "
            f"inspection on {result['inspection_schema']} | — | history {_figures(result['history'])} "
            f"(as of {result['history_as_of']['p50_ms']:.1f}/{result['history_as_of']['p99_ms']:.1f}, as recorded at "
            f"{result['history_as_recorded_at']['p50_ms']:.1f}/{result['history_as_recorded_at']['p99_ms']:.1f}; "
            f"the read alone p50 {result['history_read_only']['p50_ms']:.1f}); inspection "
            f"{_figures(result['inspection'])} | history p99 {result['history']['p99_ms']:.1f} ms (< 20 ms) |")
