"""Services started before their servers: `relay` and `project` wait for Kafka and PostgreSQL.

Before, both exited 2 when a server was down at start, so every deployment needed an outside
supervisor just to try again. The long-running modes now wait with backoff and a log line, and
go to work when the servers arrive; the one-shot modes still fail at once (a person waits).
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time

import pytest

from infra import stack
from infra.topics import ensure_topics
from tests.e2e.cli import env_for, run

pytestmark = pytest.mark.fault

UNIT = {
    "command": "define_unit", "unit_code": "MT-TST-SL", "name": "Unidade de teste", "unit_type": "semiliberdade",
    "capacity": 10, "sex": "masculino", "comarca": "Cuiabá", "occurred_at": "2025-03-02T09:30:00-04:00",
    "actor": {"id": "gerente-1", "role": "gerente"},
    "portaria": {"kind": "guia_de_execucao", "number": "1/2025", "process_number": "0000001-00.2025.8.11.0041",
                 "issuer": "SEJUS-MT", "issued_on": "2025-03-02", "file_sha256": "0" * 64},
    "min_age": 12, "max_age": 20, "required_intake_documents": ["carta_ou_guia_de_execucao"],
}


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def test_relay_and_project_started_while_the_servers_are_down_wait_for_them_then_work(
        stack_settings, pg_schema, unique_topic, tmp_path):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"), dead_letter_topic=unique_topic("dlq"))
    ensure_topics(settings)
    extra = {"POSTGRES_SCHEMA": pg_schema, "CASELEDGER_PROJECTION_SCHEMA": f"{pg_schema}_views",
             "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic}
    env = env_for(settings, **extra)
    logs = {name: tmp_path / f"{name}.log" for name in ("relay", "project")}
    stack.down(stack_settings)
    services = {}
    try:
        for name in logs:
            services[name] = subprocess.Popen([sys.executable, "-m", "infra.cli", name], env=env,
                                              stdout=subprocess.DEVNULL, stderr=open(logs[name], "wb"))
        for name, log in logs.items():
            wait_for(lambda: "waiting_for_servers" in log.read_text(), 60, f"{name} did not say it waits")
            assert services[name].poll() is None, f"{name} exited while the servers were down"
    finally:
        stack.up(stack_settings, echo=lambda *_: None)
    try:
        recorded = run(settings, "record", "-", input=json.dumps(UNIT), **extra)
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr

        def caught_up():
            status = run(settings, "status", "--json", **extra)
            if status.returncode != 0:
                return False
            rows = {r["stage"]: r for r in json.loads(status.stdout)}
            relay = rows["relay → Kafka"]
            models = [r for stage, r in rows.items() if stage.startswith("projection ")]
            audit = next(r for stage, r in rows.items() if stage.startswith("projection audit_trail"))
            return relay["position"] >= 1 and relay["lag"] == 0 and audit["position"] > 0 and all(
                r["lag"] == 0 for r in models)

        wait_for(caught_up, 120, "the relay and every read model did not catch up")
    finally:
        for proc in services.values():
            proc.send_signal(signal.SIGTERM)
        codes = {name: proc.wait(timeout=60) for name, proc in services.items()}
    assert codes == {"relay": 0, "project": 0}
    for log in logs.values():
        assert "Traceback" not in log.read_text()


def test_relay_once_with_kafka_down_fails_at_once_saying_how_to_start_it(stack_settings, pg_schema):
    elsewhere = dataclasses.replace(stack_settings, kafka_bootstrap_servers="127.0.0.1:39199")
    started = time.monotonic()
    result = run(elsewhere, "relay", "--once", POSTGRES_SCHEMA=pg_schema)
    assert result.returncode == 2
    assert "Kafka at 127.0.0.1:39199 is unreachable" in result.stderr and "caseledger stack up" in result.stderr
    assert time.monotonic() - started < 60
