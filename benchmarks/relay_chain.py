"""What the relay's chain header costs per record (docs/BENCHMARKS.md, "Tamper evidence"): CPU only.

    .venv/bin/python -m benchmarks.relay_chain [--records N]

Times the relay's record making (`bootstrap.avro_records`: peek, headers) with and without the
`previous_leaf` header (`infra/tamper/chain.py`: the stored event's leaf, remembered per stream),
on a real stored Avro event, N records over N/20 streams; best of three. Reading the store and
Kafka's round trips come on top, the same with or without.
"""

from __future__ import annotations

import argparse
import time
import uuid
from types import SimpleNamespace


def main() -> None:
    from infra.bootstrap import avro_records, codec
    from infra.settings import Settings
    from infra.tamper.chain import StreamChains
    from tests.unit.domain.builders import a_unit, an_admitted_youth, new_ledger

    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=50_000)
    n = ap.parse_args().records
    ledger = new_ledger()
    an_admitted_youth(ledger, a_unit(ledger))
    last = list(ledger.recorder.select_notifications(start=1, limit=1000))[-1]
    streams = [uuid.uuid4() for _ in range(max(1, n // 20))]
    notes = [SimpleNamespace(id=i + 1, originator_id=streams[i % len(streams)],
                             originator_version=i // len(streams) + 1, topic=last.topic, state=bytes(last.state))
             for i in range(n)]
    c, settings = codec(), Settings()
    for label, chains in (("without previous_leaf", None), ("with previous_leaf", StreamChains(lambda s, b: [], c.peek))):
        make, best = avro_records(settings, ledger.mapper, c, chains), float("inf")
        for _ in range(3):
            if chains is not None:
                chains._last.clear()
            t = time.perf_counter()
            for note in notes:
                make(note)
            best = min(best, time.perf_counter() - t)
        print(f"{label}: {n / best:,.0f} records/s ({best / n * 1e6:.1f} µs each)")


if __name__ == "__main__":
    main()
