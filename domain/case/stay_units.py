"""A correction of the unit a stay began in (*retificação da unidade*, E67): the youth was recorded
in the wrong unit.

The unit of a stay is named by the case's entry that started it — the intake (E03), the transfer
(E21, its destination) or the return from evasion (E25). Correcting that entry's unit moves the
whole stay: the case's state (its current unit, day counts, the clocks' calendar), and both units'
state and read models — the unit first recorded has its entries of the stay (admission, room moves,
departure) corrected to name the right unit, so it no longer counts the youth; the right unit records
the stay at its own times, so it counts the youth on every day of it and its capacity checks see it
(HC 143.988). All of it is one save (``application.handlers.correcting_case_entry``); the entries as
first recorded stay in history (R-66).

The units of the other movements follow from the stays (an evasion or release leaves the unit the
youth was in; a transfer leaves the previous stay's unit), so they are corrected through the entry
that started that stay, never on their own (D-04).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable
from uuid import UUID

from domain.calendar import local_date
from domain.rules import refuse
from domain.unit import Unit
from domain.values import AdmissionReason, FieldCorrection

# The entries that start a stay, and the fields that name its unit (a transfer names it twice: its
# envelope and its destination, both corrected together so every reader sees the same unit).
STARTS = {
    "IntakeRecorded": ("unit_id",),
    "ReturnedFromEvasion": ("unit_id",),
    "TransferCompleted": ("destination_unit_id", "unit_id"),
}
UNIT_FIELDS = frozenset({"unit_id", "destination_unit_id", "origin_unit_id"})
# Movements whose unit is the stay's before them: corrected through the entry that started that stay.
FOLLOWING = frozenset({"EvasionRecorded", "Released", "TransferCompleted"})
UNIT_STAY_ENTRIES = frozenset({"ResidentAdmitted", "ResidentDeparted", "ResidentMoved"})


@dataclass(frozen=True)
class StayUnitChange:
    """The stay (index in ``case.stays``) a correction moves, from the unit it is in to the one named."""

    stay_index: int
    from_unit_id: str
    to_unit_id: str
    fields: tuple[str, ...]


def unit_named(value: Any) -> str:
    """A unit id from a correction's text: the id itself or the unit's official code (as reads accept)."""
    from domain.unit import unit_id_for

    text = str(value).strip()
    try:
        return str(UUID(text))
    except ValueError:
        return str(unit_id_for(text))


def stay_unit_change(case: Any, target_version: int, corrections: Iterable[FieldCorrection]) -> StayUnitChange | None:
    """The stay a correction of entry ``target_version`` moves to another unit, or None when it names no unit.

    Refuses (D-04) a unit named on an entry whose unit follows from an earlier stay, and two different
    units for one stay.
    """
    named = {c.field: c.value for c in corrections if c.field in UNIT_FIELDS}
    if not named or target_version not in case._entries:
        return None
    entry = case._entry(target_version)
    kind = type(entry).__name__
    if "origin_unit_id" in named or (kind in FOLLOWING and kind not in STARTS):
        refuse("D-04", "This movement leaves the unit of the stay before it; correct the unit on the entry that "
                       "started that stay (the intake, transfer or return), and every movement follows.")
    if kind not in STARTS:
        return None
    units = {unit_named(v) for v in named.values()}
    if len(units) > 1:
        refuse("D-04", "The correction names two different units for one stay; name the unit once.")
    index = sum(1 for e in case._log if type(e).__name__ in STARTS and e.originator_version < target_version)
    return StayUnitChange(index, case.stays[index].unit_id, units.pop(), STARTS[kind])


def check_stay_unit_fields(case: Any, entry: Any, corrections: Iterable[FieldCorrection]) -> None:
    """Refuse a stay's unit corrected on the case alone: the units must follow (R-66: one save, both sides)."""
    fields = {c.field for c in corrections}
    if fields & UNIT_FIELDS and type(entry).__name__ in STARTS and not case.__dict__.get("_units_follow"):
        refuse("R-66", "The unit of a stay is corrected with the correct_case_entry command, which moves the "
                       "stay in both units' records in the same save.")


