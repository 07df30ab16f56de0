"""Run the `caseledger` command as a user would: a subprocess, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Any, Iterator


def env_for(settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_UNIT_EVENTS_TOPIC": settings.unit_events_topic,
        "CASELEDGER_LOG_FORMAT": "json",
    })
    if "CASELEDGER_TOKEN" not in extra:  # `record` acts as a principal: the harness transcribes
        env.pop("CASELEDGER_TOKEN", None)
        env["CASELEDGER_TOKEN"] = harness_token(settings)
    env.setdefault("CASELEDGER_PURPOSE", "CLI tests")  # reads of a youth's record state a purpose
    env.update(extra)
    return env


_TOKENS: dict[str, str] = {}


def harness_token(settings) -> str:
    """A token of a state-wide transcription service, made once per database (a dud if PostgreSQL is down).

    The tests' inputs name many actors (gerente, agente…), as transcribed records do; tests of
    authentication itself make their own principals (tests/e2e/test_cli_access.py).
    """
    import psycopg2

    from infra.bootstrap import pg_connector
    from infra.persistence.principals import PrincipalStore

    store = PrincipalStore(pg_connector(settings, "caseledger-tests"))
    try:
        token = _TOKENS.get(settings.pg_dsn)
        if token is None or store.by_token(token) is None:  # a fresh stack forgets the old one
            _, token = store.add("test harness", "servico_de_transcricao", state=True)
            _TOKENS[settings.pg_dsn] = token
    except psycopg2.OperationalError:  # `record` will say PostgreSQL is unreachable, as a user would see it
        return _TOKENS.get(settings.pg_dsn, "no-database-to-issue-a-token")
    return _TOKENS[settings.pg_dsn]


def run(settings, *args: str, input: str | None = None, timeout: float = 300, **extra_env: str):
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=env_for(settings, **extra_env),
                          input=input, capture_output=True, text=True, timeout=timeout)


@contextmanager
def a_fresh_ledger(stack_settings, **extra_env: str) -> Iterator[tuple[Any, str, dict[str, str]]]:
    """A story's own topics, event-store schema and read-model schemas on the test stack, dropped afterwards.

    Yields (settings, the store's schema, the environment the CLI runs with: POSTGRES_SCHEMA,
    CASELEDGER_PROJECTION_SCHEMA, CASELEDGER_DLQ_TOPIC and `extra_env`); every `*_SCHEMA` of the
    environment is dropped at the end."""
    import dataclasses
    import uuid

    import psycopg2

    from infra.topics import ensure_topics

    tag = uuid.uuid4().hex[:12]
    store = f"t_{tag}"
    settings = dataclasses.replace(stack_settings, case_events_topic=f"case.{tag}", unit_events_topic=f"unit.{tag}",
                                   dead_letter_topic=f"dlq.{tag}")
    ensure_topics(settings)
    env = {"POSTGRES_SCHEMA": store, "CASELEDGER_PROJECTION_SCHEMA": f"{store}_proj",
           "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic,
           **{k: v.format(tag=store) for k, v in extra_env.items()}}
    conn = psycopg2.connect(stack_settings.pg_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE SCHEMA "{store}"')
        yield settings, store, env
    finally:
        with conn.cursor() as cur:
            for key, schema in env.items():
                if key.endswith("_SCHEMA"):
                    cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()
