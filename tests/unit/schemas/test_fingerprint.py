"""CRC-64-AVRO and the Parsing Canonical Form, against the spec and Apache avro."""

from __future__ import annotations

import json

import avro.schema
import pytest
from fastavro.schema import fingerprint as fastavro_fingerprint

from schemas.fingerprint import CRC64_AVRO_EMPTY, canonical_form, crc64_avro, fingerprint, fingerprint_hex

# From Apache avro's own test suite (lang/py/avro/test/test_schema.py, FINGERPRINT_EXAMPLES):
# schema text → CRC-64-AVRO in wire (little-endian) order.
SPEC_VECTORS = [
    ('"int"', "8f5c393f1ad57572"),
    ('{"type": "int"}', "8f5c393f1ad57572"),
    ('"float"', "90d7a83ecb027c4d"),
    ('"long"', "b71df49344e154d0"),
    ('"double"', "7e95ab32c035758e"),
    ('"bytes"', "651920c3da16c04f"),
    ('"string"', "c70345637248018f"),
    ('"boolean"', "64f7d4a478fc429f"),
    (json.dumps({"type": "record", "name": "TestDoc", "doc": "Doc string",
                 "fields": [{"name": "name", "type": "string", "doc": "Doc String"}]}), "0e6660f02bcdc109"),
    ('{"type": "enum", "name": "Test", "symbols": ["A", "B"], "doc": "Doc String"}', "03a2f2c2e27f7a16"),
]


def test_fingerprint_of_no_bytes_is_the_spec_empty_value():
    assert crc64_avro(b"") == CRC64_AVRO_EMPTY == 0xC15D213AA4D7A795


@pytest.mark.parametrize("schema,expected", SPEC_VECTORS)
def test_fingerprint_matches_the_avro_test_vectors(schema, expected):
    assert fingerprint_hex(schema) == expected


def test_fingerprint_is_eight_little_endian_bytes_of_the_crc():
    assert fingerprint('"int"') == crc64_avro(b'"int"').to_bytes(8, "little")
    assert len(fingerprint('"int"')) == 8


def test_fingerprint_ignores_doc_and_custom_attributes():
    plain = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "string"}]}
    decorated = {"type": "record", "name": "R", "doc": "x",
                 "fields": [{"name": "a", "type": "string", "doc": "y", "personal": True}]}
    assert fingerprint(plain) == fingerprint(decorated)


def test_fingerprint_changes_when_a_field_changes():
    a = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "string"}]}
    b = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}]}
    assert fingerprint(a) != fingerprint(b)


def without_logical_types(node):
    """The same schema with `logicalType` dropped: what the Java reference canonicalises."""
    if isinstance(node, list):
        return [without_logical_types(n) for n in node]
    if isinstance(node, dict):
        return {k: without_logical_types(v) for k, v in node.items() if k != "logicalType"}
    return node


def test_logical_types_do_not_change_the_fingerprint():
    # Java's SchemaNormalization writes a logical-typed primitive as the bare primitive.
    assert fingerprint({"type": "long", "logicalType": "timestamp-micros"}) == fingerprint('"long"')


def test_every_toy_schema_has_the_fingerprint_apache_avro_and_fastavro_compute(toy_store):
    versions = toy_store.all_versions()
    assert versions
    for version in versions:
        # Apache avro for Python (1.12) keeps {"type": "long"} for logical types in the
        # canonical form, unlike Java and fastavro; compare on the schema without them.
        text = json.dumps(without_logical_types(version.schema))
        apache = avro.schema.parse(text)
        assert version.fingerprint == apache.fingerprint("CRC-64-AVRO"), version.label
        assert canonical_form(version.schema) == apache.canonical_form, version.label
        assert version.fingerprint_hex == fastavro_fingerprint(canonical_form(version.schema), "CRC-64-AVRO")
