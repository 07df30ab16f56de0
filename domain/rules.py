"""Rule catalogue (codes R-01…R-68 of docs/DOMAIN-DECISIONS.md §3, plus D-codes for data integrity) and
the single error type of a refused command.

A refused command raises :class:`RuleViolation`; nothing is written. A protective rule
broken by a fact that really happened is recorded in the event as a
:class:`domain.values.RecordedException` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import NoReturn, TypeVar


class Check(StrEnum):
    """How a rule is checked: refuse (HARD), warn (ALERT) or count (IND)."""

    HARD = "HARD"
    ALERT = "ALERT"
    IND = "IND"


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue: stable code, summary, legal source and check kinds."""

    code: str
    summary: str
    source: str
    checks: tuple[Check, ...]

    @property
    def check(self) -> Check:
        """The strongest check kind (HARD before ALERT before IND)."""
        for kind in (Check.HARD, Check.ALERT, Check.IND):
            if kind in self.checks:
                return kind
        return Check.IND


def _rule(code: str, summary: str, source: str, *checks: Check) -> tuple[str, Rule]:
    return code, Rule(code, summary, source, checks)


RULES: dict[str, Rule] = dict(
    [
    _rule('R-01', 'No admission, exclusion or transfer without an express order of the responsible court',
          'Reg. art. 27; ECA 106; ECA 121 §6', Check.HARD),
    _rule('R-02', "Admission requires every document (Carta/Guia de Execução, sentence or decision, court referral ofício, gerente's vacancy ofício, RG/birth certificate, exame de corpo de delito); partial delivery forbidden; otherwise return with the officer",
          'Reg. art. 24, 28, 29', Check.HARD),
    _rule('R-03', "Refused intake must be recorded with the missing items and the youth's destination",
          'Reg. art. 24 par. único, 28 par. único', Check.IND),
    _rule('R-04', 'Semiliberdade unit capacity ≤ 20; vacancy control by the gerente',
          'Reg. art. 14 IX; CNMP67 Annex II "SINASE: 20"', Check.HARD, Check.IND),
    _rule('R-05', 'Internação capacity reference is 40; occupancy ≤ 100 % (numerus clausus)',
          'CNMP67 Annex I; HC 143.988; CNJ 367', Check.ALERT, Check.IND),
    _rule('R-06', 'Intake / referral only 08–15 h on business days',
          'Reg. art. 25', Check.ALERT),
    _rule('R-07', 'At most one active stay per youth; one room at a time',
          'data integrity; SISPETI "1 child = 1 núcleo" analogue', Check.HARD),
    _rule('R-08', 'Nobody ≥ 21 in custody; alerts before the 21st birthday',
          'ECA 121 §5; ECA 2 par. único', Check.HARD, Check.ALERT, Check.IND),
    _rule('R-09', 'Age ≥ 12 at the date of the act',
          'ECA 2, 105', Check.HARD),
    _rule('R-10', 'Pre-sentence detention ≤ 45 days',
          'ECA 108, 183; 235', Check.ALERT),
    _rule('R-11', 'No detention in a prison; police station ≤ 5 days',
          'ECA 185; CNMP67 art. 3', Check.IND),
    _rule('R-12', 'Acolhimento within 3 business days of Inserção; remaining sessions within 2 business days if deferred',
          'Reg. art. 31, 32, 39', Check.HARD, Check.ALERT),
    _rule('R-13', 'Triage for 8 days; no exits except Reg. art. 76 I–VI with team assessment + gerente authorisation (or a judicial order)',
          'Reg. art. 32 par. único, 76', Check.HARD),
    _rule('R-14', 'Search on entry and at every exit / return; the escorting officer witnesses and signs the intake search',
          'Reg. art. 20 VI, 33', Check.HARD),
    _rule('R-15', "Bruises not in the medical exam, weapons or drugs at intake → specialised police station in the officer's presence",
          'Reg. art. 33 par. único', Check.ALERT),
    _rule('R-16', 'Belongings receipt (2 copies) signed; returned at release',
          'Reg. art. 35; ECA 124 XV', Check.HARD, Check.IND),
    _rule('R-17', 'Written rules (including disciplinary ones) given to the youth and acknowledged',
          'Reg. art. 34; SINASE 49 V', Check.HARD),
    _rule('R-18', 'Housing by age, compleição física and seriousness of the act',
          'ECA 123; Reg. art. 40', Check.ALERT, Check.IND),
    _rule('R-19', 'Sex separation of rooms',
          'CNMP67 Annex III/IV 1.3', Check.HARD),
    _rule('R-20', 'Separation provisória vs definitiva (internação)',
          'ECA 123; CNMP67 Annex 1.3.3', Check.ALERT, Check.IND),
    _rule('R-21', 'Emergency room change: líder justifies, records, updates the Quadro de Localização, moves all belongings, informs the gerente',
          'Reg. art. 21 XIX', Check.HARD),
    _rule('R-22', 'PIA proposal to the court within 45 days of entry (semiliberdade/internação); 15 days for meio aberto',
          'Reg. art. 68 §1; SINASE 55 par. único, 56', Check.ALERT, Check.IND),
    _rule('R-23', 'PIA minimum content (8 items) and participation of the youth and family',
          'Reg. art. 67, 69; SINASE 52–54; 49 VI', Check.HARD),
    _rule('R-24', 'No PIA for internação provisória',
          'SINASE 52', Check.HARD),
    _rule('R-25', "Judicial reassessment at most every 6 months (or the court's shorter period); report on the PIA's evolution mandatory",
          'ECA 121 §2; SINASE 42, 58; Reg. art. 74 §3; ECA 94 XIV', Check.ALERT, Check.IND),
    _rule('R-26', 'Reassessment reports must be interdisciplinary and contain an explicit conclusion; no generic templates',
          'CNMP67 Annex bimestral 3.2–3.4.1', Check.HARD, Check.IND),
    _rule('R-27', 'Reassessment may be requested at any time by unit management, defender, MP, youth or parents',
          'SINASE 43; Reg. art. 73', Check.HARD),
    _rule('R-28', 'Substitution by a more severe measure only after a hearing and a technical report',
          'SINASE 43 §4', Check.HARD),
    _rule('R-29', 'No restart of the measure on unification; maximum limits still apply',
          'SINASE 45 §1', Check.HARD),
    _rule('R-30', 'Internação ≤ 3 years; internação-sanção ≤ 3 months',
          'ECA 121 §3, 122 §1', Check.ALERT, Check.IND),
    _rule('R-31', 'Same-day family leave from day 45; overnight from day 75; from day 30 for youths from a provisional unit with quarterly reassessment; counted from the start in this unit',
          'Reg. art. 55 III, 63, 75, 77, 78', Check.HARD),
    _rule('R-32', "Leave requires a technical assessment of the family context, gerente authorisation, and a guardian's term if the youth travels alone; return by 19:30; no make-up days",
          'Reg. art. 77, 79 I–III', Check.HARD, Check.ALERT),
    _rule('R-33', 'Visit suspension only by the judicial authority',
          'Reg. art. 60; ECA 124 §2', Check.HARD),
    _rule('R-34', 'The unit may temporarily suspend a visitor caught with illegal items; the líder records it',
          'Reg. art. 61', Check.HARD),
    _rule('R-35', "Visit entry refused only for the Reg. art. 62 I–VIII reasons; family guidance signed; note in the youth's agenda",
          'Reg. art. 62', Check.HARD),
    _rule('R-36', '≤ 2 visitors per visit; under-18 visitors need parental authorisation; photo ID; proof of relationship',
          'Reg. art. 55 IV–V, 56, 58', Check.HARD),
    _rule('R-37', 'Exceptional visit: fortnightly, weekday, scheduled, 1 h, after technical qualification; list authorised by the gerente',
          'Reg. art. 55 II, 14 XX', Check.HARD, Check.ALERT),
    _rule('R-38', 'Common visits weekly (Sun 08–11 h); weekly visits are a right',
          'Reg. art. 55 I; ECA 124 VII', Check.HARD, Check.IND),
    _rule('R-39', '15 days without visitors → phone call right',
          'Reg. art. 51 XXXII §1', Check.ALERT),
    _rule('R-40', 'No incomunicabilidade under any sanction',
          'ECA 124 §1', Check.HARD),
    _rule('R-41', 'Petition answered within 15 days',
          'SINASE 49 IV; Reg. art. 51 II', Check.ALERT, Check.IND),
    _rule('R-42', 'No sanction without a prior legal/regulatory typification and due process',
          'SINASE 74, 71 I–II; Reg. art. 102 → IN 002/2015', Check.HARD),
    _rule('R-43', 'Formal procedure, hearing of the youth, listed defence guarantees, legal assistance, parents may attend',
          'SINASE 71 II–III, VI; 49 I; Reg. art. 97 par. único, 51 XIX; CNMP 2.7–2.9', Check.HARD, Check.IND),
    _rule('R-44', 'Commission ≥ 3 members, ≥ 1 from the technical team; no youth on it; the psychologist neither investigates nor decides',
          'SINASE 71 VIII, 73; Reg. art. 15 X', Check.HARD),
    _rule('R-45', 'Sanction has a fixed duration; aggravating / attenuating circumstances recorded',
          'SINASE 71 IV–V', Check.HARD),
    _rule('R-46', 'No sanction for irresistible coercion, force majeure or self-defence',
          'SINASE 75', Check.HARD),
    _rule('R-47', 'Individual sanctions only: no collective sanctions; no double punishment for the same conduct',
          'individualisation, SINASE 35 VI; Havana Rules r. 67 (UN); state regulations (e.g. DF Portaria 335/2024)', Check.HARD),
    _rule('R-48', 'Isolation only if indispensable for safety; defender, MP and judge notified within 24 h',
          'SINASE 48 §2; SINASE 15 IV', Check.HARD, Check.ALERT, Check.IND),
    _rule('R-49', 'Administrative appeal available; judicial review may be requested by defender, MP, youth or parents; the judge may suspend the sanction',
          'SINASE 71 VII, 48 caput', Check.HARD, Check.IND),
    _rule('R-50', 'Incentive suspension motivated by misconduct must link to a disciplinary decision',
          'Reg. art. 64 §3 + SINASE 74', Check.HARD),
    _rule('R-51', "Disciplinary regime independent of civil/criminal liability; damage to the unit → police station (youth's) and repair via family",
          'SINASE 72; Reg. art. 14 XII, 21 XVIII, 37, 52 XX', Check.IND),
    _rule('R-52', 'Chemical restraint forbidden; all medication in the medical record',
          'CONANDA 252 art. 68', Check.HARD),
    _rule('R-53', 'Evasion / rebellion: detailed report by the líder; court and Superintendência informed',
          'Reg. art. 21 XX, 14 XI', Check.ALERT, Check.IND),
    _rule('R-54', "Transfer carries the PIA and execution history; unit close to the family's residence",
          'SINASE 44 par. único; ECA 124 VI; Reg. art. 87 I', Check.HARD, Check.IND),
    _rule('R-55', 'No handcuffs for external activities; transport with dignity',
          'Reg. art. 51 XXVIII–XXIX; ECA 178', Check.HARD, Check.IND),
    _rule('R-56', 'Release only upon a court order, except by operation of law (21 years / 3 years / 45 days), which must never be blocked',
          'Reg. art. 105; ECA 121 §5–6', Check.HARD),
    _rule('R-57', 'Release carried out promptly after the order (regimento window 08–15 h Mon–Fri cannot justify holding the youth)',
          'Reg. art. 107; ECA 235, 234', Check.ALERT, Check.IND),
    _rule('R-58', 'At release: personal documents delivered, belongings returned, Termo de Desligamento (3 copies), gerente reports reintegration to the court',
          'ECA 124 XVI; Reg. art. 51 X, 107', Check.HARD),
    _rule('R-59', 'Daily occurrence records with CONANDA 252 art. 59 minimum content, validated by the shift leader',
          'CONANDA 252 arts. 58–59; Reg. art. 21 XII', Check.HARD, Check.ALERT),
    _rule('R-60', 'Access log of staff and visitors (name + document) at entry and exit; MP presence recorded',
          'Reg. art. 20 XXIV; CNMP67 art. 1', Check.HARD),
    _rule('R-61', 'Information about a youth is confidential; released only on a documented, reasoned and authorised request; no identification in any disclosure',
          'Reg. art. 14 VIII, XV, XXV; 20 XVIII; 22 V–VI; ECA 143–144; SINASE 59', Check.HARD),
    _rule('R-62', 'PIA visible only to programme staff, youth, parents, MP and defender unless a court authorises otherwise',
          'SINASE 59', Check.HARD),
    _rule('R-63', 'MP inspection at least every two months; semiannual ones in March and September; report by the 15th of the following month; weekend/holiday rollover',
          'CNMP67 arts. 1, 2, 2 §2, 2-A §3', Check.ALERT, Check.IND),
    _rule('R-64', 'Waiver of two-monthly inspections only if: no rebellion in 6 months, no overcrowding, no torture / ill-treatment record in 6 months, education offered, ECA 121 §2 respected at the last inspection',
          'CNMP67 art. 2-A §1', Check.IND),
    _rule('R-65', 'Monthly and annual unit reports to the Superintendência; monthly staff meeting',
          'Reg. art. 14 VI, XIV', Check.ALERT, Check.IND),
    _rule('R-66', 'Append-only; corrections as new events with reason; closed periods flagged for reissue',
          'design (Recidiviz raw-data history; SISPETI deactivate-not-delete)', Check.HARD),
    _rule('R-67', 'Unit PPP (Plano Político Pedagógico) yearly',
          'Reg. art. 11', Check.IND),
    _rule('R-68', "Death or accident: family informed by the gerente; the youth is told immediately of a relative's death",
          'Reg. art. 14 XXII, 51 XXIV', Check.ALERT),
    # Health (E48–E52; issue 20): numbered from R-71 so other new rows keep their own numbers.
    _rule('R-71', 'Health care through referrals to the SUS network: the technical team or the gerente refers (agents only in an emergency), with the reason; the appointment answers a recorded referral, after it',
          'Reg. art. 51 XVII, 53 VI, 89 par. único, 93; ECA 94 IX', Check.HARD),
    _rule('R-72', 'Hospitalisation: the family told and staying as companion, else the agent stays; a discharge ends a recorded admission, after it',
          'Reg. art. 20 §2, 59, 88 IX', Check.HARD, Check.ALERT),
    _rule('R-73', 'Severe mental disorder: individual, specialised treatment in a suitable place; flagged on a medical report, with the reason the youth is not in a health facility as the CNMP form asks',
          'ECA 112 §3; CNMP67 Annex I 3.12–3.12.2, II 3.11–3.11.2, III 3.22, IV 3.19; Reg. art. 93 VI', Check.HARD, Check.IND),
    _rule('R-74', 'A disease of compulsory notification is reported to the health surveillance, with the notification number',
          'Lei 6.259/1975 arts. 7–8; Reg. art. 93 VII', Check.HARD),
        # Data-integrity codes of the ledger itself (not in the Regimento).
        _rule('D-01', 'Business time (occurred-at) must be timezone-aware; dates are read in America/Cuiaba',
              'docs/DOMAIN-DECISIONS.md Decision 9 (bitemporal ledger)', Check.HARD),
        _rule('D-02', 'The command does not fit the current state of the case or unit (e.g. a released case accepts no movement)',
              "data integrity: a command must fit the case's or unit's recorded state (abutting stays)", Check.HARD),
        _rule('D-03', 'The unit does not serve this modality or sex (profile from its Portaria)',
              'Reg. art. 9, 10; docs/DOMAIN-DECISIONS.md Decision 10', Check.HARD),
        _rule('D-04', 'Referenced record (procedure, visitor, leave, petition, entry) must exist in this stream',
              'data integrity', Check.HARD),
        _rule('D-06', 'A fact transcribed from a court act needs the reference of the court document',
              'Reg. art. 22 XIII, XVII; ECA 121 §6', Check.HARD),
        _rule('D-07', 'No external activity while a court order forbids it',
              'ECA 121 §1, §7', Check.HARD),
        _rule('D-08', 'A return from an external exit after the expected time is recorded with an alert (possible evasion)',
              'Reg. art. 20 VI; docs/DOMAIN-DECISIONS.md E22 (expected and actual return)', Check.ALERT),
        _rule('D-05', 'Only the role the Regimento names may record this fact',
              'Reg. art. 14, 20, 21, 22', Check.HARD),
        _rule('D-09', 'A PIA change that increases the restriction of liberty needs a judicial decision',
              'SINASE 43 §1 III, §4', Check.HARD),
        _rule('D-10', 'The case study (Estudo de Caso) is interdisciplinary: professionals of at least two technical areas',
              'Reg. art. 13, 70 I', Check.HARD),
        _rule('D-11', 'A search is made by more than one professional and is never invasive; the líder supervises room searches',
              'CONANDA 252 (docs/DOMAIN-DECISIONS.md E38); Reg. art. 20 VI, XVII; 21 XIII', Check.HARD),
        _rule('D-12', 'A police apprehension in the unit is recorded with the officer\'s identification, the reason and the document filled in',
              'Reg. art. 27 par. único', Check.HARD),
        _rule('D-13', 'A date of birth lies before the registration and the intake that name it',
              'ECA 2 (age counts from birth); docs/DOMAIN-DECISIONS.md E01 (data de nascimento)', Check.HARD),
        _rule('D-14', 'Names are not blank: the adolescent, a visitor, a unit and its code',
              'docs/DOMAIN-DECISIONS.md E01 (nome), E39; Reg. art. 56 (visitors identified); Reg. art. 10 (unit named by its Portaria)', Check.HARD),
        _rule('D-15', 'A fact cannot have occurred after it is recorded (tolerance: one day, for clocks and offsets)',
              'docs/DOMAIN-DECISIONS.md Decision 9 and §2 envelope (occurred_at is valid time, recorded_at transaction time)', Check.HARD),
        _rule('D-16', "A unit's age range lies within 12 to 20 completed years, its minimum not above its maximum",
              'ECA 2 (adolescents from 12); ECA 121 §5 (released at 21); Reg. art. 10 (profile from the Portaria)', Check.HARD),
        _rule('D-17', 'A command id names one command: a retry with the same id and the same content is answered with the first result; with other content it is refused',
              'data integrity: a command is recorded once (a client that retries after a timeout must not duplicate a fact)', Check.HARD),
        _rule('D-18', "An alert (a recorded exception, a deadline met late) is acknowledged by the unit's direction — gerente or líder — naming it and why, once",
              'Reg. art. 14 (the gerente directs the unit), 21 (the líder answers for the shift); docs/DOMAIN-DECISIONS.md §3 (ALERT)', Check.HARD),
        _rule('D-19', "A youth's personal data are erased only after the release and the retention period, recorded by the gerente with the legal basis and the controller's decision; an erased case accepts no entry",
              'LGPD arts. 16 I, 18 VI, 41; Lei 8.159/1991 art. 9 (public records eliminated per the retention table); Reg. art. 14 XV; ECA 143', Check.HARD),
        # Schooling and activities (E54).
        _rule('D-30', 'Monthly attendance is recorded once per activity and month (YYYY-MM), for a month begun and an activity the youth is enrolled in; days present plus justified absences never exceed the days expected; a month is closed once it has ended',
              'SISPETI [seed 002] (monthly frequency, 85 % minimum, closed months); Reg. art. 17 III, 52 XXIV, 53 XI; ECA 120 §1', Check.HARD),
        _rule('D-31', 'An enrolment names its kind (school, vocational course, work, sport, culture) and its institution; it starts no later than it is recorded and ends once, not before it started',
              'ECA 120 §1; Reg. art. 17 I–IV, 32 par. único, 53 VII', Check.HARD),
    ]
)


