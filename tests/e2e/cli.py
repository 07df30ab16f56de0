"""Run the `caseledger` command as a user would: a subprocess, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys


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
