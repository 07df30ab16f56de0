"""`caseledger stack up` gives a local stack without an administrator its first one, printing the token once."""

from __future__ import annotations

import re

import psycopg2
import pytest

from infra.persistence.principals import PrincipalStore
from tests.e2e.cli import run

pytestmark = pytest.mark.integration


def _active_admins(settings) -> list[dict]:
    store = PrincipalStore(lambda: psycopg2.connect(settings.pg_dsn))
    return [p for p in store.list() if p["role"] == "administrador" and p["active"]]


def test_stack_up_creates_a_first_administrator_and_prints_its_token_only_once(stack_settings):
    store = PrincipalStore(lambda: psycopg2.connect(stack_settings.pg_dsn))
    for admin in _active_admins(stack_settings):  # start from a stack with none
        store.revoke(admin["id"])
    first = run(stack_settings, "stack", "up")
    assert first.returncode == 0, first.stderr
    token = re.search(r"shown this once:\n  (\S+)", first.stdout).group(1)
    admins = _active_admins(stack_settings)
    assert len(admins) == 1 and admins[0]["state"] is True
    assert store.by_token(token)["id"] == admins[0]["id"]
    again = run(stack_settings, "stack", "up")
    assert again.returncode == 0 and "first administrator" not in again.stdout and token not in again.stdout
    assert len(_active_admins(stack_settings)) == 1