# Closed lists that ARE their rule: a value outside one breaks the rule (who may request a
# reassessment, R-27; why a youth may leave the unit, R-13; the grounds of isolation, R-48; the
# sanctions and techniques of force the law forbids, R-33/R-40/R-52), so input outside them is
# refused by the domain under that rule, not as an input error. Names, read by the command
# input (``application.commands``) and by the rule book (``domain.catalogue``).
RULED_CHOICES = frozenset({"SanctionType", "ForceTechnique", "ReassessmentRequester", "ExitPurpose",
                           "IsolationGround"})


class RuleViolation(Exception):
    """A command refused by a rule. Nothing was written.

    ``code`` is the stable rule code (``R-27``), ``message`` says what to do next,
    ``source`` is the legal source (``Reg. art. 27``).
    """

    def __init__(self, code: str, message: str, source: str | None = None) -> None:
        self.code = code
        self.message = message
        self.source = source if source is not None else RULES[code].source
        super().__init__(f"{code}: {message} [{self.source}]")


def refuse(code: str, message: str) -> NoReturn:
    """Refuse the command under rule ``code`` with a message that says what to do."""
    raise RuleViolation(code, message)



E = TypeVar("E", bound=Enum)


def coerce_choice(enum_cls: type[E], value: E | str, code: str, what: str) -> E:
    """Read ``value`` from the closed list ``enum_cls``; anything else is refused under ``code``."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        refuse(code, f"{what} {value!r} is not in the closed list; use one of {[m.value for m in enum_cls]}.")
