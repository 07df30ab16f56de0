"""Documentation for fields and types that the domain classes do not document themselves.

Every field of the contract carries a `doc`. The generator takes it, in order,
from: the dataclass field's `metadata["doc"]`; a plain string in the field's
`Annotated[...]` metadata; `FIELD_DOCS["<Owner>.<field>"]`; `FIELD_DOCS["<field>"]`.
A type's doc is its class docstring, else `TYPE_DOCS["<Name>"]`.
Generation stops with the list of what is missing, so nothing ships undocumented.
"""

from __future__ import annotations

ENVELOPE_DOC = (
    "What every CaseLedger event carries: identity, stream position, the two times of "
    "the bitemporal ledger, who recorded it, where, and on what document."
)

# The envelope is ours (not a domain class): its docs live here.
ENVELOPE_FIELD_DOCS = {
    "event_id": "Unique id of the event: uuid5(stream_id, str(sequence)), so the same event "
    "always has the same id (consumers deduplicate on it).",
    "event_type": "Stable event type name, '<Aggregate>.<Event>' (e.g. 'Case.IntakeRecorded').",
    "stream_id": "Id of the stream the event belongs to: the case id (Case events) or the unit "
    "id (Unit events). Opaque: a uuid5 of a non-personal natural key, never of a name.",
    "sequence": "Position of the event in its stream, from 1 with no gaps (the aggregate version "
    "after the event); consumers skip a sequence they already applied.",
    "occurred_at": "When the fact happened in the world (valid time), UTC.",
    "recorded_at": "When the ledger recorded the fact (transaction time, system clock), UTC.",
    "actor": "Who recorded the event and in which role.",
    "unit_id": "Code of the unit where the event was recorded.",
    "source_document": "The document the record is based on (court order, ofício, form), if any.",
}

EVENT_ENVELOPE_FIELD_DOC = "Envelope: identity, stream position, times, actor, unit and source document."

FIELD_DOCS: dict[str, str] = {
    # --- shared value types (domain/values.py) ---
    "Actor.id": "Opaque staff identifier of the person who recorded the fact (never a name).",
    "Actor.role": "Role the person held when recording (Regimento arts. 13-22).",
    "StaffMember.staff_id": "Opaque staff identifier (never a name).",
    "StaffMember.role": "Role of the staff member.",
    "SourceDocument.kind": "Kind of document (guia de execução, mandado, ofício, Portaria, ...).",
    "SourceDocument.number": "Number of the document as printed on it.",
    "SourceDocument.process_number": "Number of the judicial process the document belongs to, if any.",
    "SourceDocument.issuer": "Court, authority or office that issued the document, if known.",
    "SourceDocument.issued_on": "Date the document was issued, if known.",
    "SourceDocument.file_sha256": "SHA-256 (hex) of the scanned document in the case folder, if filed.",
    "RecordedException.rule_code": "Code of the protective rule the fact breaks (e.g. R-05).",
    "RecordedException.justification": "Why the fact was recorded anyway (free text).",
    "RecordedException.alert": "Whether projections raise an alert to the gerente, court, MP and Defensoria.",
    "FieldCorrection.field": "Name of the corrected field of the earlier entry.",
    "FieldCorrection.value": "The corrected value, as text.",
    # --- names used with one meaning across events ---
    "case_id": "Id of the adolescent's case (opaque; the Case stream id).",
    "target_version": "Sequence (stream position) of the earlier entry this one corrects or voids.",
    "authorised_by": "Who authorised the correction (staff id and role).",
    "corrections": "The corrected fields with their new values.",
    "capacity": "Number of places the unit's Portaria sets (lotação máxima).",
    "min_age": "Youngest age, in years, the unit receives.",
    "max_age": "Oldest age, in years, the unit receives.",
    "required_intake_documents": "Documents that must all be present at intake in this unit (Reg. arts. 24, 28).",
    # --- Unit events ---
    "UnitCapacityDefined.unit_code": "Official code of the unit (the Unit stream id is a uuid5 of it).",
    "UnitCapacityDefined.name": "Official name of the unit.",
    "UnitCapacityDefined.unit_type": "Type of unit: semiliberdade, internação or internação provisória.",
    "UnitCapacityDefined.sex": "Sex of the youths the unit receives.",
    "UnitCapacityDefined.comarca": "Judicial district (comarca) where the unit is.",
    "ResidentAdmitted.reason": "Why the stay began: new admission, transfer in, return from evasion.",
    "ResidentAdmitted.exceptions": "Protective rules broken by the admission and recorded anyway (e.g. over capacity).",
    "ResidentDeparted.reason": "Why the stay ended; only 'desligamento' is an official release.",
    "ResidentMoved.room": "Room (alojamento) the youth is assigned to.",
    "DisciplinaryIncidentReported.incident_id": "Id of the incident (ocorrência), referenced by each youth's disciplinary procedure.",
    "DisciplinaryIncidentReported.involved_case_ids": "Case ids of every youth involved.",
    "DisciplinaryIncidentReported.location": "Where in the unit the incident happened.",
    "DisciplinaryIncidentReported.description": "What happened (free text; may name people).",
    "VisitorTemporarilySuspended.visitor_id": "Id of the suspended visitor in the visitor register.",
    "VisitorTemporarilySuspended.until": "Last day of the suspension.",
    "VisitorTemporarilySuspended.items_found": "Forbidden items found (free text).",
    "VisitorTemporarilySuspended.police_called": "Whether the police were called.",
    "EntryCorrected.reason": "Why the entry is corrected (free text).",
    "EntryVoided.reason": "Why the entry is voided (free text).",
}

TYPE_DOCS: dict[str, str] = {}
