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
    env.update(extra)
    return env


def run(settings, *args: str, input: str | None = None, timeout: float = 300, **extra_env: str):
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], env=env_for(settings, **extra_env),
                          input=input, capture_output=True, text=True, timeout=timeout)
