"""Full-transitive compatibility, by the Avro schema-resolution rules."""

from __future__ import annotations

import copy
from pathlib import Path

import avro.compatibility
import avro.schema
import json
import pytest

from schemas.compatibility import assert_compatible, can_read, check_store, check_versions, reading_problems
from schemas.errors import IncompatibleSchemaError
from schemas.store import SchemaStore

FIXTURES = Path(__file__).parent / "fixtures"


def record(*fields, name="R"):
    return {"type": "record", "name": name, "namespace": "t", "fields": list(fields)}


def f(name, type_, **extra):
    return {"name": name, "type": type_, **extra}


def enum(*symbols, **extra):
    return {"type": "enum", "name": "E", "symbols": list(symbols), **extra}


def test_the_deliberately_incompatible_fixture_fails_naming_event_version_field_and_reason():
    with pytest.raises(IncompatibleSchemaError) as failed:
        assert_compatible(SchemaStore(FIXTURES / "incompatible"))
    message = str(failed.value)
    assert (
        "Case.IntakeRecorded v2 is not backward compatible with v1 (v2 reading data written with v1): "
        "school: field is in the reader but not in the writer, and the reader gives it no default"
    ) in message
    assert [(p.event_type, p.version, p.earlier, p.direction, p.path) for p in failed.value.problems] == [
        ("Case.IntakeRecorded", 2, 1, "backward", "school"),
    ]


def test_the_real_way_to_add_a_field_is_with_a_default():
    v1 = record(f("a", "string"))
    v2 = record(f("a", "string"), f("b", ["null", "string"], default=None))
    assert check_versions("X", [v1, v2]) == []


def test_removing_a_field_without_default_breaks_forward_compatibility():
    v1 = record(f("a", "string"), f("b", "string"))
    v2 = record(f("a", "string"))
    problems = check_versions("X", [v1, v2])
    assert [(p.direction, p.path) for p in problems] == [("forward", "b")]


def test_removing_a_field_that_had_a_default_is_compatible():
    v1 = record(f("a", "string"), f("b", "string", default=""))
    v2 = record(f("a", "string"))
    assert check_versions("X", [v1, v2]) == []


def test_check_is_transitive_over_all_earlier_versions():
    # v1 → v2 drops b (it had a default); v2 → v3 re-adds b without default: v3 vs v2 fails backward,
    # and v3 vs v1 is checked too.
    v1 = record(f("a", "string"), f("b", "string", default=""))
    v2 = record(f("a", "string"))
    v3 = record(f("a", "string"), f("b", "long"))
    pairs = {(p.version, p.earlier, p.direction) for p in check_versions("X", [v1, v2, v3])}
    assert (3, 2, "backward") in pairs
    assert (3, 1, "backward") in pairs and (3, 1, "forward") in pairs


@pytest.mark.parametrize("writer,reader", [("int", "long"), ("int", "double"), ("long", "float"),
                                           ("float", "double"), ("string", "bytes"), ("bytes", "string")])
def test_promotions_are_readable(writer, reader):
    assert can_read(record(f("x", reader)), record(f("x", writer)))


@pytest.mark.parametrize("writer,reader", [("long", "int"), ("double", "float"), ("string", "long"), ("boolean", "int")])
def test_narrowing_or_changing_a_type_is_not_readable(writer, reader):
    assert reading_problems(record(f("x", reader)), record(f("x", writer))) == [
        ("x", f"type changed: the writer has {writer}, the reader {reader}")
    ]


def test_a_new_enum_symbol_is_unreadable_by_an_old_reader_without_default():
    old, new = record(f("e", enum("A", "B"))), record(f("e", enum("A", "B", "C")))
    assert can_read(new, old)
    assert reading_problems(old, new) == [
        ("e", "enum E: symbol(s) C written by the writer are unknown to the reader, which declares no default symbol")
    ]


def test_a_new_enum_symbol_is_readable_when_the_old_reader_declares_a_default():
    old, new = record(f("e", enum("A", "OTHER", default="OTHER"))), record(f("e", enum("A", "OTHER", "C", default="OTHER")))
    assert check_versions("X", [old, new]) == []


