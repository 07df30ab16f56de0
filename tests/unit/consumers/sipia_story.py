"""A month of two units for the SIPIA feed's tests: entries, a transfer, an evasion and return, a release.

Recorded by the real CaseLedger (in memory); `feed_values` encodes the stored events with the real
codec, as the relay publishes them.
"""

from __future__ import annotations

from datetime import date

from domain.values import DocumentKind, EvasionKind, Modality, ReleaseBasis
from tests.unit.domain.builders import (
    ADMIN, GERENTE, LIDER, AGENTE, a_court_order, a_pia, a_unit, an_admitted_youth, an_internacao_unit, at, new_ledger, on_day,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))


def recorded_month(extra: int = 0):
    """(ledger, ids): unit `a` and `b`; youths `first` (SIPIA id and guia recorded; released on day 20),
    `second` (no SIPIA id; evades on day 10, back on day 12; a PIA), `third` (transferred to `b` on day 15); with `extra` (at most 40), as many more youths admitted
    to an internação unit `c` over the month, every second one released, every third evading and back."""
    ledger = new_ledger()
    a, b = a_unit(ledger), a_unit(ledger)
    c = an_internacao_unit(ledger) if extra else None
    first = an_admitted_youth(ledger, a, registration={"sipia_id": "SIPIA-0001", "guia_number": "GUIA-0001/2026"})
    second = an_admitted_youth(ledger, a, occurred_at=on_day(3))
    third = an_admitted_youth(ledger, a, occurred_at=on_day(5))
    a_pia(ledger, second)
    ledger.record_evasion(case_id=second, kind=EvasionKind.DE_DENTRO_DA_UNIDADE, court_notified=True,
                          superintendencia_notified=True, occurred_at=on_day(10, 2), actor=LIDER)
    ledger.return_from_evasion(case_id=second, unit_id=a, occurred_at=on_day(12), actor=AGENTE,
                               court_order=a_court_order(DocumentKind.MANDADO, "BA-1"))
    ledger.transfer(case_id=third, destination_unit_id=b, pia_and_history_sent=True, vehicle="van",
                    occurred_at=on_day(15), actor=GERENTE, court_order=a_court_order(number="TR-9"))
    ledger.receive_release_order(case_id=first, protocol_number="LIB-1", occurred_at=on_day(20, 9), actor=GERENTE,
                                 court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO, "ML-1"))
    ledger.release(case_id=first, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
                   termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(20, 14), actor=GERENTE)
    for i in range(extra):
        youth = an_admitted_youth(ledger, c, modality=Modality.INTERNACAO, occurred_at=on_day(1 + i % 20, 11))
        if i % 2:
            ledger.receive_release_order(case_id=youth, protocol_number=f"LIB-X{i}", occurred_at=on_day(22, 9),
                                         actor=GERENTE, court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO,
                                                                                  f"ML-X{i}"))
            ledger.release(case_id=youth, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True,
                           belongings_returned=True, termo_de_desligamento_signed=True, family_present=True,
                           occurred_at=on_day(23, 14), actor=GERENTE)
        elif i % 3 == 0:
            ledger.record_evasion(case_id=youth, kind=EvasionKind.DURANTE_ATIVIDADE_EXTERNA, court_notified=True,
                                  superintendencia_notified=True, occurred_at=on_day(24, 15), actor=LIDER)
            ledger.return_from_evasion(case_id=youth, unit_id=c, occurred_at=on_day(26), actor=AGENTE,
                                       court_order=a_court_order(DocumentKind.MANDADO, f"BA-X{i}"))
    return ledger, {"a": str(a), "b": str(b), "c": str(c), "first": str(first), "second": str(second), "third": str(third)}


def export_march(ledger, unit_id: str, digest: str | None = None, counts=(2, 3, 1)) -> None:
    from uuid import UUID

    ledger.submit_sipia_export(unit_id=UUID(unit_id), period_start=MARCH[0], period_end=MARCH[1],
                               active_count=counts[0], entries_count=counts[1], exits_count=counts[2],
                               receipt_number="SIPIA-REC-03", occurred_at=at(date(2026, 4, 2)), actor=ADMIN,
                               report_digest=digest)


def stored_events(ledger, start: int = 1) -> list:
    return [ledger.mapper.to_domain_event(n) for n in ledger.recorder.select_notifications(start=start, limit=1_000_000)]


def feed_values(ledger, start: int = 1) -> list[bytes]:
    from schemas.codec import encode

    return [encode(e) for e in stored_events(ledger, start)]
