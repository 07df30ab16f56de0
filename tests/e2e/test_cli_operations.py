"""Operator commands not covered elsewhere, run as a user runs them."""

from __future__ import annotations

import dataclasses

from tests.e2e.cli import run


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
    listed = run(stack_settings, "schemas", "list", "--from-topic", CASELEDGER_SCHEMA_TOPIC=topic)
    assert listed.returncode == 0 and "Case.IntakeRecorded" in listed.stdout


def test_dlq_redrive_dry_run_with_no_dead_letters_applies_nothing(stack_settings, pg_schema, unique_topic):
    env = {"CASELEDGER_DLQ_TOPIC": unique_topic("dlq"), "CASELEDGER_PROJECTION_SCHEMA": f"{pg_schema}_views"}
    result = run(stack_settings, "dlq", "redrive", "--projection", "audit_trail", "--dry-run", **env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "audit_trail: would apply 0, already re-driven 0, still failing 0" in result.stdout