def correct_stay_unit(case: Any, *, origin: Unit, destination: Unit, change: StayUnitChange,
                      correct: Callable[..., Any], **arguments: Any) -> Any:
    """Correct the unit of a stay: the case's entry (``correct``, ``Case.correct_entry``), the entries of
    the stay in ``origin`` (the unit first recorded) and the stay recorded in ``destination`` (the right one)."""
    i, stays = change.stay_index, list(case.stays)
    stay = stays[i]
    right = str(destination.id)
    if change.from_unit_id == right:
        refuse("D-04", f"This stay is already recorded in unit {destination.unit_code}.")
    # A transfer joins two different units (E21): a correction may not make one a transfer into the same unit.
    after = stays[i + 1] if i + 1 < len(stays) else None
    if (after is not None and after.admission_reason is AdmissionReason.TRANSFERENCIA and after.unit_id == right) or (
            stay.admission_reason is AdmissionReason.TRANSFERENCIA and i > 0 and stays[i - 1].unit_id == right):
        refuse("D-04", f"The youth was transferred between this stay and unit {destination.unit_code}; a stay "
                       "there would make a transfer into the same unit. Correct the transfer's entry instead.")
    entry = case._entry(arguments["target_version"])
    modality = getattr(entry, "modality", None) or case._current_modality()
    # The right unit must be one that receives this youth (D-03 sex, modality and age; R-08 at 21).
    case._check_unit_profile(destination, modality, local_date(stay.started_at))
    moved = _stay_entries(origin, case.id)
    before = sum(1 for s in stays[:i] if s.unit_id == str(origin.id))
    if before >= len(moved):
        refuse("D-02", f"Unit {origin.unit_code} holds no entry of this stay; the units' records disagree with "
                       "the case's — ask the administrator to check the unit's stream.")
    others = tuple(c for c in arguments.pop("corrections") if c.field not in UNIT_FIELDS)
    corrections = others + tuple(FieldCorrection(f, right) for f in change.fields)
    ending = _ending_entry(case, arguments["target_version"])
    case._units_follow = True
    try:
        result = correct(case, corrections=corrections, **arguments)
        if ending is not None:
            # The movement that ended the stay left the right unit too (the release's unit, the transfer's
            # origin): corrected in the same save, so the case view's released-from unit follows.
            version, field = ending
            case._units_follow = True  # the state was rebuilt from the corrected entries
            correct(case, **{**arguments, "target_version": version,
                             "corrections": (FieldCorrection(field, right),)})
    finally:
        case.__dict__.pop("_units_follow", None)
    common = dict(reason=arguments["reason"], authorised_by=arguments["authorised_by"],
                  occurred_at=arguments["occurred_at"], actor=arguments["actor"],
                  source_document=arguments.get("source_document"))
    for version in moved[before]:
        origin.follow_stay_correction(target_version=version, to_unit_id=right, **common)
    now = case.stays[i]
    destination.record_stay_by_correction(case_id=case.id, admitted_at=now.started_at, reason=now.admission_reason,
                                          departed_at=now.ended_at, departure_reason=now.departure_reason,
                                          actor=arguments["actor"], source_document=arguments.get("source_document"))
    return result


def _ending_entry(case: Any, start_version: int) -> tuple[int, str] | None:
    """The entry that ended the stay started at ``start_version`` and the field naming the unit it left."""
    for e in case._log:
        kind = type(e).__name__
        if e.originator_version > start_version and kind in FOLLOWING:
            return e.originator_version, "origin_unit_id" if kind == "TransferCompleted" else "unit_id"
    return None


def _stay_entries(unit: Unit, case_id: UUID) -> list[list[int]]:
    """The versions of each of the case's stays in ``unit``, in order (admission, room moves, departure);
    entries a correction already moved to another unit are not this unit's."""
    moved = {e.target_version for e in unit._log if type(e).__name__ == "EntryCorrected"
             and any(c.field == "unit_id" for c in e.corrections)}
    stays: list[list[int]] = []
    for e in unit._log:
        kind = type(e).__name__
        if kind not in UNIT_STAY_ENTRIES or e.case_id != case_id or e.originator_version in moved:
            continue
        if kind == "ResidentAdmitted":
            stays.append([e.originator_version])
        elif stays:
            stays[-1].append(e.originator_version)
    return stays
