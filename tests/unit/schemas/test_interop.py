"""An outside system decodes our messages with Apache avro and the .avsc files alone.

No fastavro, no CaseLedger code on the decoding side: the test indexes the
shipped .avsc files by fingerprint, reads the 10-byte single-object header,
picks the writer schema and decodes the body with Apache's DatumReader, then
compares with the JSON recorded in the golden vectors.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import avro.io
import avro.schema
import pytest

import schemas

SCHEMAS_DIR = Path(schemas.__file__).parent
VECTORS = json.loads((SCHEMAS_DIR / "golden" / "vectors.json").read_text(encoding="utf-8"))["vectors"]


def _strip_logical_types(node):
    # Apache avro for Python keeps {"type": "long"} for logical-typed primitives in the canonical
    # form, unlike the spec's Java reference; an outside Python system strips them to fingerprint.
    if isinstance(node, list):
        return [_strip_logical_types(n) for n in node]
    if isinstance(node, dict):
        return {k: _strip_logical_types(v) for k, v in node.items() if k != "logicalType"}
    return node


def _index_avsc_files() -> dict[bytes, avro.schema.Schema]:
    index = {}
    for path in (SCHEMAS_DIR / "avsc").glob("*/v*.avsc"):
        document = json.loads(path.read_text(encoding="utf-8"))
        fingerprint = avro.schema.parse(json.dumps(_strip_logical_types(document))).fingerprint("CRC-64-AVRO")
        index[fingerprint] = avro.schema.parse(json.dumps(document))
    return index


def _json(value):
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):  # a sealed value's nonce and ciphertext, as the vectors write them
        return value.hex()
    return value


INDEX = _index_avsc_files()


def test_there_are_vectors_for_the_shipped_schemas():
    assert VECTORS and INDEX


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['event_type']}-v{v['version']}-{v['case']}")
def test_apache_avro_decodes_the_golden_vector_with_the_avsc_files_alone(vector):
    data = bytes.fromhex(vector["hex"])
    assert data[:2] == b"\xc3\x01"
    writer = INDEX[data[2:10]]
    assert writer.fullname.endswith("." + vector["event_type"].split(".")[1])
    body = io.BytesIO(data[10:])
    datum = avro.io.DatumReader(writer).read(avro.io.BinaryDecoder(body))
    assert body.read() == b""
    assert _json(datum) == vector["datum"]
