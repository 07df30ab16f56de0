"""`caseledger sipia run | report | submit` as the unit's SIPIA operator runs them: a subprocess, real servers.

The simulated year's first week (seed 2025) is recorded and relayed once for the module in its own
event-store schema and topics; the feed runs into its own schema WITHOUT the key file (it needs
none); the report, run by a principal of the unit, opens the identifiers in the ledger.
"""

from __future__ import annotations

import csv
import dataclasses
import json

import psycopg2
import pytest

from infra.simulation import generate
from tests.e2e.cli import a_fresh_ledger, run
from tests.e2e.test_cli_access import token

STORY_COMMANDS = 400  # 2025-01-01 .. 2025-01-07: eight units, ~40 intakes
UNIT = "MT-CGB-INT-M"
FIRST = "2025-01-01..2025-01-03"
SECOND = "2025-01-04..2025-01-07"


@dataclasses.dataclass(frozen=True)
class Story:
    settings: object
    env: dict[str, str]
    sipia_schema: str

    def run(self, *args: str, **kw):
        return run(self.settings, *args, **{**self.env, **kw})

    def feed(self):
        # No key file at all: the feed opens no sealed value (docs/SIPIA.md).
        fed = self.run("sipia", "run", "--until-caught-up", CASELEDGER_KEY_FILE="/nonexistent/no-key-here.key")
        assert fed.returncode == 0, fed.stderr[-2000:]
        return fed


@pytest.fixture(scope="module")
def story(stack_settings):
    with a_fresh_ledger(stack_settings, CASELEDGER_SIPIA_SCHEMA="{tag}_sipia") as (settings, _, env):
        commands = [p.command for p in generate(seed=2025)[:STORY_COMMANDS] if not p.expect_refusal]
        recorded = run(settings, "record", "-", input="\n".join(json.dumps(c, ensure_ascii=False) for c in commands),
                       **env)
        assert recorded.returncode == 0, recorded.stderr[-2000:]
        relayed = run(settings, "relay", "--once", **env)
        assert relayed.returncode == 0, relayed.stderr[-2000:]
        s = Story(settings, env, env["CASELEDGER_SIPIA_SCHEMA"])
        s.feed()
        yield s


def _report(story, tmp_path, period=FIRST, *extra, **env):
    result = story.run("sipia", "report", UNIT, "--period", period, "--output-dir", str(tmp_path), *extra,
                       CASELEDGER_PURPOSE="envio mensal ao SIPIA", **env)
    return result


def test_help_explains_the_report_with_examples(story):
    result = story.run("sipia", "report", "--help")
    assert result.returncode == 0
    assert "--period 2026-03-01..2026-03-31" in result.stdout and "R-61" in result.stdout


def test_report_writes_csv_and_json_with_the_registry_terms_and_the_opened_identifiers(story, tmp_path):
    result = _report(story, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"unit {UNIT}, 2025-01-01 .. 2025-01-03" in result.stdout and "digest: " in result.stdout
    data = json.loads((tmp_path / f"sipia-{UNIT}-2025-01-01-2025-01-03.json").read_text())
    assert data["counts"]["entries"] == len(data["entries"]) > 0
    assert data["counts"]["active"] == len(data["active"]) > 0
    entry = data["entries"][0]
    assert entry["movement"] == "entrada" and entry["movement_raw"] == "IntakeRecorded"
    assert entry["modality"] == "meio_fechado" and entry["measure"] in ("internacao", "internacao_provisoria")
    assert entry["process_number"]  # opened in the ledger by the report, not by the feed
    with open(tmp_path / f"sipia-{UNIT}-2025-01-01-2025-01-03.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(data["active"]) + len(data["entries"]) + len(data["exits"])
    assert {r["section"] for r in rows} >= {"active", "entry"} and all(r["process_number"] for r in rows)
    assert data["differences"]["last_export"] is None


def test_the_feed_keeps_no_identifier_in_its_tables(story, tmp_path):
    data = json.loads(_report(story, tmp_path, FIRST, "--json").stdout)
    numbers = {r["process_number"] for r in data["entries"]}
    conn = psycopg2.connect(story.settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                        (story.sipia_schema,))
            dump = ""
            for (table,) in cur.fetchall():
                cur.execute(f'SELECT * FROM "{story.sipia_schema}"."{table}"')
                dump += repr(cur.fetchall())
    finally:
        conn.close()
    assert numbers and not any(n in dump for n in numbers)


def test_report_needs_a_purpose_and_a_principal_of_the_unit_r61(story, tmp_path):
    _, other = token(story.settings, "--role", "gerente", "--unit", "MT-SNP-INT")
    refused = _report(story, tmp_path, FIRST, CASELEDGER_TOKEN=other)
    assert refused.returncode == 3 and "refused R-61" in refused.stderr and not list(tmp_path.iterdir())
    no_purpose = story.run("sipia", "report", UNIT, "--period", FIRST, "--output-dir", str(tmp_path),
                           CASELEDGER_PURPOSE="")
    assert no_purpose.returncode == 2 and "--purpose" in no_purpose.stderr


def test_a_bad_period_or_unknown_unit_is_a_clear_error(story, tmp_path):
    bad = story.run("sipia", "report", UNIT, "--period", "2025-01-07..2025-01-01", "--output-dir", str(tmp_path))
    assert bad.returncode == 2 and "starts (2025-01-07) after it ends" in bad.stderr and "Traceback" not in bad.stderr
    unknown = story.run("sipia", "report", "XX-NONE", "--period", FIRST, "--output-dir", str(tmp_path))
    assert unknown.returncode == 2 and "units known:" in unknown.stderr and UNIT in unknown.stderr


def test_submitted_export_is_an_event_of_the_unit_and_the_next_report_compares_with_it(story, tmp_path):
    first = json.loads(_report(story, tmp_path, FIRST, "--json").stdout)
    _, gerente = token(story.settings, "--role", "gerente", "--unit", UNIT)
    submitted = story.run("sipia", "submit", UNIT, "--period", FIRST, "--receipt", "SIPIA-2025-0001",
                          "--at", "2025-01-04T10:00-04:00", CASELEDGER_TOKEN=gerente)
    assert submitted.returncode == 0, submitted.stderr[-2000:]
    assert first["digest"] in submitted.stderr and "1 recorded" in submitted.stderr
    again = story.run("sipia", "submit", UNIT, "--period", FIRST, "--receipt", "SIPIA-2025-0001",
                      "--at", "2025-01-04T10:00-04:00", CASELEDGER_TOKEN=gerente)
    assert again.returncode == 0 and "1 already recorded" in again.stderr
    assert story.run("relay", "--once").returncode == 0
    story.feed()
    second = json.loads(_report(story, tmp_path, SECOND, "--json").stdout)
    d = second["differences"]
    assert d["last_export"]["receipt_number"] == "SIPIA-2025-0001"
    assert d["last_export"]["report_digest"] == first["digest"]
    assert d["exported_period_unchanged"] is True
    still = {y["case_id"] for y in first["active"]} & {y["case_id"] for y in second["active"]}
    assert set(d["active_since_export"]["left"]) == {y["case_id"] for y in first["active"]} - still


def test_status_shows_the_sipia_feed_caught_up(story):
    rows = {r["stage"]: r for r in json.loads(story.run("status", "--json").stdout)}
    feed = next(r for stage, r in rows.items() if stage.startswith("SIPIA feed"))
    assert feed["lag"] == 0 and feed["position"] > 0
