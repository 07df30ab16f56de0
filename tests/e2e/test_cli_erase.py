"""`caseledger erase` (D-19; LGPD arts. 16, 18 VI): a released youth's data key is destroyed, on the
real stack — checked in PostgreSQL's own tables and data files, not in what the command prints."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid

import psycopg2
import pytest
from psycopg2 import sql

from infra.simulation import case_id as case_id_for
from schemas.sealing import ERASED
from infra.stack import PostgresServer
from tests.e2e.cli import a_fresh_ledger, run
from tests.e2e.test_cli_concurrent_writes import a_youth_registered

GERENTE = {"id": "mt-cgb-prov-gerente-01", "role": "gerente"}
ORDER = {"kind": "mandado_de_liberacao", "number": "ML-2025-1", "process_number": "0000001-00.2025.8.11.0041",
         "issuer": "Vara da Infância de Cuiabá", "issued_on": "2025-01-20"}


@pytest.fixture
def env(stack_settings):
    # A year's retention, so that a release of January 2025 may be erased today.
    with a_fresh_ledger(stack_settings, CASELEDGER_RETENTION_YEARS="1") as fresh:
        yield fresh


def two_released_youths() -> tuple[list[dict], str, str]:
    """A unit, two youths admitted on 1 January 2025 and released on 21 January, and their case ids."""
    setup, intake = a_youth_registered()
    unit, registration = setup[0], setup[1]
    other = copy.deepcopy(registration)
    other.update(process_number="1000999-13.2025.8.11.0065", name="Outro Jovem (fictício)",
                 civil_document="RG-FICT-000999", guia_number="GUIA-2025-00999")
    other_intake = dict(intake, case_id=case_id_for(other["process_number"]),
                        belongings_receipt_id="REC-MT-CGB-PROV-00999")
    commands = [unit, registration, intake, other, other_intake]
    for case in (intake["case_id"], other_intake["case_id"]):
        commands += [
            {"command": "receive_release_order", "case_id": case, "protocol_number": "ML-2025-1",
             "occurred_at": "2025-01-21T09:00:00-04:00", "actor": GERENTE, "court_order": ORDER},
            {"command": "release", "case_id": case, "basis": "extincao_por_cumprimento", "documents_delivered": True,
             "belongings_returned": True, "termo_de_desligamento_signed": True, "family_present": True,
             "occurred_at": "2025-01-21T10:00:00-04:00", "actor": GERENTE, "source_document": ORDER},
        ]
    return commands, intake["case_id"], other_intake["case_id"]


def a_token(settings, role: str, unit: str = "MT-CGB-PROV") -> str:
    from infra.bootstrap import pg_connector
    from infra.persistence.principals import PrincipalStore

    principal_id = GERENTE["id"] if role == "gerente" else None
    _, token = PrincipalStore(pg_connector(settings, "caseledger-tests")).add(
        f"test {role} {uuid.uuid4().hex[:6]}", role, units=(unit,),
        **({"principal_id": f"{principal_id}-{uuid.uuid4().hex[:6]}"} if principal_id else {}))
    return token


def wrapped_key(settings, case_id: str) -> bytes | None:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT wrapped FROM caseledger_keys.data_keys WHERE subject = %s", (case_id,))
            row = cur.fetchone()
            return None if row is None else bytes(row[0])
    finally:
        conn.close()


def stored_states(settings, store: str, case_id: str) -> list[bytes]:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT state FROM {}.caseledger_events WHERE originator_id = %s "
                                "ORDER BY originator_version").format(sql.Identifier(store)), (case_id,))
            return [bytes(r[0]) for r in cur.fetchall()]
    finally:
        conn.close()


def registered_names(settings, store: str, case_ids) -> dict[str, str]:
    """The name each case's registration decodes to in a fresh process's ledger (the store's bytes)."""
    from infra import bootstrap

    ledger = bootstrap.ledger(dataclasses.replace(
        settings, eventsourcing_overrides={**settings.eventsourcing_overrides, "POSTGRES_SCHEMA": store}))
    try:
        return {case: ledger.mapper.to_domain_event(ledger.recorder.select_events(uuid.UUID(case), limit=1)[0]).name
                for case in case_ids}
    finally:
        ledger.close()


def table_files_hold(settings, needle: bytes) -> list[str]:
    """The database's table files (base/, not the write-ahead log) that contain `needle`."""
    base = PostgresServer(settings).data_dir / "base"
    return [str(p) for p in base.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_erase_destroys_the_released_youths_key_only_and_the_history_still_reads_D19(env):
    settings, store, env = env
    commands, erased, other = two_released_youths()
    recorded = run(settings, "record", "-", "--json", input="\n".join(json.dumps(c) for c in commands), **env)
    assert recorded.returncode == 0, recorded.stdout[-3000:] + recorded.stderr[-2000:]
    key, other_key = wrapped_key(settings, erased), wrapped_key(settings, other)
    assert key is not None and other_key is not None
    before = stored_states(settings, store, erased)
    gerente = a_token(settings, "gerente")

    # Only the gerente of the youth's unit records it, with the controller's decision.
    by_agent = run(settings, "erase", erased, "--basis", "LGPD art. 16", "--decision", "SEJUS-1",
                   CASELEDGER_TOKEN=a_token(settings, "agente_socioeducativo"), **env)
    assert by_agent.returncode == 3 and "A-02" in by_agent.stderr, by_agent.stderr
    assert wrapped_key(settings, erased) == key

    done = run(settings, "erase", erased, "--basis", "LGPD art. 16; prazo de guarda cumprido",
               "--decision", "SEJUS-2026-77", CASELEDGER_TOKEN=gerente, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert wrapped_key(settings, erased) is None
    assert wrapped_key(settings, other) == other_key  # another youth of the same unit keeps hers
    assert table_files_hold(settings, key) == []  # VACUUM FULL: the wrapped key left the table's files
    after = stored_states(settings, store, erased)
    assert after[:len(before)] == before and len(after) == len(before) + 1  # bytes unchanged, one event more

    for step in (("relay", "--once"), ("project", "--until-caught-up")):
        assert run(settings, *step, **env).returncode == 0
    history = run(settings, "history", erased, "--as-of", "2026-12-31", "--json", **env)
    assert history.returncode == 0, history.stderr
    shown = history.stdout
    assert "personal data erased" in shown and "SEJUS-2026-77" in shown and "kept 1 year(s)" in shown, shown[-2000:]

    names = registered_names(settings, store, (erased, other))
    assert names == {erased: ERASED, other: "Outro Jovem (fictício)"}

    again = run(settings, "erase", erased, "--basis", "LGPD art. 16", "--decision", "SEJUS-2026-77",
                CASELEDGER_TOKEN=gerente, **env)
    assert again.returncode == 0 and "already erased" in again.stdout, again.stdout + again.stderr
    assert len(stored_states(settings, store, erased)) == len(after)  # nothing recorded twice


def test_erasing_a_youth_before_the_retention_period_ends_is_refused_and_keeps_the_key_D19(env):
    settings, store, env = env
    commands, erased, _ = two_released_youths()
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), **env).returncode == 0
    refused = run(settings, "erase", erased, "--basis", "LGPD art. 16", "--decision", "SEJUS-1",
                  CASELEDGER_TOKEN=a_token(settings, "gerente"), **{**env, "CASELEDGER_RETENTION_YEARS": "5"})
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "D-19" in refused.stderr and "2030-01-21" in refused.stderr
    assert wrapped_key(settings, erased) is not None
