"""Done-when of the sealing work: after the demo, the demo's names and documents are in clear nowhere in
the raw PostgreSQL data directory, the Kafka log segments or any log (ECA art. 143; LGPD art. 14)."""

from __future__ import annotations

import os

import psycopg2

from tests.e2e.cli import run

# What the simulated year writes into personal fields (infra/simulation.py): civil documents, names,
# visitors, escorts.
NEEDLES = [b"RG-FICT-", "(fictício)".encode(), "Visitante fictício".encode(), "Policial fictício".encode(),
           # … and the clinical detail of the health entries (LGPD art. 11): medicine, reason, medical report.
           b"amoxicilina", "acompanhamento psicossocial".encode(), b"LAUDO-", "avaliação clínica de ingresso".encode()]


def _files(root):
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def _another_tests_topic(path: str) -> bool:
    """A Kafka partition folder of a topic some other test of the session made (the segments of the
    demo's topics and of Kafka's own, transactions and offsets included, are all scanned)."""
    parts = path.split(os.sep)
    if "data" not in parts or "kafka" not in parts:
        return False
    topic_dir = parts[parts.index("data") + 1] if parts.index("data") + 1 < len(parts) - 1 else ""
    return bool(topic_dir) and not topic_dir.startswith(("caseledger.demo.", "__"))


def test_after_the_demo_no_name_or_document_is_in_clear_in_postgres_files_kafka_segments_or_logs(stack_settings):
    result = run(stack_settings, "demo", "--scale", "0.2", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    conn = psycopg2.connect(stack_settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CHECKPOINT")  # the heap files on disk hold what the tables hold
    conn.close()
    found, scanned = [], 0
    for path in _files(stack_settings.state_dir):
        if "/libs/" in path or path.endswith(".jar"):
            continue
        if _another_tests_topic(path):
            continue
        with open(path, "rb") as handle:
            data = handle.read()
        scanned += 1
        found += [(path, needle) for needle in NEEDLES if needle in data]
    for needle in NEEDLES:
        assert needle not in result.stderr.encode(), needle  # structured logs
    assert scanned > 50
    assert not found, found[:10]
