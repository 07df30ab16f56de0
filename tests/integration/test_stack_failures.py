"""A start that fails cleans up after itself and says what to do."""

from __future__ import annotations

import dataclasses

import pytest

from infra import stack
from infra.stack.kafka import KafkaServer
from infra.stack.process import cmdline
from tests.e2e.cli import run


def other_stack(stack_settings, tmp_path, **changes):
    return dataclasses.replace(stack_settings, state_dir=tmp_path / "state",
                               kafka_bootstrap_servers="127.0.0.1:39092", kafka_controller_port=39093,
                               pg_port=35432, **changes)


def test_a_broker_that_cannot_start_is_reported_with_its_log_and_leaves_no_process(stack_settings, tmp_path):
    # An unusable heap setting makes the JVM exit at once.
    settings = other_stack(stack_settings, tmp_path, kafka_heap="-Xmx1k")
    kafka = KafkaServer(settings)
    with pytest.raises(stack.StackError, match="exited with code"):
        kafka.start(timeout=30)
    assert kafka.pidfile.read() is None
    assert kafka.status()["state"] == "down"


def test_missing_java_is_reported_with_the_package_to_install(stack_settings, tmp_path):
    settings = other_stack(stack_settings, tmp_path)
    result = run(settings, "stack", "up", PATH="/nonexistent")
    assert result.returncode == 1
    assert "apt-get install" in result.stderr
    assert "openjdk-17-jre-headless" in result.stderr or "postgresql" in result.stderr
    # Nothing was left running on the other ports.
    assert all(row["state"] == "down" for row in stack.status(settings))


def test_storage_formats_with_a_cluster_id_that_starts_with_a_dash(stack_settings, tmp_path, monkeypatch):
    import uuid

    from infra.stack import kafka as kafka_module

    # 0xF8 makes the base64 cluster id start with "-", which an option parser could misread.
    monkeypatch.setattr(kafka_module.uuid, "uuid4", lambda: uuid.UUID(bytes=b"\xf8" + bytes(15)))
    server = KafkaServer(other_stack(stack_settings, tmp_path))
    server.write_config()
    server.format_storage()
    assert "cluster.id=-" in (server.data_dir / "meta.properties").read_text()
