"""The relay's previous_leaf header and the leaf a consumer computes from the headers are the same leaf."""

from __future__ import annotations

import hashlib

from consumers.chain import ZERO_LEAF, leaf_fields
from infra.bootstrap import avro_records, codec
from infra.settings import Settings
from infra.tamper.chain import StreamChains, leaf_of
from tests.unit.domain.builders import a_unit, an_admitted_youth, new_ledger


def test_each_avro_record_names_the_leaf_a_consumer_computed_for_the_previous_event_of_its_stream():
    ledger = new_ledger()
    an_admitted_youth(ledger, a_unit(ledger))
    notes = list(ledger.recorder.select_notifications(start=1, limit=1000))
    c = codec()
    history = lambda stream, before: [n for n in notes if str(n.originator_id) == stream and n.id < before]
    make = avro_records(Settings(), ledger.mapper, c, StreamChains(history, c.peek))
    last: dict[str, bytes] = {}
    for n in notes:
        h = dict(make(n).headers)
        record_value = bytes(n.state)
        previous = bytes.fromhex(h["previous_leaf"].decode())
        assert previous == last.get(h["stream_id"].decode(), ZERO_LEAF)
        last[h["stream_id"].decode()] = leaf_of(leaf_fields(h, hashlib.sha256(record_value).hexdigest(), previous))
    assert len(notes) > 3 and len(last) >= 2


def test_a_stream_met_first_mid_way_has_its_chain_recomputed_from_the_store():
    ledger = new_ledger()
    an_admitted_youth(ledger, a_unit(ledger))
    notes = list(ledger.recorder.select_notifications(start=1, limit=1000))
    c = codec()
    history = lambda stream, before: [n for n in notes if str(n.originator_id) == stream and n.id < before]
    in_order = StreamChains(history, c.peek)
    expected = {n.id: in_order.link(n) for n in notes}
    fresh = StreamChains(history, c.peek)
    assert fresh.link(notes[-1]) == expected[notes[-1].id] and fresh.recomputed == 1
