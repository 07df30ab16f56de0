"""Several `caseledger record` processes racing on one case or one unit, with commands whose rules
depend on what the others record: the race never breaks a rule, and the store holds exactly the
events each process reported recorded (nothing lost, nothing extra).

Every racer is held at the event table's write lock until all of them wait there (so each has read
the same state before writing); then the lock is released and they write at once. A command that
loses is retried from what the winner stored and refused by the rule, or refused CONFLICT.
"""

from __future__ import annotations

import collections
import json
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import psycopg2
import pytest
from psycopg2 import sql

from infra.simulation import ALL_DOCS, case_id as case_id_for, generate, unit_id
from tests.e2e.cli import env_for, run
from tests.e2e.test_cli_concurrent_writes import holding_the_event_table

RACERS = 4


@pytest.fixture(scope="module")
def year() -> list[dict]:
    return [p.command for p in generate(seed=2025)]


@pytest.fixture
def schema_env(stack_settings, pg_schema):
    return stack_settings, {"POSTGRES_SCHEMA": pg_schema}


def record(settings, env, commands: list[dict]) -> subprocess.CompletedProcess:
    result = run(settings, "record", "-", "--json", input="\n".join(json.dumps(c) for c in commands), **env)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def set_up(settings, env, commands: list[dict]) -> None:
    result = record(settings, env, commands)
    assert result.returncode == 0, result.stdout[-3000:]


def racing(settings, env, schema: str, batches: list[list[dict]]) -> list[list[dict]]:
    """Start one `record --json` per batch, all held at the write lock together; their outcomes."""
    procs = []
    with holding_the_event_table(settings, schema, until_waiting=len(batches)):
        for batch in batches:
            proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "record", "-", "--json"],
                                    env=env_for(settings, **env), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            proc.stdin.write("\n".join(json.dumps(c) for c in batch))
            proc.stdin.close()
            proc.stdin = None
            procs.append(proc)
    with ThreadPoolExecutor(len(procs)) as pool:
        outputs = list(pool.map(lambda p: p.communicate(timeout=300), procs))
    results = []
    for proc, (out, err), batch in zip(procs, outputs, batches):
        assert "Traceback" not in err, err[-3000:]
        outcomes = [json.loads(line) for line in out.split("\n") if line]
        assert len(outcomes) == len(batch), (out, err)
        assert proc.returncode == (1 if any(not o["accepted"] for o in outcomes) else 0)
        results.append(outcomes)
    return results


