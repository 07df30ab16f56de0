"""The per-case chain on Kafka: the relay's `previous_leaf` header, and the consumers' leaf hashing.

The transparency log's leaves chain each stream's events (a leaf names the previous leaf of its
stream, docs/TAMPER-EVIDENCE.md). The relay publishes, with each event, the leaf hash of the
stream's previous event — the very leaf the log builder computes (same `stored_event_fields`,
same `leaf_data`/`leaf_hash`), so a subscriber can follow the chain while it reads
(`consumers/chain.py`) and `verify` can compare headers with leaves.

The chain is deterministic from the stored events, so the relay computes it itself rather than
waiting for the builder: it remembers each stream's last leaf, and when it does not have the
one it needs (first event of a stream since it started, a parked retry, a batch read again after
an error) it recomputes the stream's chain from the event store. Remembered leaves are only a
shortcut: one is used only when it is the stream's event just before (by notification id and
sequence), never guessed.
"""

from __future__ import annotations

import threading
from typing import Callable, Sequence

from consumers.chain import ChainCheck
from infra.tamper.log import stored_event_fields
from infra.tamper.verifier import ZERO, leaf_data, leaf_hash


def leaf_of(fields: dict) -> bytes:
    """The leaf hash of an event's fields (with `previous_leaf` as hex): the log's own hashing."""
    return leaf_hash(leaf_data(fields))


def consumer_chain_check() -> ChainCheck:
    """The check projection runners make, hashing leaves exactly as the log builder does."""
    return ChainCheck(leaf_of)


# stream id, notification id → that stream's stored notifications with smaller ids, in id order
History = Callable[[str, int], Sequence]


class StreamChains:
    """Each stream's previous leaf for the relay's headers (thread-safe: the relay reads ahead)."""

    def __init__(self, history: History, peek, remember: int = 200_000) -> None:
        self._history, self._peek, self._remember = history, peek, remember
        self._last: dict[str, tuple[int, int, bytes]] = {}  # stream → (notification id, sequence, leaf)
        self._lock = threading.Lock()
        self.recomputed = 0  # streams whose chain was read back from the store (a measure)

    def link(self, notification, head=None) -> tuple[bytes, bytes]:
        """(previous leaf, own leaf) of a stored notification; `head`: its bytes already peeked (saves a peek)."""
        stream, nid = str(notification.originator_id), int(notification.id)
        with self._lock:
            known = self._last.get(stream)
        if known is not None and known[0] < nid and known[1] == int(notification.originator_version) - 1:
            previous = known[2]
        else:
            previous = self._recompute(stream, nid)
        fields = stored_event_fields(notification, self._peek if head is None else (lambda _: head))
        fields["previous_leaf"] = previous.hex()
        leaf = leaf_of(fields)
        with self._lock:
            known = self._last.get(stream)
            if known is None or known[0] < nid:  # never move a stream's memory backwards (a parked retry)
                if len(self._last) >= self._remember:
                    self._last.clear()  # bounded memory for a relay that runs for months
                self._last[stream] = (nid, int(notification.originator_version), leaf)
        return previous, leaf

    def _recompute(self, stream: str, before: int) -> bytes:
        previous = ZERO
        self.recomputed += 1
        for n in self._history(stream, before):
            fields = stored_event_fields(n, self._peek)
            fields["previous_leaf"] = previous.hex()
            previous = leaf_of(fields)
        return previous


def store_history(recorder) -> History:
    """A stream's stored events before a notification id, read from the library's events table."""
    from eventsourcing.persistence import Notification
    from psycopg.sql import SQL, Identifier

    statement = SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{}"
                    " WHERE originator_id = %s AND notification_id < %s ORDER BY notification_id").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))

    def history(stream: str, before: int) -> list:
        with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(statement, (stream, before))
            return [Notification(id=r["notification_id"], originator_id=r["originator_id"],
                                 originator_version=r["originator_version"], topic=r["topic"],
                                 state=bytes(r["state"])) for r in cur.fetchall()]

    return history
