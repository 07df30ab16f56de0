"""The health items of an MP inspection (CNMP Res. 67, Annexes I–IV): counts only.

Pure, over the same history entries as `projections/inspection.py` (which calls it and documents
the time axis). Health data is sensitive (LGPD art. 11): the clinical fields of the health events
(E48–E52, domain/case/health.py) are sealed and never reach a read model, and this module gives
counts, never case ids — the inspector asks the health staff for the youths themselves.

- Severe mental disorder (I 3.12–3.12.2, II 3.11–3.11.2, III 3.22–3.22.2, IV 3.19–3.19.2; ECA 112 §3):
  residents on the day whose case holds a `SevereMentalDisorderFlagged` by then (a flag recorded in an
  earlier unit counts: it is the youth's), and the reason most often given for those not treated in
  a health facility, in the form's own options.
- Referrals to the SUS network in the period at the unit (checklist "Atenção Integral à Saúde":
  I/III #11–13, II/IV #11–13), by kind of service, with the appointments attended or missed;
  hospitalisations, medications and disease notifications of the period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from projections.history import HistoryEntry
from projections.inspection_activity import local_day
from projections.unit_occupancy import Resident

# The form's order of reasons (Res. 67 Annex I 3.12.2): a tie goes to the first.
REASON_ORDER = ("sem_nucleo_de_saude_mental", "profissionais_insuficientes", "outro")
MENTAL_HEALTH = frozenset({"caps", "capsi", "capsad"})
SPECIALISED = MENTAL_HEALTH | {"ambulatorio_especializado", "hospital"}


@dataclass(frozen=True)
class Health:
    """Counts of the health items (CNMP67) on the day and over the period."""

    residents: int = 0
    mental_disorder: int = 0  # residents flagged (ECA 112 §3)
    in_health_facility: int = 0  # … of them treated in a health facility
    not_in_facility_reasons: Mapping[str, int] = field(default_factory=dict)  # form option -> residents
    referrals: Mapping[str, int] = field(default_factory=dict)  # HealthDestination -> referrals of the period
    urgent_referrals: int = 0
    youths_referred: int = 0
    appointments_attended: int = 0
    appointments_missed: int = 0
    hospitalisations: int = 0
    medications: int = 0
    notifications: int = 0

    @property
    def main_reason(self) -> str | None:
        """The form's 3.12.2: the reason given for most of the flagged youths not in a health facility."""
        if not self.not_in_facility_reasons:
            return None
        return max(REASON_ORDER, key=lambda r: (self.not_in_facility_reasons.get(r, 0), -REASON_ORDER.index(r)))

    @property
    def total_referrals(self) -> int:
        return sum(self.referrals.values())

    def referrals_to(self, kinds: frozenset[str] | set[str]) -> int:
        return sum(n for kind, n in self.referrals.items() if kind in kinds)


def health(entries: Sequence[tuple[str, HistoryEntry]], residents: Sequence[Resident], cases,
           on: dt.date) -> Health:
    """The health counts: `entries` are the period's entries at the unit (case id, entry); `cases` the
    residents' histories (folded as of `on`), for the flags."""
    flagged = in_facility = 0
    reasons: Counter = Counter()
    for r in residents:
        h = cases.get(r.case_id)
        flags = [e for e in (h.entries if h is not None else ()) if e.status != "voided"
                 and e.event_type.endswith(".SevereMentalDisorderFlagged") and local_day(e.occurred_at) <= on]
        if not flags:
            continue
        flagged += 1
        data = flags[-1].data
        if data.get("in_health_facility"):
            in_facility += 1
        elif data.get("not_in_facility_reason"):
            reasons[str(data["not_in_facility_reason"])] += 1
    n: Counter = Counter()
    referrals: Counter = Counter()
    referred: set[str] = set()
    for case_id, e in entries:
        name, d = e.event_type.split(".", 1)[-1], e.data
        if name == "HealthReferralMade":
            referrals[str(d.get("destination"))] += 1
            n["urgent"] += bool(d.get("urgent"))
            referred.add(case_id)
        elif name == "HealthAppointmentAttended":
            n["attended" if d.get("attended") else "missed"] += 1
        elif name == "HospitalizationStarted":
            n["hospitalisations"] += 1
        elif name == "MedicationAdministered":
            n["medications"] += 1
        elif name == "NotifiableDiseaseReported":
            n["notifications"] += 1
    return Health(residents=len(residents), mental_disorder=flagged, in_health_facility=in_facility,
                  not_in_facility_reasons=dict(reasons), referrals=dict(referrals), urgent_referrals=n["urgent"],
                  youths_referred=len(referred), appointments_attended=n["attended"],
                  appointments_missed=n["missed"], hospitalisations=n["hospitalisations"],
                  medications=n["medications"], notifications=n["notifications"])