def store_events(settings, schema: str) -> dict[tuple[str, int], tuple[int, str]]:
    """(stream, version) → (notification id, event class) of every stored event."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT originator_id, originator_version, notification_id, topic FROM {}.caseledger_events")
                        .format(sql.Identifier(schema)))
            return {(str(o), v): (n, t.rsplit(".", 1)[-1]) for o, v, n, t in cur.fetchall()}
    finally:
        conn.close()


def assert_store_is_setup_plus_reported(before: dict, after: dict, results: list[list[dict]]) -> None:
    """Every event a racer reported recorded is stored, under its notification id; nothing else was added."""
    reported = {}
    for outcomes in results:
        for o in outcomes:
            for e in o.get("events", []):
                reported[(e["stream_id"], e["version"])] = e["notification_id"]
    added = {key: n for key, (n, _) in after.items() if key not in before}
    assert added == reported
    assert all(after[key] == value for key, value in before.items())


def refusals(results: list[list[dict]]) -> collections.Counter:
    return collections.Counter(o["code"] for outcomes in results for o in outcomes if not o["accepted"])


def count(events: dict, name: str, stream: str | None = None) -> int:
    return sum(1 for (s, _), (_, t) in events.items() if t == name and (stream is None or s == stream))


def unit_definition(year, code: str, **changes) -> dict:
    base = next(c for c in year if c["command"] == "define_unit" and c["unit_code"] == code)
    return {**base, **changes}


def a_youth(year, unit_code: str, k: int, at_unit: str | None = None) -> tuple[dict, dict]:
    """A youth of the simulated year admitted to `unit_code`, as a new youth number k: registration, intake."""
    uid = unit_id(unit_code)
    intake = next(c for c in year if c["command"] == "record_intake" and c["unit_id"] == uid
                  and set(c["documents_presented"]) == set(ALL_DOCS))
    registration = next(c for c in year if c["command"] == "register_adolescent" and c.get("case_id") is None
                        and case_id_for(c["process_number"]) == intake["case_id"])
    process = f"{9000000 + k:07d}{registration['process_number'][7:]}"
    target = unit_id(at_unit or unit_code)
    registration = {**registration, "process_number": process, "civil_document": f"RG-RACE-{k:04d}",
                    "unit_id": target, "guia_number": f"GUIA-RACE-{k:04d}"}
    intake = {**intake, "case_id": case_id_for(process), "unit_id": target,
              "belongings_receipt_id": f"REC-RACE-{k:04d}",
              "court_order": {**intake["court_order"], "process_number": process, "number": f"GE-RACE-{k:04d}"}}
    return registration, intake


def test_simultaneous_intakes_of_one_youth_into_different_units_leave_exactly_one_active_stay(schema_env, year):
    settings, env = schema_env
    codes = ["MT-CGB-INT-M", "MT-CAC-INT", "MT-SNP-INT", "MT-BDG-INT"]
    registration, intake = a_youth(year, "MT-CGB-INT-M", 1)
    set_up(settings, env, [unit_definition(year, code) for code in codes] + [registration])
    before = store_events(settings, env["POSTGRES_SCHEMA"])

    results = racing(settings, env, env["POSTGRES_SCHEMA"],
                     [[{**intake, "unit_id": unit_id(code), "belongings_receipt_id": f"REC-{code}"}] for code in codes])

    after = store_events(settings, env["POSTGRES_SCHEMA"])
    assert_store_is_setup_plus_reported(before, after, results)
    winners = [code for code, outcomes in zip(codes, results) if outcomes[0]["accepted"]]
    assert len(winners) == 1, results
    assert refusals(results) == {"R-07": RACERS - 1}, results
    # One stay: one intake on the case, one resident admitted, in the winner's unit.
    assert count(after, "IntakeRecorded", intake["case_id"]) == 1
    assert count(after, "ResidentAdmitted") == 1
    assert count(after, "ResidentAdmitted", unit_id(winners[0])) == 1


def test_simultaneous_intakes_into_a_small_semiliberdade_unit_never_exceed_its_capacity(schema_env, year):
    settings, env = schema_env
    small = unit_definition(year, "MT-CGB-SL", unit_code="MT-RACE-SL", name="Casa de Semiliberdade de teste",
                            capacity=2)
    youths = [a_youth(year, "MT-CGB-SL", k, at_unit="MT-RACE-SL") for k in range(1, RACERS + 1)]
    set_up(settings, env, [small] + [registration for registration, _ in youths])
    before = store_events(settings, env["POSTGRES_SCHEMA"])

    results = racing(settings, env, env["POSTGRES_SCHEMA"], [[intake] for _, intake in youths])

    after = store_events(settings, env["POSTGRES_SCHEMA"])
    assert_store_is_setup_plus_reported(before, after, results)
    # Reg. art. 14 IX: a semiliberdade unit admits no one over its capacity without a court order.
    assert sum(outcomes[0]["accepted"] for outcomes in results) == 2, results
    assert refusals(results) == {"R-04": RACERS - 2}, results
    assert count(after, "ResidentAdmitted", unit_id("MT-RACE-SL")) == 2


def test_simultaneous_transfers_into_a_unit_with_one_place_fill_it_once(schema_env, year):
    settings, env = schema_env
    target = unit_definition(year, "MT-CGB-SL", unit_code="MT-RACE-SL1", name="Casa de Semiliberdade de uma vaga",
                             capacity=1)
    youths = [a_youth(year, "MT-CGB-SL", k) for k in range(1, RACERS + 1)]
    set_up(settings, env, [unit_definition(year, "MT-CGB-SL"), target] + [c for youth in youths for c in youth])
    before = store_events(settings, env["POSTGRES_SCHEMA"])

    transfers = []
    for registration, intake in youths:
        when = (datetime.fromisoformat(intake["occurred_at"]) + timedelta(days=20)).replace(hour=14, minute=0)
        transfers.append([{"command": "transfer", "case_id": intake["case_id"], "destination_unit_id": unit_id("MT-RACE-SL1"),
                           "pia_and_history_sent": True, "vehicle": "viatura da Superintendência",
                           "occurred_at": when.isoformat(), "actor": {"id": "mt-cgb-sl-gerente-01", "role": "gerente"},
                           "court_order": {**intake["court_order"], "kind": "decisao_judicial",
                                           "number": f"TR-{registration['civil_document']}"}}])
    results = racing(settings, env, env["POSTGRES_SCHEMA"], transfers)

    after = store_events(settings, env["POSTGRES_SCHEMA"])
    assert_store_is_setup_plus_reported(before, after, results)
    assert sum(outcomes[0]["accepted"] for outcomes in results) == 1, results
    assert refusals(results) == {"R-04": RACERS - 1}, results
    assert count(after, "ResidentAdmitted", unit_id("MT-RACE-SL1")) == 1
    assert count(after, "TransferCompleted") == 1
    # The transferred youth left the origin; the others are still there: one stay each.
    assert count(after, "ResidentDeparted", unit_id("MT-CGB-SL")) == 1


def test_concurrent_exceptional_visits_never_exceed_one_a_fortnight(schema_env, year):
    settings, env = schema_env
    registration, intake = a_youth(year, "MT-CGB-PROV", 1)
    visitor = next(c for c in year if c["command"] == "register_visitor" and "excepcional" in c["modalities"])
    admitted = datetime.fromisoformat(intake["occurred_at"])
    visitor = {**visitor, "case_id": intake["case_id"], "actor": {"id": "mt-cgb-prov-assist-01", "role": "assistente_administrativo"},
               "occurred_at": (admitted + timedelta(days=1)).replace(hour=10, minute=0).isoformat()}
    set_up(settings, env, [unit_definition(year, "MT-CGB-PROV"), registration, intake, visitor])
    before = store_events(settings, env["POSTGRES_SCHEMA"])

    monday = (admitted + timedelta(days=7 - admitted.weekday() + 7)).replace(hour=14, minute=0)
    visits = []
    for day in range(RACERS):  # Monday to Thursday of one week: any two are less than 14 days apart
        start = monday + timedelta(days=day)
        visits.append([{"command": "hold_visit", "case_id": intake["case_id"], "visitor_ids": [visitor["visitor_id"]],
                        "modality": "excepcional", "started_at": start.isoformat(),
                        "ended_at": (start + timedelta(hours=1)).isoformat(), "search_done": True,
                        "occurred_at": (start + timedelta(hours=1)).isoformat(),
                        "actor": {"id": "mt-cgb-prov-agente-01", "role": "agente_socioeducativo"}}])
    results = racing(settings, env, env["POSTGRES_SCHEMA"], visits)

    after = store_events(settings, env["POSTGRES_SCHEMA"])
    assert_store_is_setup_plus_reported(before, after, results)
    # Reg. art. 55 II: one exceptional visit a fortnight.
    assert sum(outcomes[0]["accepted"] for outcomes in results) == 1, results
    assert refusals(results) == {"R-37": RACERS - 1}, results
    assert count(after, "VisitHeld", intake["case_id"]) == 1


def test_four_free_running_writers_on_one_case_lose_nothing_and_keep_visits_a_fortnight_apart(schema_env, year):
    """No lock this time: four desks each record petitions and try exceptional visits on the same
    weekdays, in different orders, as fast as they can."""
    settings, env = schema_env
    registration, intake = a_youth(year, "MT-CGB-PROV", 1)
    visitor = next(c for c in year if c["command"] == "register_visitor" and "excepcional" in c["modalities"])
    admitted = datetime.fromisoformat(intake["occurred_at"])
    visitor = {**visitor, "case_id": intake["case_id"], "actor": {"id": "mt-cgb-prov-assist-01", "role": "assistente_administrativo"},
               "occurred_at": (admitted + timedelta(days=1)).replace(hour=10, minute=0).isoformat()}
    set_up(settings, env, [unit_definition(year, "MT-CGB-PROV"), registration, intake, visitor])
    before = store_events(settings, env["POSTGRES_SCHEMA"])
    monday = (admitted + timedelta(days=7 - admitted.weekday() + 7)).replace(hour=14, minute=0)
    days = [monday + timedelta(weeks=w, days=d) for w in range(6) for d in range(4)]

    batches = []
    for desk in range(RACERS):
        commands = []
        order = list(days)
        random.Random(desk).shuffle(order)  # each desk its own order of the same days
        for start in order:
            commands.append({"command": "hold_visit", "case_id": intake["case_id"], "visitor_ids": [visitor["visitor_id"]],
                             "modality": "excepcional", "started_at": start.isoformat(),
                             "ended_at": (start + timedelta(hours=1)).isoformat(), "search_done": True,
                             "occurred_at": (start + timedelta(hours=1)).isoformat(),
                             "actor": {"id": f"desk-{desk}-agente", "role": "agente_socioeducativo"}})
            commands.append({"command": "file_petition", "case_id": intake["case_id"], "addressee": "direcao_da_unidade",
                             "subject": "saude", "occurred_at": (start + timedelta(hours=2)).isoformat(),
                             "actor": {"id": f"desk-{desk}-gerente", "role": "gerente"}})
        batches.append(commands)
    procs = [subprocess.Popen([sys.executable, "-m", "infra.cli", "record", "-", "--json"], env=env_for(settings, **env),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in batches]
    with ThreadPoolExecutor(len(procs)) as pool:
        outputs = list(pool.map(lambda pb: pb[0].communicate("\n".join(json.dumps(c) for c in pb[1]), timeout=300),
                                zip(procs, batches)))
    results = []
    for (out, err), batch in zip(outputs, batches):
        assert "Traceback" not in err, err[-3000:]
        results.append([json.loads(line) for line in out.split("\n") if line])
        assert len(results[-1]) == len(batch)

    after = store_events(settings, env["POSTGRES_SCHEMA"])
    assert_store_is_setup_plus_reported(before, after, results)
    held = sorted(datetime.fromisoformat(c["started_at"]).date() for batch, outcomes in zip(batches, results)
                  for c, o in zip(batch, outcomes) if o["accepted"] and c["command"] == "hold_visit")
    assert held and all((b - a).days >= 14 for a, b in zip(held, held[1:])), held  # Reg. art. 55 II
    assert count(after, "VisitHeld", intake["case_id"]) == len(held)
    codes = refusals(results)
    assert set(codes) <= {"R-37", "CONFLICT"}, codes
    petitions_refused = sum(1 for batch, outcomes in zip(batches, results) for c, o in zip(batch, outcomes)
                            if c["command"] == "file_petition" and not o["accepted"])
    assert count(after, "PetitionFiled", intake["case_id"]) == RACERS * len(days) - petitions_refused
    print(f"\nfree-running: visits held on {[d.isoformat() for d in held]}; refused {dict(codes)}")
