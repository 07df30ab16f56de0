"""Disciplinary due process (*procedimento disciplinar*): the example offence catalogue and
the checks that SINASE arts. 48-49 and 71-75 impose whatever the catalogue says.

The catalogue of IN 002/2015/GAB/SEJUDH (Reg. art. 102) is not available (docs/DOMAIN-DECISIONS.md
Decision 5): ``EXAMPLE_OFFENCE_CATALOGUE`` below is an EXAMPLE, clearly marked, to be
replaced by the real one as data.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules import refuse
from domain.values import TECHNICAL_ROLES, OffenceSeverity, Role, SanctionType, StaffMember


@dataclass(frozen=True)
class Offence:
    """A typed disciplinary offence (*falta disciplinar*) with its catalogue reference."""

    code: str
    description: str
    severity: OffenceSeverity
    reference: str


# EXAMPLE catalogue (Decision 5) — NOT the text of IN 002/2015/SEJUDH.
EXAMPLE_OFFENCE_CATALOGUE: dict[str, Offence] = {
    o.code: o
    for o in (
        Offence("L-01", "Descumprir horários da rotina", OffenceSeverity.LEVE, "EXEMPLO art. 1"),
        Offence("L-02", "Desrespeito verbal a colega", OffenceSeverity.LEVE, "EXEMPLO art. 2"),
        Offence("M-01", "Danificar patrimônio da unidade", OffenceSeverity.MEDIA, "EXEMPLO art. 3"),
        Offence("M-02", "Posse de objeto não autorizado", OffenceSeverity.MEDIA, "EXEMPLO art. 4"),
        Offence("G-01", "Agressão física", OffenceSeverity.GRAVE, "EXEMPLO art. 5"),
        Offence("G-02", "Posse de substância psicoativa", OffenceSeverity.GRAVE, "EXEMPLO art. 6"),
    )
}

# Measures that can never be a disciplinary outcome, whatever a catalogue says.
_VISIT_SUSPENSION_WORDS = ("suspensao_de_visita", "suspensao_das_visitas", "suspensao_visitas", "visit_suspension")
_INCOMMUNICADO_WORDS = ("incomunicab", "incommunicado", "isolamento_disciplinar", "proibicao_de_contato")


def typed_offence(code: str, catalogue: dict[str, Offence] = EXAMPLE_OFFENCE_CATALOGUE) -> Offence:
    """The catalogue offence for ``code``; refuse if the conduct is not typed (R-42)."""
    offence = catalogue.get(code)
    if offence is None:
        refuse(
            "R-42",
            f"Offence {code!r} is not typed in the disciplinary catalogue; no procedure or sanction "
            "without a prior rule (SINASE 71 I, 74).",
        )
    return offence


def check_commission(members: tuple[StaffMember, ...]) -> None:
    """Check the commission (*Conselho Socioeducador*) composition (R-44)."""
    if len({m.staff_id for m in members}) < 3:
        refuse("R-44", "Name a commission of at least 3 different members (SINASE 71 VIII).")
    if any(m.role is Role.ADOLESCENTE for m in members):
        refuse("R-44", "No socioeducando may sit on the commission (SINASE 73).")
    # Reg. art. 15 X: the psychologist neither investigates nor decides.
    if any(m.role is Role.PSICOLOGO for m in members):
        refuse("R-44", "Replace the psychologist: Reg. art. 15 X bars the psychologist from investigating or deciding.")
    if not any(m.role in TECHNICAL_ROLES for m in members):
        refuse(
            "R-44",
            "Include at least one member of the technical team (social worker, pedagogue or another "
            "technical professional; SINASE 71 VIII).",
        )


def coerce_sanction(value: SanctionType | str) -> SanctionType:
    """Read a sanction from the closed list; visit suspension and incommunicado are refused."""
    if isinstance(value, SanctionType):
        return value
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if any(w in text for w in _VISIT_SUSPENSION_WORDS):
        refuse(
            "R-33",
            "Suspending visits is not a disciplinary measure: only the judge suspends visits (Reg. art. 60). "
            "Choose a measure from the catalogue.",
        )
    if any(w in text for w in _INCOMMUNICADO_WORDS):
        refuse("R-40", "No sanction may cut the youth off from contact (ECA 124 §1). Choose another measure.")
    try:
        return SanctionType(text)
    except ValueError:
        refuse("R-42", f"Sanction {value!r} is not in the catalogue of measures; choose one of {[s.value for s in SanctionType]}.")
