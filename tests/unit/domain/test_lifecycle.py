"""The life story of `life_story.py` persisted in SQLite and read back whole by a fresh ledger.

The same story runs on PostgreSQL in `tests/integration/test_ledger_postgres.py`.
"""

from __future__ import annotations

from application.ledger import CaseLedger
from tests.unit.domain.life_story import assert_read_back, record_life_story


def test_the_life_story_persists_in_sqlite_and_reads_back_whole(tmp_path):
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite")}
    ledger = CaseLedger(env=env)
    story = record_life_story(ledger)
    ledger.close()

    reread = CaseLedger(env=env)
    assert_read_back(reread, story)
    reread.close()
