"""Test session fixtures.

Integration tests run against the real servers: a Kafka broker and a PostgreSQL
server of their own (state in .stack/test, ports apart from the development
stack), started once per test session and stopped at the end, even when tests
fail. Each test gets its own topics and its own database schema.

Two test sessions at once in one checkout would share (and stop) one stack:
give each its own with CASELEDGER_TEST_STACK=<n> (1–9), which moves the state to
.stack/test-<n> and the ports up by 100·n.

A module that needs production's replication asks for `cluster_settings`: three
Kafka nodes of their own (state in .stack/test[-n]-cluster, the slot's Kafka ports
+30, +40, +50), started fresh for the module and stopped after it, beside the
session's PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from pathlib import Path

import pytest

from infra.settings import REPO_ROOT, Settings
from infra.persistence.keys import process_key_service

process_key_service()  # personal fields are sealed: codecs of tests that build no ledger seal with this process's keys

_SLOT = int(os.environ.get("CASELEDGER_TEST_STACK") or 0)
if not 0 <= _SLOT <= 9:
    raise SystemExit(f"CASELEDGER_TEST_STACK={_SLOT}: use 1 to 9 (or leave it unset)")
TEST_STATE = REPO_ROOT / ".stack" / ("test" if _SLOT == 0 else f"test-{_SLOT}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/integration/" in str(item.fspath) or "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def test_settings() -> Settings:
    """Settings of the test stack: the development defaults moved to other ports and folders."""
    base = Settings.from_env({})
    return dataclasses.replace(
        base,
        state_dir=TEST_STATE,
        kafka_bootstrap_servers=f"127.0.0.1:{29092 + 100 * _SLOT}",
        kafka_controller_port=29093 + 100 * _SLOT,
        pg_port=25432 + 100 * _SLOT,
        log_format="console",
    ).with_brokers(1)  # one node, whatever the development stack in .stack/ remembers


test_settings.__test__ = False  # a helper, not a test


def cluster_test_settings() -> Settings:
    """The test settings with three Kafka nodes of their own, apart from the session's broker."""
    return dataclasses.replace(
        test_settings(),
        state_dir=TEST_STATE.with_name(TEST_STATE.name + "-cluster"),
        kafka_bootstrap_servers=f"127.0.0.1:{29092 + 100 * _SLOT + 30}",
        kafka_controller_port=29093 + 100 * _SLOT + 30,
        kafka_node_port_step=10,
    ).with_brokers(3)


@pytest.fixture(scope="module")
def cluster_settings() -> Settings:
    """A three-node Kafka cluster (RF 3, min ISR 2) for one test module, and the test PostgreSQL.

    The cluster starts from empty storage each time (faster, and no topics of earlier runs) and
    is stopped when the module ends; PostgreSQL is stopped too if this fixture started it.
    """
    from infra.stack import KafkaCluster, PostgresServer, StackError

    settings = cluster_test_settings()
    postgres = PostgresServer(test_settings())
    started_postgres = not postgres.running_pid()
    cluster = KafkaCluster(settings)
    cluster.stop()  # left running by an interrupted session
    shutil.rmtree(cluster.home, ignore_errors=True)
    try:
        postgres.start()
        cluster.start()
    except StackError as exc:
        cluster.stop()
        if started_postgres:
            postgres.stop()
        pytest.fail(f"the test cluster could not start: {exc}", pytrace=False)
    # The cluster's state dir is its own, but PostgreSQL is the session's: its password is there.
    base = test_settings()
    # The key file too: the cluster's ledgers seal into the session database's key store, whose
    # data keys the session's key-encryption key wrapped.
    yield dataclasses.replace(settings, pg_password=base.pg_password_for(base.pg_user),
                              data_key_file=base.data_key_path)
    cluster.stop()
    if started_postgres:
        postgres.stop()


@pytest.fixture(scope="session")
def stack_settings() -> Settings:
    """The running test stack (started here once; stopped when the session ends)."""
    from infra import stack

    settings = test_settings()
    try:
        stack.up(settings)
    except stack.StackError as exc:
        stack.down(settings)
        pytest.fail(f"the test stack could not start: {exc}", pytrace=False)
    yield settings
    stack.down(settings)


@pytest.fixture
def unique_topic():
    """A factory of fresh topic names, so tests never see each other's records."""

    def make(prefix: str = "test") -> str:
        return f"{prefix}.{uuid.uuid4().hex[:12]}"

    return make


@pytest.fixture
def pg_schema(stack_settings):
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    import psycopg2

    def execute(statement: str) -> None:
        # A connection of its own each time: fault tests restart the server in between.
        conn = psycopg2.connect(stack_settings.pg_dsn)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    name = f"t_{uuid.uuid4().hex[:12]}"
    execute(f'CREATE SCHEMA "{name}"')
    yield name
    execute(f'DROP SCHEMA "{name}" CASCADE')
    execute(f'DROP SCHEMA IF EXISTS "{name}_views" CASCADE')  # read models of the CLI tests, if any


@pytest.fixture
def es_env(stack_settings, pg_schema) -> dict[str, str]:
    """Environment for an eventsourcing Application storing in this test's schema."""
    return stack_settings.eventsourcing_env(POSTGRES_SCHEMA=pg_schema)
