"""`caseledger stack …` as a user runs it."""

from __future__ import annotations

import dataclasses

from tests.e2e.cli import run


def test_help_lists_the_commands_with_examples(stack_settings):
    result = run(stack_settings, "--help")
    assert result.returncode == 0
    assert "stack" in result.stdout and "examples:" in result.stdout


def test_stack_status_shows_both_servers_up_with_their_addresses(stack_settings):
    result = run(stack_settings, "stack", "status")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert " up " in lines["kafka"] and stack_settings.kafka_bootstrap_servers in lines["kafka"]
    assert " up " in lines["postgres"] and f":{stack_settings.pg_port}/" in lines["postgres"]


def test_stack_up_twice_is_harmless(stack_settings):
    result = run(stack_settings, "stack", "up")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("already running") == 2


def test_stack_status_on_a_stack_that_is_not_running_says_how_to_start_it(stack_settings, tmp_path):
    elsewhere = dataclasses.replace(stack_settings, state_dir=tmp_path, kafka_bootstrap_servers="127.0.0.1:39092",
                                    pg_port=35432)
    result = run(elsewhere, "stack", "status", "--json")
    assert result.returncode == 3
    assert '"state": "down"' in result.stdout
    assert "caseledger stack up" in run(elsewhere, "stack", "status").stderr
