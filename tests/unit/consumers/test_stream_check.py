"""The subscriber-side stream check tells gaps, duplicates and reorderings apart."""

from consumers.stream_check import StreamChecker, Verdict


def h(stream: str, seq: int, event_id: str | None = None) -> list[tuple[str, bytes]]:
    return [("stream_id", stream.encode()), ("stream_seq", str(seq).encode()),
            ("event_id", (event_id or f"{stream}-{seq}").encode())]


def test_contiguous_sequences_are_ok_per_stream():
    check = StreamChecker()
    verdicts = [check.observe(x) for x in (h("a", 1), h("b", 1), h("a", 2), h("b", 2), h("a", 3))]
    assert verdicts == [Verdict.OK] * 5
    assert check.findings == []


def test_a_record_seen_twice_is_a_duplicate():
    check = StreamChecker()
    check.observe(h("a", 1))
    check.observe(h("a", 2))
    assert check.observe(h("a", 2)) is Verdict.DUPLICATE
    assert check.observe(h("a", 1)) is Verdict.DUPLICATE
    assert [f.seq for f in check.findings] == [2, 1]


def test_a_skipped_sequence_is_a_gap_until_it_arrives_late_as_a_reordering():
    check = StreamChecker()
    check.observe(h("a", 1))
    assert check.observe(h("a", 3)) is Verdict.GAP
    assert check.open_gaps() == {"a": [2]}
    assert check.observe(h("a", 2)) is Verdict.REORDERED
    assert check.open_gaps() == {}


def test_same_sequence_with_another_event_id_is_a_conflict():
    check = StreamChecker()
    check.observe(h("a", 1, "x"))
    assert check.observe(h("a", 1, "y")) is Verdict.CONFLICT


def test_a_stream_starting_after_one_has_a_gap_from_the_first_event():
    check = StreamChecker()
    assert check.observe(h("a", 2)) is Verdict.GAP
    assert check.open_gaps() == {"a": [1]}


def test_a_reused_sequence_with_other_stored_bytes_is_a_conflict_not_a_duplicate():
    # A version reused after a deleted event keeps its derived event id; only the bytes tell.
    check = StreamChecker()
    first = h("a", 1) + [("value_sha256", b"11" * 32)]
    again = h("a", 1) + [("value_sha256", b"11" * 32)]
    other = h("a", 1) + [("value_sha256", b"22" * 32)]
    assert [check.observe(x) for x in (first, again, other)] == [Verdict.OK, Verdict.DUPLICATE, Verdict.CONFLICT]
    assert "a second, different event" in check.findings[-1].detail
