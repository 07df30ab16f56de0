"""Operator commands not covered elsewhere, run as a user runs them."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
import uuid

from infra.topics import ensure_topics
from projections import registry
from tests.e2e.cli import env_for, run
from tests.integration.ledger_events import POISON_ACTOR, a_ledger_event, publish_ledger_events


def test_stack_down_on_a_stack_that_is_not_running_says_so_and_succeeds(stack_settings, tmp_path):
    elsewhere = dataclasses.replace(stack_settings, state_dir=tmp_path, kafka_bootstrap_servers="127.0.0.1:39092",
                                    pg_port=35432)
    result = run(elsewhere, "stack", "down")
    assert result.returncode == 0
    assert "kafka     was not running" in result.stdout and "postgres  was not running" in result.stdout


def test_schemas_generate_and_vectors_checks_report_the_shipped_contract_up_to_date(stack_settings):
    generated = run(stack_settings, "schemas", "generate", "--check")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "up to date" in generated.stdout + generated.stderr
    vectors = run(stack_settings, "schemas", "vectors", "--check")
    assert vectors.returncode == 0 and "decodes" in vectors.stdout


def test_schemas_publish_writes_the_catalogue_and_list_reads_it_back(stack_settings, unique_topic):
    topic = unique_topic("schemas")
    published = run(stack_settings, "schemas", "publish", CASELEDGER_SCHEMA_TOPIC=topic)
    assert published.returncode == 0, published.stderr[-2000:]
    assert f"to {topic}" in published.stdout
    assert "published the transparency log's verifier key to" in published.stdout
    listed = run(stack_settings, "schemas", "list", "--from-topic", CASELEDGER_SCHEMA_TOPIC=topic)
    assert listed.returncode == 0 and "Case.IntakeRecorded" in listed.stdout


def test_dlq_redrive_dry_run_with_no_dead_letters_applies_nothing(stack_settings, pg_schema, unique_topic):
    env = {"CASELEDGER_DLQ_TOPIC": unique_topic("dlq"), "CASELEDGER_PROJECTION_SCHEMA": f"{pg_schema}_views"}
    result = run(stack_settings, "dlq", "redrive", "--projection", "audit_trail", "--dry-run", **env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "audit_trail: would apply 0, already re-driven 0, still failing 0" in result.stdout


def test_continuous_project_survives_a_poison_event_in_every_runner(stack_settings, pg_schema, unique_topic, tmp_path):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"), dead_letter_topic=unique_topic("dlq"))
    ensure_topics(settings)
    env = {"CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic, "CASELEDGER_PROJECTION_SCHEMA": f"{pg_schema}_views"}
    stream = uuid.uuid4()
    # Strings PostgreSQL cannot store, where the read models keep them: the actor id (audit trail),
    # the unit id of a case event (audit trail, case view), a unit's code (audit trail, occupancy).
    poison = [a_ledger_event("Case.PhoneCallHeld", stream=stream, sequence=2, actor_id=POISON_ACTOR),
              a_ledger_event("Case.IntakeRecorded", stream=stream, sequence=3, unit_id="unit\x00x"),
              a_ledger_event("Unit.UnitCapacityDefined", unit_code="MT\x00CGB")]
    log = tmp_path / "project.log"
    with open(log, "wb") as out:
        project = subprocess.Popen([sys.executable, "-m", "infra.cli", "project"], env=env_for(settings, **env),
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        publish_ledger_events(settings, [a_ledger_event("Case.PhoneCallHeld", stream=stream, sequence=1), *poison])
        publish_ledger_events(settings, [a_ledger_event("Case.PhoneCallHeld", stream=stream, sequence=4)])

        def caught_up():
            rows = json.loads(run(settings, "status", "--json", **env).stdout)
            models = {r["stage"].split()[1]: r for r in rows if r["stage"].startswith("projection ")}
            return (len(models) == len(registry.names()) and all(r["lag"] == 0 and r["position"] > 0 for r in models.values())
                    and rows[-1] == {"stage": "dead letters", "position": 5, "lag": None})

        deadline = time.monotonic() + 120
        while not caught_up():
            assert project.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "a read model is stuck:\n" + log.read_text()[-3000:]
            time.sleep(1)
        assert project.poll() is None, "the process must keep running"
    finally:
        project.send_signal(signal.SIGTERM)
        code = project.wait(timeout=60)
    assert code == 0
    assert "Exception in thread" not in log.read_text()

    listed = run(settings, "dlq", "list", "--json", **env)
    letters = sorted((d["projection"], d["reason"], d["error_class"]) for d in json.loads(listed.stdout))
    assert letters == [*[("audit_trail", "write_failed", "ValueError")] * 3,
                       ("case_view", "write_failed", "ValueError"), ("unit_occupancy", "write_failed", "ValueError")]
