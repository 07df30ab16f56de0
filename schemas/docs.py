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
    "unit_id": "Id of the unit where the event was recorded: the Unit stream id (a uuid, as text), "
    "not the unit code. May be empty in a Case event recorded while the youth is in no unit "
    "(e.g. a court order filed before intake, a correction after release).",
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
    "VacancyReleased.vacancy_id": "Id of the reserved place (vaga); the intake that takes it names it.",
    "VacancyReleased.requesting_process": "Number of the judicial process that asked for the place.",
    "VacancyReleased.valid_until": "Last day the reservation is valid; an unused place is then free again.",
    "VacancyFilled.vacancy_id": "The reserved place taken by the youth (VacancyReleased.vacancy_id).",
    "EntryCorrected.reason": "Why the entry is corrected (free text).",
    "EntryVoided.reason": "Why the entry is voided (free text).",
    # --- names used with one meaning across Case events ---
    "exceptions": "Protective rules the fact breaks, recorded anyway with their justification "
    "(the ledger records facts; empty when none).",
    "procedure_id": "Id of the youth's disciplinary procedure (procedimento disciplinar), given when it is opened.",
    "leave_id": "Id of the family leave (visita à família), given when it is authorised.",
    "exit_id": "Id of the external exit (saída externa), given when it starts; the return names it.",
    "isolation_id": "Id of the isolation, given when it is applied; its notices and its end name it.",
    "incentive_id": "Id of the incentive (estímulo), given when it is granted.",
    "suspension_id": "Id of the court's visit suspension, given when it is recorded; the lifting names it.",
    "petition_id": "Id of the youth's petition, given when it is filed; the answer names it.",
    "visitor_id": "Id of the visitor on the youth's visitor list (rol de visitantes).",
    # --- Case: A. identity and intake ---
    "AdolescentRegistered.process_number": "Number of the execution process (processo de execução); the case id "
    "is a uuid5 of it.",
    "AdolescentRegistered.guia_number": "Number of the Guia de Execução, if known.",
    "AdolescentRegistered.sipia_id": "The youth's id in SIPIA/SINASE, if known.",
    "AdolescentRegistered.name": "The youth's civil name (nome).",
    "AdolescentRegistered.social_name": "The youth's social name (nome social), if any.",
    "AdolescentRegistered.birth_date": "Date of birth; sets the release at 21 (ECA 121 §5) and the age checks.",
    "AdolescentRegistered.sex": "Sex, used for unit profile and room separation.",
    "AdolescentRegistered.civil_document": "Civil document (RG or certidão de nascimento), as text.",
    "AdolescentRegistered.filiation": "Parents' names (filiação).",
    "AdolescentRegistered.family_address": "The family's address.",
    "AdolescentRegistered.family_comarca": "Judicial district (comarca) where the family lives.",
    "IntakeRecorded.modality": "Legal modality of the stay that begins (ECA 108, 120, 122).",
    "IntakeRecorded.origin": "Where the youth comes from (provisional unit, police station, other unit, "
    "recapture, spontaneous presentation).",
    "IntakeRecorded.apprehended_on": "Date of apprehension (apreensão), if known; the 45 days of internação "
    "provisória count from it (ECA 108).",
    "IntakeRecorded.days_in_police_custody": "Days the youth spent in police custody before arriving (ECA 185 §2).",
    "IntakeRecorded.documents_presented": "Intake documents presented; all those the unit requires must be "
    "present (Reg. arts. 24, 28, 29).",
    "IntakeRecorded.escort_name": "Name of the escorting officer (Oficial de Justiça or police officer).",
    "IntakeRecorded.escort_document": "ID document number of the escorting officer.",
    "IntakeRecorded.search_witnessed_by_escort": "Whether the escorting officer witnessed and signed the intake "
    "search (revista; Reg. art. 33).",
    "IntakeRecorded.belongings_receipt_id": "Number of the belongings receipt signed by the youth (Reg. art. 35).",
    "IntakeRecorded.body_exam_reference": "Reference of the exame de corpo de delito (Reg. art. 28 IV).",
    "IntakeRecorded.seriousness": "Seriousness of the offence, for room separation (ECA 123), if assessed.",
    "IntakeRecorded.build": "Physical build (compleição física), for room separation (Reg. art. 40), if assessed.",
    "IntakeRecorded.exceptions": "Protective rules the intake breaks, recorded anyway (e.g. over capacity, "
    "R-04/R-05; outside 08-15 h on a business day, R-06, Reg. art. 25).",
    "IntakeRefused.reasons": "Why the intake was refused, from the closed list (Reg. art. 24 par. único, "
    "28 par. único, 33).",
    "IntakeRefused.missing_documents": "Intake documents that were missing (the court must send them); empty "
    "unless a document was missing.",
    "IntakeRefused.destination": "Where the youth was sent: back with the escort or to the specialised police "
    "station (Reg. art. 28 par. único, 33 par. único).",
    "IntakeRefused.presenting_officer": "Name of the officer who presented the youth.",
    "IntakeRefused.court_notified": "Whether the court was notified of the refused intake.",
    "IntakeFindingReported.findings": "What the intake search found, from the closed list (Reg. art. 33 par. único).",
    "IntakeFindingReported.description": "Description of the findings (free text).",
    "IntakeFindingReported.referred_to_police_station": "Whether the youth was referred to the specialised police "
    "station (Reg. art. 33 par. único).",
    "IntakeFindingReported.escort_present": "Whether the escorting officer was present (Reg. art. 33 par. único).",
    "IntakeFindingReported.exceptions": "Protective rules the report breaks, recorded anyway (R-15: not yet "
    "referred to the police station in the escorting officer's presence).",
    "OrientationAcknowledged.document_version": "Version of the written rules, disciplinary rules included, "
    "handed to the youth (Reg. art. 34; SINASE 49 V).",
    "OrientationAcknowledged.family_acknowledged": "Whether the family also acknowledged the rules.",
    "AcolhimentoStepCompleted.step": "The acolhimento step completed (Reg. art. 31 I-IV).",
    "AcolhimentoCompleted.exceptions": "Protective rules the closure breaks, recorded anyway (e.g. R-12: "
    "acolhimento beyond 3 business days, Reg. art. 32).",
    "FamilyAcolhimentoHeld.members_present": "Number of family members present (at least one).",
    "FamilyAcolhimentoHeld.rights_and_visits_explained": "Whether rights, duties and visit rules were explained "
    "to the family (Reg. art. 44).",
    "RoomAssigned.room": "Room (alojamento) the youth is assigned to.",
    "RoomAssigned.reason": "Why the room is assigned: routine, protection or emergency (Reg. art. 21 XIX, 51 XI).",
    "RoomAssigned.justification": "Justification (free text); required for an emergency change (Reg. art. 21 XIX).",
    "RoomAssigned.exceptions": "Separation rules the assignment breaks, recorded anyway (age band, build, "
    "seriousness, provisional with definitive; ECA 123, Reg. art. 40).",
    # --- Case: B. PIA and judicial execution ---
    "PIASubmitted.version": "Number of this PIA proposal for the case, from 1 (a resubmission is the next one).",
    "PIASubmitted.sections": "Sections the PIA contains; all eight minimum ones are required (Reg. art. 69 I-VIII).",
    "PIASubmitted.youth_participated": "Whether the youth took part in the PIA (SINASE 49 VI).",
    "PIASubmitted.family_participated": "Whether the family took part in the PIA (SINASE 52 par. único; Reg. art. 67).",
    "PIASubmitted.protocol_number": "Protocol number under which the PIA was filed with the court.",
    "PIASubmitted.exceptions": "Protective rules the submission breaks, recorded anyway (e.g. R-22: PIA sent "
    "after 45 days).",
    "PIAHomologated.tacit": "Whether the homologation is tacit (no challenge in time) rather than express.",
    "PIAImpugned.challenged_by": "Who challenged the PIA (normally the MP or the defence).",
    "ProgressReportSubmitted.kind": "Kind of report: initial, follow-up, reassessment or conclusive.",
    "ProgressReportSubmitted.conclusion": "The report's explicit conclusion (CNMP67 Annex bimestral 3.3).",
    "ProgressReportSubmitted.authors": "Authors, from at least two technical professions (interdisciplinary).",
    "ProgressReportSubmitted.protocol_number": "Protocol number under which the report was filed with the court.",
    "ProgressReportSubmitted.exceptions": "Protective rules the report breaks, recorded anyway (e.g. R-25: sent "
    "after the reassessment deadline).",
    "ReassessmentRequested.requester": "Who asks for the reassessment (SINASE 43; Reg. art. 73).",
    "ReassessmentRequested.ground": "Ground of the request (SINASE 43 I-III).",
    "ReassessmentHearingHeld.hearing_on": "Date of the hearing.",
    "ReassessmentHearingHeld.technical_team_present": "Whether the unit's technical team attended (CNMP67 item 3.6).",
    "ReassessmentHearingHeld.defender_present": "Whether the youth's defender attended.",
    "ReassessmentHearingHeld.youth_present": "Whether the youth attended.",
    "ReassessmentHearingHeld.family_notified": "Whether the family was notified of the hearing.",
    "MeasureDecisionRecorded.decision": "What the court decided on the measure.",
    "MeasureDecisionRecorded.new_modality": "Modality the decision sets, if it changes it (required for "
    "substitution and conversion into a definitive measure).",
    "MeasureDecisionRecorded.effective_on": "Date the decision takes effect; the next reassessment counts from it.",
    "MeasureDecisionRecorded.raw_text": "Text of the decision as transcribed (free text).",
    "JudicialOrderReceived.kind": "Kind of court order.",
    "JudicialOrderReceived.protocol_number": "Protocol number under which the order was filed in the case.",
    # --- Case: C. movement ---
    "TransferCompleted.origin_unit_id": "Unit the youth leaves (Unit stream id, as text).",
    "TransferCompleted.destination_unit_id": "Unit the youth enters (Unit stream id, as text).",
    "TransferCompleted.pia_and_history_sent": "Whether the PIA and the execution history went with the youth "
    "(SINASE 44 par. único).",
    "TransferCompleted.vehicle": "Vehicle used for the transport.",
    "TransferCompleted.exceptions": "Protective rules the transfer breaks, recorded anyway (e.g. destination over "
    "capacity, handcuffs used, Reg. art. 51 XXVIII).",
    "ExternalExitStarted.purpose": "Purpose of the exit; in the first 8 days only Reg. art. 76 I-VI.",
    "ExternalExitStarted.authorised_by": "Who authorised the exit (staff id and role; the gerente in the first "
    "8 days, Reg. art. 76).",
    "ExternalExitStarted.team_assessed": "Whether the technical team assessed the exit (required in the first "
    "8 days, Reg. art. 76).",
    "ExternalExitStarted.search_done": "Whether the youth was searched before leaving (Reg. art. 20 VI).",
    "ExternalExitStarted.expected_return_at": "When the youth is expected back; a later return is flagged.",
    "ExternalExitEnded.search_done": "Whether the youth was searched on return (Reg. art. 20 VI).",
    "ExternalExitEnded.exceptions": "Protective rules the return breaks, recorded anyway (D-08: back after "
    "the expected time).",
    "FamilyLeaveAuthorized.kind": "Same-day return or return on a later day (Reg. art. 63 I-II).",
    "FamilyLeaveAuthorized.leave_date": "Day the youth leaves; there are no make-up days (Reg. art. 79 II).",
    "FamilyLeaveAuthorized.day_of_measure": "Day of the measure in this unit on the leave date, intake day = 1 "
    "(Reg. art. 63, 75).",
    "FamilyLeaveAuthorized.technical_assessment_done": "Whether the technical team assessed the family context "
    "(Reg. art. 79 I).",
    "FamilyLeaveAuthorized.travels_alone": "Whether the youth travels without a parent or guardian (Reg. art. 79 III).",
    "FamilyLeaveAuthorized.guardian_term_signed": "Whether the guardian signed the term of responsibility "
    "(required when the youth travels alone, Reg. art. 79 III).",
    "FamilyLeaveAuthorized.exceptions": "Protective rules the authorisation breaks, recorded anyway (R-31: "
    "before the eligible day, on an individual revision with reasons).",
    "FamilyLeaveStarted.search_done": "Whether the youth was searched before leaving (Reg. art. 20 VI).",
    "FamilyLeaveReturned.search_done": "Whether the youth was searched on return (Reg. art. 20 VI).",
    "FamilyLeaveReturned.late": "Whether the youth came back after 19:30 of the due day (Reg. art. 63; "
    "a possible evasion).",
    "FamilyLeaveReturned.exceptions": "Protective rules the return breaks, recorded anyway (R-32: late return).",
    "EvasionRecorded.kind": "How the evasion happened (from inside the unit, during an external activity, "
    "not returning from an exit).",
    "EvasionRecorded.court_notified": "Whether the court was notified (Reg. art. 14 XI).",
    "EvasionRecorded.superintendencia_notified": "Whether the Superintendência was notified (Reg. art. 14 XI).",
    "EvasionRecorded.exceptions": "Protective rules the record breaks, recorded anyway (R-53: court or "
    "Superintendência not yet notified).",
    "ReturnedFromEvasion.exceptions": "Protective rules the re-admission breaks, recorded anyway (over "
    "capacity, R-04/R-05).",
    # --- Case: D. discipline ---
    "DisciplinaryProcedureOpened.incident_id": "The unit's incident (ocorrência, Unit.DisciplinaryIncidentReported) "
    "that names this youth.",
    "DisciplinaryProcedureOpened.offence_code": "Code of the offence in the disciplinary catalogue (SINASE 71 I).",
    "DisciplinaryProcedureOpened.severity": "Severity of the offence, from the catalogue (leve, média, grave).",
    "DisciplinaryProcedureOpened.commission": "Commission (Conselho Socioeducador): at least 3 members, one from "
    "the technical team, no psychologist, no socioeducando (SINASE 71 VIII, 73; Reg. art. 15 X).",
    "DisciplinaryProcedureOpened.defender_notified": "Whether the youth's defender was notified (SINASE 49 I).",
    "DisciplinaryProcedureOpened.parents_notified": "Whether the parents or guardian were notified.",
    "DisciplinaryHearingHeld.youth_heard": "Whether the youth was heard (oitiva; SINASE 71 III).",
    "DisciplinaryHearingHeld.defender_present": "Whether the youth's defender assisted (SINASE 49 I; Reg. art. 97 "
    "par. único).",
    "DisciplinaryHearingHeld.parents_present": "Whether the parents or guardian were present.",
    "DisciplinaryHearingHeld.defence_presented": "Whether a defence was presented.",
    "DisciplinaryDecisionIssued.outcome": "Outcome: no sanction, filed (arquivado) or sanction.",
    "DisciplinaryDecisionIssued.sanction": "Measure applied, from the closed list; null without a sanction.",
    "DisciplinaryDecisionIssued.starts_on": "First day of the sanction; null without a sanction.",
    "DisciplinaryDecisionIssued.ends_on": "Last day of the sanction (fixed duration, SINASE 71 IV); null without "
    "a sanction.",
    "DisciplinaryDecisionIssued.exclusion_grounds_examined": "Whether the exclusion grounds were examined "
    "(SINASE 75).",
    "DisciplinaryDecisionIssued.exclusion_ground_found": "Exclusion ground found, if any; then there is no "
    "sanction (SINASE 75).",
    "DisciplinaryDecisionIssued.aggravating": "Aggravating circumstances considered (free text each).",
    "DisciplinaryDecisionIssued.attenuating": "Attenuating circumstances considered (free text each).",
    "DisciplinaryDecisionIssued.decided_by": "Who decided (staff id and role; never the psychologist, Reg. art. 15 X).",
    "DisciplinaryDecisionIssued.appeal_information_given": "Whether the youth was told how to appeal (SINASE 71 VII).",
    "AppealFiled.filed_by": "Who filed the appeal (defender, MP, youth, parents, ...).",
    "AppealDecided.outcome": "Outcome of the appeal: upheld, reduced or annulled.",
    "AppealDecided.new_ends_on": "New last day of a reduced sanction; null unless reduced.",
    "UseOfForceRecorded.technique": "Containment technique used, from the closed list (CNMP67 Annex III "
    "1.12-1.13); chemical restraint is not on it (CONANDA 252 art. 68).",
    "UseOfForceRecorded.staff": "Staff who used force (staff id and role).",
    "UseOfForceRecorded.injuries": "Whether anyone was injured.",
    "UseOfForceRecorded.medical_exam_reference": "Reference of the medical examination, if one was made.",
    "UseOfForceRecorded.justification": "Why force was used (free text; ECA 125).",
    "UseOfForceRecorded.exceptions": "Protective rules the record breaks, recorded anyway (R-52: injuries "
    "without a medical examination recorded).",
    "IsolationApplied.ground": "Safety ground of the isolation, the only one allowed (SINASE 48 §2).",
    "IsolationApplied.justification": "Why isolation is indispensable for safety (free text).",
    "IsolationApplied.place": "Where in the unit the youth is isolated.",
    "IsolationNoticesSent.defender_notified_at": "When the defender was notified.",
    "IsolationNoticesSent.prosecutor_notified_at": "When the Ministério Público was notified.",
    "IsolationNoticesSent.judge_notified_at": "When the judge was notified.",
    "IsolationNoticesSent.exceptions": "Protective rules the notices break, recorded anyway (R-48: sent more "
    "than 24 h after the isolation began).",
    "IsolationEnded.exceptions": "Protective rules the end breaks, recorded anyway (R-48: ended without the "
    "notices to defender, MP and judge).",
    "IncentiveGranted.kind": "Kind of incentive (Reg. arts. 65, 66).",
    "IncentiveGranted.team_heard": "Whether the reference team was heard before granting (Reg. art. 64 §3).",
    "IncentiveSuspended.motive": "Why the incentive is suspended (Reg. art. 64 §3).",
    "IncentiveSuspended.procedure_id": "Disciplinary procedure whose sanction grounds a suspension for misconduct "
    "(SINASE 74); may be null for other motives.",
    # --- Case: E. visits ---
    "VisitorRegistered.visitor_id": "Id given to the visitor on the youth's list; visits, refusals and suspensions "
    "name it.",
    "VisitorRegistered.name": "The visitor's name.",
    "VisitorRegistered.photo_id_kind": "Kind of photo ID presented (Reg. art. 56).",
    "VisitorRegistered.photo_id_number": "Number of the visitor's photo ID.",
    "VisitorRegistered.relationship": "The visitor's relationship to the youth.",
    "VisitorRegistered.relationship_proof": "Document proving the relationship (Reg. art. 58), as text.",
    "VisitorRegistered.is_minor": "Whether the visitor is under 18 (Reg. art. 55 V).",
    "VisitorRegistered.parental_authorisation": "Written authorisation of a minor visitor's parents or guardian "
    "(Reg. art. 55 V), as text; null for adults.",
    "VisitorRegistered.qualified_by_team": "Whether the technical team qualified the visitor (required for "
    "exceptional visits, Reg. art. 55 II).",
    "VisitorRegistered.modalities": "Visit modalities the visitor may use (Reg. art. 55 I-II).",
    "VisitorRegistered.priority": "Whether the visitor has priority (person with disability, elderly, pregnant; "
    "Reg. art. 57).",
    "VisitorDeactivated.reason": "Why the visitor is deactivated (free text).",
    "VisitHeld.visitor_ids": "Visitors at the visit: one or two (Reg. art. 55 IV).",
    "VisitHeld.modality": "Visit modality: common or exceptional (Reg. art. 55 I-II).",
    "VisitHeld.started_at": "When the visit started.",
    "VisitHeld.ended_at": "When the visit ended.",
    "VisitHeld.search_done": "Whether the visitors were searched before the visit (Reg. art. 55 IX).",
    "VisitRefused.visitor_id": "The refused visitor, if on the youth's list; null for someone not on it.",
    "VisitRefused.reason": "Why entry was refused, from the closed list (Reg. art. 62 I-VIII).",
    "VisitRefused.family_guidance_signed": "Whether the family received and signed the written guidance "
    "(Reg. art. 62 par. único).",
    "VisitRefused.noted_in_agenda": "Whether the refusal was noted in the youth's individual agenda "
    "(Reg. art. 62 par. único).",
    "VisitsSuspendedByCourt.visitor_ids": "Visitors the suspension covers; empty means every visitor.",
    "VisitsSuspendedByCourt.starts_on": "First day of the suspension.",
    "VisitsSuspendedByCourt.ends_on": "Last day of the suspension; null if open-ended (until lifted).",
    "PhoneCallHeld.reason": "Why the call was granted (Reg. art. 51 XXXII §1, 66 V).",
    "PhoneCallHeld.duration_minutes": "Duration of the call, in minutes.",
    "PhoneCallHeld.days_without_visit": "Days since the last visit, or since arrival in this unit if none, on the "
    "day of the call (a call is due from 15, Reg. art. 51 XXXII §1).",
    # --- Case: I. petitions ---
    "PetitionFiled.addressee": "Authority the petition is addressed to (ECA 124 II).",
    "PetitionFiled.subject": "Subject category only; the content is never in the event.",
    "PetitionFiled.sealed": "Whether the content is sealed from unit staff (addressed to the judge, MP or Defensoria).",
    "PetitionAnswered.exceptions": "Protective rules the answer breaks, recorded anyway (R-41: answered after "
    "15 days, SINASE 49 IV).",
    # --- Case: J. release ---
    "ReleaseOrderReceived.protocol_number": "Protocol number under which the release order was filed.",
    "ReintegrationReportedToCourt.protocol_number": "Protocol number of the ofício telling the court of the "
    "reintegration (Reg. art. 107 IV).",
    "Released.basis": "Legal basis of the release; ex_lege_* are releases by operation of law.",
    "Released.documents_delivered": "Whether the youth's documents were delivered (ECA 124 XVI; Reg. art. 51 X).",
    "Released.belongings_returned": "Whether the belongings kept at intake were returned.",
    "Released.termo_de_desligamento_signed": "Whether the Termo de Desligamento was signed (Reg. art. 107).",
    "Released.family_present": "Whether the family was present at the release.",
    "Released.exceptions": "Protective rules the release breaks, recorded anyway (release by law with the "
    "checklist pending; outside 08-15 h Mon-Fri, Reg. art. 107).",
    # --- new value types (E12) ---
    "PlanGoal.description": "What is agreed (free text; may name people).",
    "PlanGoal.due_on": "Deadline agreed for the goal (Reg. art. 70 II).",
    # --- Case: B. PIA stages (E11, E12, E15) ---
    "CaseStudyHeld.participants": "Professionals in the case study (staff id and role); at least two technical "
    "areas (Reg. art. 70 I).",
    "CaseStudyHeld.youth_participated": "Whether the youth took part in the case study.",
    "CaseStudyHeld.family_participated": "Whether the family took part in the case study.",
    "CaseStudyHeld.needs": "Needs and urgent referrals identified (free text each; Reg. art. 70 I).",
    "ContractAgreed.goals": "Goals agreed with the youth and the family, each with a deadline (Reg. art. 70 II).",
    "ContractAgreed.youth_agreed": "Whether the youth agreed the contrato social (always true when recorded).",
    "ContractAgreed.family_agreed": "Whether the family agreed the contrato social (always true when recorded).",
    "ContractAgreed.sent_to_external_network": "Whether the contract was sent to the external network for "
    "continuity after the measure (Reg. art. 70 II).",
    "PIAUpdated.version": "Version of the PIA proposal revised (PIASubmitted.version).",
    "PIAUpdated.changed_sections": "Sections of the PIA that changed (Reg. art. 69 I-VIII).",
    "PIAUpdated.changes": "What changed (free text).",
    "PIAUpdated.reason": "Why the PIA was revised (free text).",
    "PIAUpdated.increases_restriction": "Whether the change increases the restriction of liberty; then the "
    "source document is the court's decision (SINASE 43 §1 III, §4).",
    # --- Case: C. movement (E26) ---
    "ApprehendedByPoliceInUnit.officer_name": "Name of the police officer who apprehended the youth "
    "(Reg. art. 27 par. único).",
    "ApprehendedByPoliceInUnit.officer_document": "Identification (badge or ID number) of that officer.",
    "ApprehendedByPoliceInUnit.reason": "Reason the police gave for the apprehension (free text).",
    "ApprehendedByPoliceInUnit.form_reference": "Reference of the apprehension form filled in at the unit.",
    # --- Case: D. discipline (E35, E38) ---
    "DamageRepairAssessed.damage": "Damage to the unit's property (free text; Reg. art. 37).",
    "DamageRepairAssessed.value_cents": "Value assessed for the repair, in centavos of real (BRL).",
    "DamageRepairAssessed.family_liable": "Whether the repair is made through the family (Reg. art. 52 XX).",
    "SearchPerformed.kind": "What was searched: the youth, the room or the belongings.",
    "SearchPerformed.reason": "Why the search was made (Reg. art. 20 VI, XVII; 51 IX).",
    "SearchPerformed.staff": "Professionals who made the search: more than one; the líder for a room search "
    "(Reg. art. 21 XIII).",
    "SearchPerformed.items_seized": "Items seized (free text each); empty when nothing was found.",
    # --- Case: E. visits and contacts (E40, E46) ---
    "schedule_id": "Id of the exceptional-visit booking, given when it is made.",
    "VisitScheduled.visitor_ids": "Visitors booked: one or two, qualified for exceptional visits (Reg. art. 55 II, IV).",
    "VisitScheduled.starts_at": "When the visit is booked to start (a weekday).",
    "VisitScheduled.ends_at": "When the visit is booked to end (at most one hour later).",
    "PrivateInterviewHeld.authority": "Who interviewed the youth in private: MP, Defensoria or the youth's lawyer "
    "(ECA 124 I, III). The content is never recorded.",
    "PrivateInterviewHeld.duration_minutes": "Duration of the interview, in minutes.",
    # --- Case: J. release (E61) ---
    "EgressFollowUpRecorded.contact": "How the team reached the released youth.",
    "EgressFollowUpRecorded.in_school": "Whether the youth is in school; null if not asked.",
    "EgressFollowUpRecorded.in_course_or_work": "Whether the youth is in a course or working; null if not asked.",
    "EgressFollowUpRecorded.referred_to_network": "Whether the youth was referred to the external network "
    "(CRAS, CREAS, CAPS, school).",
    "EgressFollowUpRecorded.notes": "Notes of the follow-up (free text), if any.",
    # --- Unit: K. access, roster, oversight, reports (E47, E63-E66) ---
    "access_id": "Id of the access log entry (registro de acesso), given when it is logged.",
    "AuthorityOrVisitorAccessLogged.category": "Who entered: staff, visitor, judiciary, MP, Defensoria, "
    "Conselho Tutelar, other.",
    "AuthorityOrVisitorAccessLogged.name": "Name of the person who entered (Reg. art. 20 XXIV).",
    "AuthorityOrVisitorAccessLogged.document": "ID document of the person who entered (Reg. art. 20 XXIV).",
    "AuthorityOrVisitorAccessLogged.institution": "Institution the person represents, if any (empty otherwise).",
    "AuthorityOrVisitorAccessLogged.entered_at": "When the person entered the unit.",
    "AuthorityOrVisitorAccessLogged.left_at": "When the person left the unit.",
    "StaffRosterChanged.staff_id": "Opaque staff identifier of the member whose record changes.",
    "StaffRosterChanged.name": "Name of the staff member (the CNMP roster lists names).",
    "StaffRosterChanged.category": "Professional category, as the CNMP forms count it (Annex III/IV 2.1).",
    "StaffRosterChanged.status": "Whether the member is active or inactive from this date (deactivated, never deleted).",
    "StaffRosterChanged.weekly_hours": "Weekly working hours in the unit.",
    "InspectionRecorded.inspection_id": "Id of the inspection, given when it is recorded.",
    "InspectionRecorded.kind": "Kind of inspection: two-monthly, semiannual (March/September), annual or "
    "extraordinary (CNMP67 arts. 1, 2, 2-A).",
    "InspectionRecorded.inspected_at": "When the inspection took place.",
    "InspectionRecorded.promotor_id": "Opaque id of the promotor de justiça who inspected (never a name).",
    "InspectionRecorded.accompanying": "Professionals who accompanied the promotor (e.g. social worker, "
    "psychologist; CNMP67 art. 1 §2).",
    "InspectionRecorded.report_due_on": "Last day for the inspection report: the 15th of the following month, "
    "rolled to the next business day (CNMP67 art. 2 §2-3).",
    "InspectionRecorded.access_id": "The MP's entry in the unit's access log (AuthorityOrVisitorAccessLogged), "
    "if logged (CNMP67 art. 1).",
    "InspectionRecorded.exceptions": "Rules the inspection breaks, recorded anyway (R-63: a semiannual inspection "
    "outside March or September).",
    "InspectionRecorded.answers": "The promotor's answers to the form's judgement items, filed with the report "
    "(empty when the inspection is recorded without its report; CNMP67 Annexes I-IV).",
    "InspectionRecorded.report": "The filed report's computed part: the snapshot and the bitemporal point it was "
    "computed at (absent when the inspection is recorded without its report).",
    "InspectorAnswer.item": "The form item answered, by annex and number as the catalogue numbers it (\"I 3.13 #1\").",
    "InspectorAnswer.choices": "The options ticked, among the item's own (several where the form allows).",
    "InspectorAnswer.text": "What the item asks to specify (institutions, facts; never a person's name).",
    "FiledReport.facts_on": "The day of the facts the report states (valid time).",
    "FiledReport.period_start": "First day of the report's period (peaks, discipline, evasions).",
    "FiledReport.recorded_as_of": "The recording time the read models were read as of (transaction time): "
    "computing the report again as recorded at this time reproduces the snapshot.",
    "FiledReport.snapshot": "The computed report as canonical JSON (case ids only, no personal data).",
    "FiledReport.snapshot_sha256": "SHA-256 of the snapshot, hex.",
    "MonthlyReportSubmitted.year": "Year of the period reported.",
    "MonthlyReportSubmitted.month": "Month of the period reported (1-12); null for the annual report.",
    "MonthlyReportSubmitted.protocol_number": "Protocol number of the report sent to the Superintendência "
    "(Reg. art. 14 XIV).",
    "SIPIAExportSubmitted.period_start": "First day of the period exported.",
    "SIPIAExportSubmitted.period_end": "Last day of the period exported.",
    "SIPIAExportSubmitted.active_count": "Youths with an active stay in the unit at the end of the period.",
    "SIPIAExportSubmitted.entries_count": "Entries (admissions, transfers in, returns) in the period.",
    "SIPIAExportSubmitted.exits_count": "Exits (releases, transfers out, evasions) in the period.",
    "SIPIAExportSubmitted.receipt_number": "Receipt number SIPIA/SINASE returned for the export.",
    "SIPIAExportSubmitted.report_digest": "SHA-256 (hex) of the report sent, as `caseledger sipia report` printed it; null if not given.",
}

TYPE_DOCS: dict[str, str] = {}
