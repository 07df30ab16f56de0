"""The read-model commands as auditors, staff and operators run them: a subprocess, settings from the environment.

One short story (the simulated year's first week, seed 2025) is recorded, relayed and projected once
for the module, in its own event-store schema, projection schema and topics; every test then queries it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import uuid

import pytest

from infra.commands.queries import EXPORT_COLUMNS
from infra.simulation import generate
from tests.e2e.cli import a_fresh_ledger, run

STORY_COMMANDS = 400  # 2025-01-01 .. 2025-01-07: eight units, ~40 intakes, rooms, acolhimento, visits
DAY = "2025-01-07"
UNIT = "MT-CGB-INT-M"
SL_UNIT = "MT-CGB-SL"


def record_schooling(settings, env, commands) -> str:
    """A youth of the semiliberdade unit enrolled in school with January's attendance (3 of 5 days, 1 justified:
    75 %), the month closed by the gerente on 10 February, then corrected to 4 days: flagged to reissue (R-66)."""
    from infra.simulation import actor, unit_id, UNITS

    plan = next(u for u in UNITS if u.code == SL_UNIT)
    case = next(c["case_id"] for c in commands if c["command"] == "record_intake" and c["unit_id"] == unit_id(SL_UNIT))
    pedagogue, manager = actor(plan, "pedagogo"), actor(plan, "gerente")
    first = [{"command": "record_enrolment", "case_id": case, "kind": "escola", "institution": "Escola Estadual Fictícia",
              "started_on": "2025-01-06", "occurred_at": "2025-01-07T15:00:00-04:00", "actor": pedagogue},
             {"command": "record_attendance", "case_id": case, "activity_id": None, "month": "2025-01",
              "days_expected": 5, "days_present": 3, "justified_absences": 1,
              "occurred_at": "2025-01-07T16:00:00-04:00", "actor": pedagogue}]
    enrolled = run(settings, "record", "-", "--json", input=json.dumps(first[0]), **env)
    assert enrolled.returncode == 0, enrolled.stderr[-2000:]
    first[1]["activity_id"] = json.loads(enrolled.stdout.splitlines()[0])["result"]
    attended = run(settings, "record", "-", "--json", input=json.dumps(first[1]), **env)
    assert attended.returncode == 0, attended.stderr[-2000:]
    version = json.loads(attended.stdout.splitlines()[0])["events"][0]["version"]
    later = [{"command": "close_attendance_month", "unit_id": unit_id(SL_UNIT), "month": "2025-01",
              "occurred_at": "2025-02-10T16:00:00-04:00", "actor": manager},
             {"command": "correct_case_entry", "case_id": case, "target_version": version,
              "corrections": [{"field": "days_present", "value": "4"}], "reason": "diário da escola",
              "authorised_by": manager, "occurred_at": "2025-02-12T10:00:00-04:00", "actor": pedagogue}]
    closed = run(settings, "record", "-", input="\n".join(json.dumps(c) for c in later), **env)
    assert closed.returncode == 0, closed.stderr[-2000:] + closed.stdout[-2000:]
    return case


@dataclasses.dataclass(frozen=True)
class Story:
    settings: object
    env: dict[str, str]
    events: int
    case_id: str  # a youth inside UNIT on DAY
    schooled: str = ""  # a youth of SL_UNIT with a school enrolment and a corrected attendance of a closed month

    def run(self, *args: str, **kw):
        return run(self.settings, *args, **{**self.env, **kw})


@pytest.fixture(scope="module")
def story(stack_settings):
    with a_fresh_ledger(stack_settings) as (settings, _, env):
        commands = [p.command for p in generate(seed=2025)[:STORY_COMMANDS] if not p.expect_refusal]
        recorded = run(settings, "record", "-", input="\n".join(json.dumps(c, ensure_ascii=False) for c in commands),
                       **env)
        assert recorded.returncode == 0, recorded.stderr[-2000:]
        schooled = record_schooling(settings, env, commands)
        relayed = run(settings, "relay", "--once", **env)
        assert relayed.returncode == 0, relayed.stderr[-2000:]
        events = json.loads(run(settings, "status", "--json", **env).stdout)[0]["position"]
        projected = run(settings, "project", "--until-caught-up", **env)
        assert projected.returncode == 0, projected.stderr[-2000:]
        listed = json.loads(run(settings, "case", "list", "--unit", UNIT, "--status", "ativo", "--as-of", DAY,
                                "--json", **env).stdout)
        assert listed, "the story has nobody in the Cuiabá internação unit"
        yield Story(settings, env, events, listed[0]["case_id"], schooled)


def test_project_again_is_harmless_and_lists_the_read_models(story):
    again = story.run("project", "--until-caught-up")
    assert again.returncode == 0, again.stderr[-2000:]
    assert story.run("project", "--list").stdout.split() == ["audit_trail", "case_view", "schooling_frequency",
                                                             "unit_occupancy"]


def test_replay_dry_run_finds_the_rebuilt_case_view_identical_and_switches_nothing(story):
    result = story.run("replay", "case_view", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    report, = json.loads(result.stdout)
    assert report["projection"] == "case_view"
    assert report["identical"] is True and report["switched"] is False
    assert report["events"] > 0 and all(t["changed"] == 0 for t in report["tables"])


def test_replay_of_every_read_model_in_one_pass_switches_each_to_an_identical_generation(story):
    result = story.run("replay", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    reports = json.loads(result.stdout)
    assert [r["projection"] for r in reports] == ["audit_trail", "case_view", "schooling_frequency", "unit_occupancy"]
    for r in reports:
        assert r["switched"] is True and r["identical"] is True, r
        assert r["generation"] == r["previous"] + 1
        assert all(t["rebuilt_rows"] == t["live_rows"] for t in r["tables"]), r
        assert r["events"] > 0 and sum(t["rebuilt_rows"] for t in r["tables"]) > 0, r


def test_history_as_of_a_date_shows_the_entries_that_occurred_by_then(story):
    result = story.run("history", story.case_id, "--as-of", DAY)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith(f"case {story.case_id} — as of {DAY}")
    assert "IntakeRecorded" in result.stdout and "state then: status=ativo" in result.stdout
    before = story.run("history", story.case_id, "--as-of", "2024-12-31")
    assert "(no entries occurred by then)" in before.stdout


def test_history_as_recorded_at_a_time_shows_what_the_ledger_said_then(story):
    now = story.run("history", story.case_id, "--as-recorded-at", "2100-01-01T00:00", "--json")
    entries = json.loads(now.stdout)["entries"]
    assert entries and json.loads(now.stdout)["axis"] == "as_recorded_at"
    before_recording = story.run("history", story.case_id, "--as-recorded-at", "2000-01-01T00:00")
    assert before_recording.returncode == 0
    assert "(no entries recorded by then)" in before_recording.stdout


def test_case_show_gives_the_case_and_its_clocks(story):
    result = story.run("case", "show", story.case_id, "--as-of", DAY, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    shown = json.loads(result.stdout)
    assert shown["case"]["case_id"] == story.case_id and shown["case"]["status"] == "ativo"
    assert "K-ACOLH3" in {c["clock"] for c in shown["clocks"]}
    table = story.run("case", "show", story.case_id, "--as-of", DAY)
    assert "K-ACOLH3" in table.stdout and "Reg. arts. 32, 39" in table.stdout


def test_case_list_filters_by_unit_and_status(story):
    rows = json.loads(story.run("case", "list", "--unit", UNIT, "--status", "ativo", "--as-of", DAY, "--json").stdout)
    assert story.case_id in {r["case_id"] for r in rows}
    assert {r["status"] for r in rows} == {"ativo"} and len({r["unit_id"] for r in rows}) == 1
    table = story.run("case", "list", "--as-of", DAY)
    assert table.returncode == 0 and story.case_id in table.stdout


def test_unit_occupancy_counts_the_active_cases_of_the_unit(story):
    result = story.run("unit", "occupancy", UNIT, "--as-of", DAY, "--from", "2025-01-01", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    occupancy = json.loads(result.stdout)
    active = json.loads(story.run("case", "list", "--unit", UNIT, "--status", "ativo", "--as-of", DAY,
                                  "--json").stdout)
    assert occupancy["unit"]["population"] == len(active) == sum(b["count"] for b in occupancy["breakdown"])
    assert occupancy["unit"]["capacity"] == 40 and len(occupancy["series"]) == 7


def test_unit_frequency_gives_the_months_figures_and_flags_a_closed_month_corrected_later(story):
    shown = story.run("unit", "frequency", SL_UNIT, "--month", "2025-01", "--json")
    assert shown.returncode == 0, shown.stderr[-2000:]
    table = json.loads(shown.stdout)
    assert table["unit"]["month"] == "2025-01" and table["unit"]["to_reissue"] is True
    row, = [r for r in table["rows"] if r["case_id"] == story.schooled]
    assert (row["expected"], row["present"], row["justified"]) == (5, 4, 1)
    assert (row["frequency"], row["as_closed"], row["below_85"], row["to_reissue"]) == (100.0, 75.0, False, True)
    people = story.run("unit", "frequency", SL_UNIT, "--month", "2025-01")
    assert people.returncode == 0 and "TO REISSUE" in people.stdout and "Escola Estadual Fictícia" in people.stdout


def test_unit_frequency_of_a_month_written_otherwise_says_how_to_write_it(story):
    wrong = story.run("unit", "frequency", SL_UNIT, "--month", "01/2025")
    assert wrong.returncode != 0 and "YYYY-MM" in wrong.stderr and "Traceback" not in wrong.stderr


def test_unit_occupancy_plot_writes_a_png(story, tmp_path):
    path = tmp_path / "occupancy.png"
    result = story.run("unit", "occupancy", UNIT, "--as-of", DAY, "--from", "2025-01-01", "--plot", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {path}" in result.stderr


def test_clocks_give_each_deadline_with_its_legal_source(story):
    result = story.run("clocks", "--unit", UNIT, "--as-of", DAY, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    clocks = json.loads(result.stdout)
    assert {"K-ACOLH3", "K-TRIAG8"} <= {c["clock"] for c in clocks}
    assert all(c["source"] for c in clocks)


def test_audit_export_csv_has_one_row_per_event_and_the_documented_columns(story):
    result = story.run("audit", "export", "--format", "csv")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == story.events
    assert list(rows[0]) == EXPORT_COLUMNS
    assert any(r["event_type"] == "Case.IntakeRecorded" for r in rows)


def test_audit_export_jsonl_withholds_personal_data(story, tmp_path):
    path = tmp_path / "audit.jsonl"
    result = story.run("audit", "export", "--format", "jsonl", "--output", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == story.events and f"{story.events} entries written" in result.stderr
    registered = [json.loads(x["payload"]) for x in lines if x["event_type"] == "Case.AdolescentRegistered"]
    assert registered and all(p["name"] == "(withheld: personal data)" for p in registered)


def test_dlq_list_says_there_are_no_dead_letters(story):
    result = story.run("dlq", "list")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"no dead letters on {story.settings.dead_letter_topic}" in result.stdout


def test_schemas_list_and_check(story):
    listed = story.run("schemas", "list")
    assert listed.returncode == 0 and "Case.IntakeRecorded" in listed.stdout
    checked = story.run("schemas", "check")
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert checked.stdout.startswith("ok:")


def test_inspection_markdown_gives_the_cnmp_figures_of_the_unit(story):
    result = story.run("inspection", UNIT, "--date", DAY)
    assert result.returncode == 0, result.stderr[-2000:]
    population = json.loads(story.run("unit", "occupancy", UNIT, "--as-of", DAY, "--json").stdout)["unit"]["population"]
    text = result.stdout
    assert text.startswith("# Relatório de inspeção — Centro Socioeducativo de Cuiabá (masculino)")
    # Labels are the form items' numbers and wording (projections/cnmp67_items.json; Annexes I and III).
    assert "**III 1.4 Capacidade total:** 40" in text
    assert f"**I 1.4 / III 1.7 Número atual de internos:** {population}" in text
    assert f"**Total geral:** {population}" in text
    assert "## 5. Relatórios de reavaliação da medida (art. 121 §2º do ECA; art. 42 do SINASE)" in text
    assert "Adolescentes por modalidade, faixa etária e sexo" in text


def test_inspection_html_is_a_self_contained_page(story, tmp_path):
    path = tmp_path / "inspecao.html"
    result = story.run("inspection", UNIT, "--date", DAY, "--format", "html", "--out", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<link" not in page
    assert "<th>III 1.4 Capacidade total</th><td>40</td>" in page and "</html>" in page


def test_inspection_coverage_counts_the_items_of_the_units_forms(story):
    from projections.form_items import coverage

    result = story.run("inspection", UNIT, "--coverage")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = {line.split()[1]: line.split()[2:] for line in result.stdout.splitlines() if line.startswith("Anexo ")}
    assert set(lines) == {"I", "III"}  # an internação unit: the bimestral and the annual internação forms
    assert int(lines["III"][0]) == coverage()["III"]["computed"]


def test_inspection_of_an_unknown_unit_lists_the_units(story):
    result = story.run("inspection", "NO-SUCH-UNIT", "--date", DAY)
    assert result.returncode == 2
    assert "no unit 'NO-SUCH-UNIT'" in result.stderr and "units known:" in result.stderr


def test_an_unknown_case_says_how_to_list_cases(story):
    missing = str(uuid.uuid4())
    for args in (("case", "show", missing), ("history", missing, "--as-of", DAY)):
        result = story.run(*args)
        assert result.returncode == 2
        assert f"no case {missing}" in result.stderr and "caseledger case list" in result.stderr
        assert "Traceback" not in result.stderr


def test_status_shows_every_read_model_caught_up_and_no_dead_letters(story):
    result = story.run("status", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {r["stage"]: r for r in json.loads(result.stdout)}
    assert rows["event store"]["position"] == story.events
    assert rows["relay → Kafka"]["lag"] == 0
    models = [stage for stage in rows if stage.startswith("projection ")]
    assert len(models) >= 3 and all("(v" in stage for stage in models)
    assert all(rows[stage]["lag"] == 0 and rows[stage]["position"] >= story.events for stage in models
               if "audit_trail" in stage)
    assert all(rows[stage]["lag"] == 0 for stage in models)
    assert rows["dead letters"]["position"] == 0


def test_history_clocks_and_case_take_as_of_and_as_recorded_at_together(story):
    # Issue 18, the bitemporal point: what the ledger said at TIME about DATE.
    for args in (("history", story.case_id), ("clocks",), ("case", "show", story.case_id), ("case", "list")):
        both = story.run(*args, "--as-of", DAY, "--as-recorded-at", "2100-01-01T00:00", "--json")
        assert both.returncode == 0, (args, both.stderr[-2000:])
        one_axis = json.loads(story.run(*args, "--as-of", DAY, "--json").stdout)
        if args[0] == "history":  # the same entries and state; the axis says both were given
            assert json.loads(both.stdout)["axis"] == "as_of+as_recorded_at"
            both, one_axis = ({k: v for k, v in d.items() if k != "axis"} for d in (json.loads(both.stdout), one_axis))
            assert both == one_axis
        else:
            assert json.loads(both.stdout) == one_axis
    before = story.run("history", story.case_id, "--as-of", DAY, "--as-recorded-at", "2000-01-01T00:00", "--json")
    assert json.loads(before.stdout)["entries"] == []


# -- who reads: every query acts as a principal (R-61: ECA arts. 143–144, SINASE art. 59) ------------


def _token(story: Story, *scope: str) -> tuple[str, str]:
    from tests.e2e.test_cli_access import token

    return token(story.settings, *scope)


def test_reading_a_youths_record_needs_a_credential_and_a_purpose(story):
    anonymous = story.run("history", story.case_id, "--as-of", DAY, CASELEDGER_TOKEN="")
    assert anonymous.returncode == 2 and "no credential" in anonymous.stderr and "--as TOKEN" in anonymous.stderr
    assert "IntakeRecorded" not in anonymous.stdout
    _, secret = _token(story, "--role", "gerente", "--unit", UNIT)
    no_purpose = story.run("case", "show", story.case_id, CASELEDGER_TOKEN=secret, CASELEDGER_PURPOSE="")
    assert no_purpose.returncode == 2 and "--purpose TEXT" in no_purpose.stderr and no_purpose.stdout == ""


def test_staff_read_the_records_of_their_unit_and_are_refused_another_units_r61(story):
    _, own = _token(story, "--role", "gerente", "--unit", UNIT)
    assert story.run("history", story.case_id, "--as-of", DAY, CASELEDGER_TOKEN=own).returncode == 0
    _, other = _token(story, "--role", "gerente", "--unit", "MT-SNP-INT")
    refused = story.run("history", story.case_id, "--as-of", DAY, CASELEDGER_TOKEN=other)
    assert refused.returncode == 3 and "refused R-61" in refused.stderr and "ECA arts. 143" in refused.stderr
    assert "IntakeRecorded" not in refused.stdout
    theirs = json.loads(story.run("case", "list", "--as-of", DAY, "--json", CASELEDGER_TOKEN=other).stdout)
    ours = json.loads(story.run("case", "list", "--as-of", DAY, "--json", CASELEDGER_TOKEN=own).stdout)
    assert story.case_id in {c["case_id"] for c in ours} and story.case_id not in {c["case_id"] for c in theirs}
    assert {c["unit_id"] for c in ours} == {ours[0]["unit_id"]}


def test_a_state_manager_reads_occupancy_and_inspection_but_no_youths_record(story):
    _, manager = _token(story, "--role", "gestor_estadual", "--state")
    assert story.run("unit", "occupancy", UNIT, "--as-of", DAY, "--json", CASELEDGER_TOKEN=manager).returncode == 0
    assert story.run("inspection", UNIT, "--date", DAY, CASELEDGER_TOKEN=manager).returncode == 0
    for argv in (["history", story.case_id, "--as-of", DAY], ["case", "show", story.case_id],
                 ["case", "list"], ["clocks"], ["audit", "export", "--format", "jsonl"]):
        refused = story.run(*argv, CASELEDGER_TOKEN=manager)
        assert refused.returncode == 3 and "R-61" in refused.stderr, (argv, refused.stderr)
        assert story.case_id not in refused.stdout


def test_each_cli_read_of_a_record_is_in_the_case_access_log_with_who_and_why(story):
    promotor, secret = _token(story, "--role", "ministerio_publico", "--comarca", "Cuiabá")
    shown = story.run("case", "show", story.case_id, "--purpose", "inspeção bimestral", CASELEDGER_TOKEN=secret)
    assert shown.returncode == 0, shown.stderr
    log = json.loads(story.run("access-log", story.case_id, "--json", CASELEDGER_TOKEN=secret).stdout)
    mine = [r for r in log if r["principal_id"] == promotor]
    assert [(r["what"], r["purpose"], r["channel"], r["role"]) for r in mine] == [
        ("case view", "inspeção bimestral", "cli", "ministerio_publico")]

def test_unit_occupancy_takes_as_of_and_as_recorded_at_together(story):
    """The bitemporal point: the day asked (valid time) as the ledger said it at a time (transaction time)."""
    def population(*extra):
        result = story.run("unit", "occupancy", UNIT, "--as-of", DAY, *extra, "--json")
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)["unit"]["population"]

    now = population()
    assert now > 0
    assert population("--as-recorded-at", "2099-01-01T00:00") == now
    # The story is recorded when the test runs: before that, the ledger held nobody in the unit.
    assert population("--as-recorded-at", "2000-01-01T00:00") == 0


def test_inspection_takes_as_of_and_as_recorded_at_together(story):
    later = story.run("inspection", UNIT, "--as-of", DAY, "--as-recorded-at", "2099-01-01T00:00")
    assert later.returncode == 0, later.stderr[-2000:]
    # Every report states the recording time it was read as of (issue 21): the same but for that line.
    def figures(text):
        return [line for line in text.splitlines() if "Registros considerados" not in line]

    assert figures(later.stdout) == figures(story.run("inspection", UNIT, "--date", DAY).stdout)
    assert "registrados até 01/01/2099 00:00:00 (horário de Cuiabá)" in later.stdout
    before = story.run("inspection", UNIT, "--as-of", DAY, "--as-recorded-at", "2000-01-01T00:00")
    assert before.returncode == 0, before.stderr[-2000:]
    assert "**I 1.4 / III 1.7 Número atual de internos:** 0" in before.stdout


# -- the inspector's part: answers filed with the computed report as one event of the unit (issue 21) --------


def _answers(tmp_path, answers):
    path = tmp_path / "respostas.json"
    path.write_text(json.dumps({"kind": "bimestral", "inspected_at": f"{DAY}T10:00:00-04:00", "promotor_id": "mp-cgb-1",
                                "answers": answers}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _caught_up(story):
    for argv in (("relay", "--once"), ("project", "--until-caught-up")):
        done = story.run(*argv)
        assert done.returncode == 0, done.stderr[-2000:]


def test_inspectors_answers_are_filed_with_the_report_and_reissued_exactly_as_filed(story, tmp_path):
    _, promotor = _token(story, "--role", "ministerio_publico", "--comarca", "Cuiabá")
    answers = {"I 3.13 #1": "Sim", "I 1.3.5": ["Espaço físico insuficiente"], "III 3.2.1": {"text": "CREAS Cuiabá"}}
    filed = story.run("inspection", UNIT, "--date", DAY, "--answers", _answers(tmp_path, answers), "--file",
                      "--format", "json", CASELEDGER_TOKEN=promotor)
    assert filed.returncode == 0, filed.stderr[-2000:]
    inspection_id = filed.stderr.split("inspection report filed: inspection ")[1].split(",")[0]
    at_filing = json.loads(filed.stdout)
    _caught_up(story)
    listed = story.run("inspection", UNIT, "--filings", CASELEDGER_TOKEN=promotor)
    assert inspection_id in listed.stdout, listed.stdout  # in the unit's history
    reissued = story.run("inspection", UNIT, "--filed", inspection_id, "--format", "json", CASELEDGER_TOKEN=promotor)
    assert reissued.returncode == 0, reissued.stderr[-2000:]
    again = json.loads(reissued.stdout)
    assert again["report"] == at_filing["report"]
    assert [(a["item"], a["choices"], a["text"]) for a in again["filing"]["answers"]] == [
        ("I 3.13 #1", ["Sim"], None), ("I 1.3.5", ["Espaço físico insuficiente"], None), ("III 3.2.1", [], "CREAS Cuiabá")]
    assert again["filing"]["recorded_as_of"] == at_filing["report"]["recorded_as_of"]
    page = story.run("inspection", UNIT, "--filed", inspection_id, "--format", "html", CASELEDGER_TOKEN=promotor).stdout
    assert "11. Parte do inspetor" in page and "<td>I 3.13 #1</td>" in page and "CREAS Cuiabá" in page
    verified = story.run("inspection", UNIT, "--filed", inspection_id, "--verify", CASELEDGER_TOKEN=promotor)
    assert verified.returncode == 0 and "the figures are the same" in verified.stdout, verified.stdout


def test_an_answer_to_an_item_the_forms_do_not_have_is_refused_and_nothing_is_recorded(story, tmp_path):
    _, promotor = _token(story, "--role", "ministerio_publico", "--comarca", "Cuiabá")
    before = story.run("inspection", UNIT, "--filings", CASELEDGER_TOKEN=promotor).stdout
    for answers, says in (({"I 99.1": "Sim"}, "'I 99.1' is not an item of the CNMP 67 forms"),
                          ({"I H.1": {"text": "hoje"}}, "item I H.1 is not the inspector's judgement"),
                          ({"II 3.12 #1": "Sim"}, "item II 3.12 #1 is of Anexo II (semiliberdade)")):
        refused = story.run("inspection", UNIT, "--date", DAY, "--answers", _answers(tmp_path, answers), "--file",
                            CASELEDGER_TOKEN=promotor)
        assert refused.returncode != 0 and says in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
    _caught_up(story)
    assert story.run("inspection", UNIT, "--filings", CASELEDGER_TOKEN=promotor).stdout == before


def test_a_report_computed_as_recorded_at_an_earlier_time_reproduces_the_earlier_figures(story):
    import datetime as dt

    def report(*extra):
        result = story.run("inspection", UNIT, "--date", DAY, "--format", "json", *extra)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)["report"]

    earlier = report()
    point = earlier["recorded_as_of"]
    # A later entry that changes the day's figures: a staff member joins the roster (I 2.1–2.2).
    change = {"command": "change_staff_roster", "unit_id": UNIT, "staff_id": "staff-late-1", "name": "Servidora Tardia",
              "category": "psicologo", "status": "ativo", "weekly_hours": 30,
              "occurred_at": f"{DAY}T08:00:00-04:00", "actor": {"id": "staff-ger-cgb", "role": "gerente"}}
    recorded = story.run("record", "-", input=json.dumps(change, ensure_ascii=False))
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr[-2000:]
    _caught_up(story)
    now = report()
    assert now["staff"] != earlier["staff"]  # the later entry counts now…
    then = report("--as-recorded-at", dt.datetime.fromisoformat(point).isoformat())
    assert {k: v for k, v in then.items() if k != "checkpoint"} == {k: v for k, v in earlier.items() if k != "checkpoint"}