def test_optional_field_reads_a_required_one_but_not_the_other_way_round():
    required, optional = record(f("x", "string")), record(f("x", ["null", "string"], default=None))
    assert can_read(optional, required)
    assert reading_problems(required, optional) == [("x", "type changed: the writer has null, the reader string")]


def test_renamed_record_is_incompatible_unless_aliased():
    inner_a = {"type": "record", "name": "A", "fields": [f("v", "long")]}
    inner_b = {"type": "record", "name": "B", "fields": [f("v", "long")]}
    assert reading_problems(record(f("x", inner_b)), record(f("x", inner_a)))[0][1].startswith("record renamed")
    assert can_read(record(f("x", {**inner_b, "aliases": ["A"]})), record(f("x", inner_a)))


def test_nested_paths_are_reported_through_records_arrays_and_unions():
    item_v1 = {"type": "record", "name": "Visitor", "fields": [f("name", "string")]}
    item_v2 = {"type": "record", "name": "Visitor", "fields": [f("name", "string"), f("age", "long")]}
    v1 = record(f("doc", ["null", record(f("visitors", {"type": "array", "items": item_v1}), name="Doc")], default=None))
    v2 = record(f("doc", ["null", record(f("visitors", {"type": "array", "items": item_v2}), name="Doc")], default=None))
    assert reading_problems(v2, v1) == [("doc.visitors[].age", "field is in the reader but not in the writer, "
                                         "and the reader gives it no default (add a default, e.g. make it optional)")]


def test_changed_logical_type_is_incompatible():
    micros = record(f("t", {"type": "long", "logicalType": "timestamp-micros"}))
    millis = record(f("t", {"type": "long", "logicalType": "timestamp-millis"}))
    assert "logical type changed" in reading_problems(micros, millis)[0][1]


def test_fixed_size_change_is_incompatible():
    a = record(f("h", {"type": "fixed", "name": "H", "size": 16}))
    b = record(f("h", {"type": "fixed", "name": "H", "size": 32}))
    assert reading_problems(a, b) == [("h", "fixed H: size changed from 32 to 16")]


def test_named_references_are_followed():
    inner = {"type": "record", "name": "P", "fields": [f("v", "long")]}
    reader = record(f("a", inner), f("b", "t.P"))
    writer = record(f("a", inner), f("b", "t.P"))
    assert can_read(reader, writer)


def test_verdicts_agree_with_apache_avro_on_the_examples():
    cases = [
        (record(f("a", "string"), f("b", ["null", "string"], default=None)), record(f("a", "string"))),
        (record(f("a", "string")), record(f("a", "string"), f("b", "string"))),
        (record(f("a", "string"), f("b", "string")), record(f("a", "string"))),
        (record(f("e", enum("A", "B"))), record(f("e", enum("A", "B", "C")))),
        (record(f("x", "long")), record(f("x", "int"))),
        (record(f("x", "int")), record(f("x", "long"))),
    ]
    checker = avro.compatibility.ReaderWriterCompatibilityChecker()
    for reader, writer in cases:
        apache = checker.get_compatibility(avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer)))
        ours = can_read(reader, writer)
        assert ours == (apache.compatibility is avro.compatibility.SchemaCompatibilityType.compatible), (reader, writer)


def test_generator_refuses_a_new_version_that_would_break_compatibility(toy_store, toy_events):
    v1 = toy_store.latest("Case.EntryCorrected").schema
    broken = copy.deepcopy(v1)
    broken["fields"].append(f("required_now", "string", doc="x"))
    from schemas.compatibility import check_candidates

    with pytest.raises(IncompatibleSchemaError, match="Case.EntryCorrected v2 is not backward compatible with v1"):
        check_candidates(toy_store, {"Case.EntryCorrected": broken})
    assert len(toy_store.versions("Case.EntryCorrected")) == 1


def test_toy_store_is_fully_compatible(toy_store):
    assert check_store(toy_store) == []
