"""The SIPIA/SINASE feed without servers: the mapping table, the granted fields, the report and its differences.

Events are recorded by the real CaseLedger, encoded by the real codec, decoded by the feed's own
decoder (the .avsc files, no key) and folded by `MemoryTables`, the runner's semantics in memory.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from consumers import sipia
from consumers.sipia_mapping import GRANTS, MAPPING, PRESENCE, UNMAPPED, code, markdown_table, term
from projections.engine import MemoryTables
from schemas.sealing import is_sealed
from schemas.store import default_store
from tests.unit.consumers.sipia_story import APRIL, MARCH, export_march, feed_values, recorded_month
import uuid

from tests.unit.domain.builders import an_admitted_youth, on_day

ROOT = Path(__file__).resolve().parents[3]


def fold(values) -> MemoryTables:
    decode = sipia.SipiaDecoder()
    memory = MemoryTables(sipia.SipiaFeed())
    for value in values:
        memory.apply_event(decode.decode_value(value))
    return memory


def tables(memory: MemoryTables) -> dict:
    return {name: list(rows.values()) for name, rows in memory.rows.items()}


def unit_row(memory: MemoryTables, unit_id: str) -> dict:
    return memory.table("sipia_units")[(unit_id,)]


def report(memory, unit_id, period, bodies=None):
    bodies = bodies or {}
    return sipia.reconcile(tables(memory), unit_row(memory, unit_id), *period, bodies.get)


@pytest.fixture(scope="module")
def month():
    ledger, ids = recorded_month()
    return ledger, ids, fold(feed_values(ledger))


# -- the mapping table ---------------------------------------------------------------------------


def _symbols(event_type: str, field: str) -> list[str]:
    schema = default_store().latest(event_type).schema
    kind = next(f["type"] for f in schema["fields"] if f["name"] == field)
    kind = next(k for k in kind if k != "null") if isinstance(kind, list) else kind
    return list(kind["symbols"])


@pytest.mark.parametrize("concept,event_type,field", [
    ("measure", "Case.IntakeRecorded", "modality"),
    ("modality", "Case.IntakeRecorded", "modality"),
    ("measure", "Case.MeasureDecisionRecorded", "new_modality"),
    ("origin", "Case.IntakeRecorded", "origin"),
    ("evasion", "Case.EvasionRecorded", "kind"),
    ("release_reason", "Case.Released", "basis"),
    ("measure_decision", "Case.MeasureDecisionRecorded", "decision"),
])
def test_every_value_the_published_contract_can_carry_has_a_sipia_term(concept, event_type, field):
    missing = [s for s in _symbols(event_type, field) if code(concept, s) == UNMAPPED]
    assert not missing, f"add rows for {concept}: {missing} (consumers/sipia_mapping.py, docs/SIPIA.md)"


def test_movement_types_are_the_registrys_entry_transfer_exit_evasion_return():
    assert {t.code for t in MAPPING if t.concept == "movement"} == {
        "entrada", "transferencia", "desligamento", "evasao", "retorno"}


def test_a_release_reason_maps_to_the_registry_term_and_keeps_the_raw_code():
    assert term("release_reason", "ex_lege_21_anos") == {
        "code": "liberacao_21_anos", "label": "Liberação compulsória aos 21 anos", "raw": "ex_lege_21_anos"}
    assert term("release_reason", "substituicao_por_meio_aberto")["code"] == "progressao_meio_aberto"


def test_a_ledger_value_missing_from_the_table_is_reported_unmapped_with_its_raw_code():
    assert term("release_reason", "fuga_em_massa") == {
        "code": UNMAPPED, "label": "(sem correspondência: fuga_em_massa)", "raw": "fuga_em_massa"}


def test_units_measures_are_reported_in_the_sinase_meio_fechado_module():
    assert {code("modality", m) for m in ("internacao", "internacao_sancao", "internacao_provisoria",
                                         "semiliberdade")} == {"meio_fechado"}


def test_no_two_rows_map_the_same_ledger_value_of_a_concept():
    keys = [(t.concept, t.ledger_value) for t in MAPPING]
    assert len(keys) == len(set(keys))


def test_docs_sipia_shows_the_mapping_table_as_the_module_holds_it():
    assert markdown_table() in (ROOT / "docs" / "SIPIA.md").read_text(encoding="utf-8"), \
        "regenerate the table in docs/SIPIA.md from consumers.sipia_mapping.markdown_table()"


def test_every_granted_field_is_in_the_published_contract():
    store = default_store()
    for event_type, fields in GRANTS.items():
        names = {f["name"] for f in store.latest(event_type).schema["fields"]}
        assert {f.split("[]")[0] for f in fields} <= names, event_type


# -- what the feed reads ---------------------------------------------------------------------------


def test_feed_keeps_only_granted_fields_and_no_sealed_value(month):
    ledger, _, _ = month
    decode = sipia.SipiaDecoder()
    seen = 0
    for value in feed_values(ledger):
        event = decode.decode_value(value)
        if event is None:
            continue
        seen += 1
        allowed = set()
        for name, how in GRANTS[event.event_type].items():
            allowed.add(name + "_recorded" if how == PRESENCE else
                        name.split("[]")[0] + "_fields" if "[]" in name else name)
        assert set(event.data) <= allowed, event.event_type
        assert not any(is_sealed(v) for v in event.data.values())
    assert seen >= 10


def test_feed_decodes_with_no_key_service_and_never_learns_a_personal_value(month):
    ledger, _, memory = month
    assert sipia.SipiaDecoder().codec.sealer is None
    text = json.dumps({t: list(rows.values()) for t, rows in memory.rows.items()}, default=str)
    for personal in ("SIPIA-0001", "GUIA-0001/2026", "Adolescente Fictício", "EXEC-"):
        assert personal not in text


def test_feed_learns_whether_a_sipia_id_is_recorded_without_opening_it(month):
    _, ids, memory = month
    youths = memory.table("sipia_youths")
    assert youths[(ids["first"],)]["sipia_id_recorded"] is True
    assert youths[(ids["second"],)]["sipia_id_recorded"] is False


def test_feed_ignores_event_types_it_is_not_granted(month):
    ledger, _, _ = month
    decode = sipia.SipiaDecoder()
    types = {decode.codec.decode(v).event_type for v in feed_values(ledger)}
    assert "Case.OrientationAcknowledged" in types
    assert all(decode.decode_value(v) is None for v in feed_values(ledger)
               if decode.codec.decode(v).event_type not in GRANTS)


# -- the report ----------------------------------------------------------------------------------------


def test_march_report_lists_active_youths_entries_and_exits_of_the_unit(month):
    _, ids, memory = month
    r = report(memory, ids["a"], MARCH)
    assert [y["case_id"] for y in r["active"]] == [ids["second"]]
    assert sorted((e["case_id"], e["movement"]) for e in r["entries"]) == sorted([
        (ids["first"], "entrada"), (ids["second"], "entrada"), (ids["third"], "entrada"), (ids["second"], "retorno")])
    assert sorted((e["case_id"], e["movement"], e["detail"]) for e in r["exits"]) == sorted([
        (ids["second"], "evasao", "evasao_unidade"), (ids["third"], "transferencia", None),
        (ids["first"], "desligamento", "extincao_finalidade")])
    assert r["counts"] == {"active": 1, "entries": 4, "exits": 3}


def test_report_rows_carry_the_registry_terms_with_the_raw_codes(month):
    _, ids, memory = month
    r = report(memory, ids["a"], MARCH)
    release = next(e for e in r["exits"] if e["movement"] == "desligamento")
    assert (release["detail_raw"], release["movement_raw"]) == ("extincao_por_cumprimento", "Released")
    youth = r["active"][0]
    assert (youth["measure"], youth["modality"], youth["measure_raw"]) == ("semiliberdade", "meio_fechado",
                                                                           "semiliberdade")
    assert (youth["pia_status"], youth["pia_status_raw"], youth["sipia_id_recorded"]) == (
        "pia_elaborado", "PIASubmitted", False)


def test_a_transfer_is_an_exit_of_the_origin_and_an_entry_of_the_destination(month):
    _, ids, memory = month
    r = report(memory, ids["b"], MARCH)
    assert [(e["case_id"], e["movement"], e["direction"]) for e in r["entries"]] == [
        (ids["third"], "transferencia", "in")]
    assert [y["case_id"] for y in r["active"]] == [ids["third"]] and not r["exits"]


def test_a_period_before_the_events_has_nobody_and_no_movement(month):
    _, ids, memory = month
    r = report(memory, ids["a"], (dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    assert r["counts"] == {"active": 0, "entries": 0, "exits": 0}


def test_the_digest_depends_on_the_body_only(month):
    _, ids, memory = month
    one, two = report(memory, ids["a"], MARCH), report(memory, ids["a"], MARCH)
    assert one["digest"] == two["digest"] == sipia.digest(one)
    assert report(memory, ids["a"], APRIL)["digest"] != one["digest"]


# -- what differs from the last export ------------------------------------------------------------------


def test_without_an_export_the_report_says_none_was_recorded(month):
    _, ids, memory = month
    assert report(memory, ids["a"], APRIL)["differences"]["last_export"] is None


def test_a_late_entry_in_the_exported_period_and_a_new_youth_show_against_the_last_export():
    ledger, ids = recorded_month()
    march = report(fold(feed_values(ledger)), ids["a"], MARCH)
    bodies = {march["digest"]: json.loads(json.dumps({k: march[k] for k in (
        "format", "unit", "period", "counts", "active", "entries", "exits")}))}
    export_march(ledger, ids["a"], march["digest"])
    late = str(an_admitted_youth(ledger, uuid.UUID(ids["a"]), occurred_at=on_day(25)))
    memory = fold(feed_values(ledger))
    d = report(memory, ids["a"], APRIL, bodies)["differences"]
    assert d["last_export"]["report_digest"] == march["digest"]
    assert d["exported_period_unchanged"] is False
    assert [e["case_id"] for e in d["exported_period"]["entries"]["added"]] == [late]
    assert d["active_since_export"]["joined"] == [late] and d["active_since_export"]["left"] == []


def test_an_export_matching_the_ledger_reads_unchanged():
    ledger, ids = recorded_month()
    march = report(fold(feed_values(ledger)), ids["a"], MARCH)
    body = {k: march[k] for k in ("format", "unit", "period", "counts", "active", "entries", "exits")}
    export_march(ledger, ids["a"], march["digest"])
    d = report(fold(feed_values(ledger)), ids["a"], APRIL, {march["digest"]: body})["differences"]
    assert d["exported_period_unchanged"] is True
    assert d["active_since_export"] == {"joined": [], "left": [], "changed": []}


def test_an_export_recorded_without_a_digest_is_compared_by_its_counts():
    ledger, ids = recorded_month()
    export_march(ledger, ids["a"], None, counts=(2, 4, 3))
    d = report(fold(feed_values(ledger)), ids["a"], APRIL)["differences"]
    assert "only its counts" in d["note"]
    assert d["counts_then"] == {"active": 2, "entries": 4, "exits": 3}
    assert d["counts_now"] == {"active": 1, "entries": 4, "exits": 3} and d["counts_differ"] is True


def test_folding_the_same_events_twice_gives_the_same_report(month):
    ledger, ids, memory = month
    again = fold(feed_values(ledger))
    assert report(again, ids["a"], MARCH) == report(memory, ids["a"], MARCH)
