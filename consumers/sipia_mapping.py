"""The SIPIA/SINASE vocabulary of ledger facts: ONE table, so the mapping can change without the domain.

The registry's own data dictionary is not public (issue 20; the SIPIA-MT plan, seed 000, asks that
the 08 units feed the SINASE module — *meio fechado*, SEJUDH — instead of typing twice, and that
measures in *meio aberto*, LA/PSC, are the municipalities' module). So the terms below are the ones
the law and the plan use, and each row keeps the ledger's own code: a report always carries the
raw value next to the term (`raw`), and a term can be renamed here, in one row, when the registry
publishes its codes. docs/SIPIA.md shows this table (`markdown_table()`; a test keeps them equal).

`GRANTS` is what the feed may read: per event type of the published contract (schemas/avsc), the
payload fields it is granted. Nothing personal is granted: a sealed field is granted only as
*presence* (`PRESENCE`: whether the ledger records a value, e.g. a SIPIA id) — the feed never opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

# Where a ledger value is not in the table (a symbol added to the contract after this table):
# the row is still reported, under this code, with its raw value (a unit test keeps it unused).
UNMAPPED = "nao_mapeado"


@dataclass(frozen=True)
class Term:
    """One row of the mapping: the ledger's (concept, value) → the registry's code and label, and why."""

    concept: str  # measure | modality | movement | origin | evasion | release_reason | measure_decision | pia_status
    ledger_value: str  # the code the ledger records (an enum symbol of the contract, or an event type)
    code: str  # the registry's term, as code
    label: str  # the registry's term, as people read it
    law: str  # where the term comes from


def _t(concept: str, rows: tuple[tuple[str, str, str, str], ...]) -> tuple[Term, ...]:
    return tuple(Term(concept, *row) for row in rows)


MAPPING: tuple[Term, ...] = (
    # -- the measure being executed (from IntakeRecorded.modality, MeasureDecisionRecorded.new_modality)
    *_t("measure", (
        ("internacao", "internacao", "Internação", "ECA art. 122; SINASE art. 1 §2"),
        ("internacao_sancao", "internacao_sancao", "Internação-sanção", "ECA art. 122 III"),
        ("internacao_provisoria", "internacao_provisoria", "Internação provisória", "ECA arts. 108, 183"),
        ("semiliberdade", "semiliberdade", "Semiliberdade", "ECA art. 120"),
        ("atendimento_inicial", "atendimento_inicial", "Atendimento inicial", "ECA art. 175; SINASE art. 4 VIII"),
    )),
    # -- the SIPIA module the measure is reported in (seed 000: SINASE meio fechado at the units)
    *_t("modality", (
        ("internacao", "meio_fechado", "Meio fechado — privação de liberdade", "ECA art. 121; seed 000"),
        ("internacao_sancao", "meio_fechado", "Meio fechado — privação de liberdade", "ECA art. 122 §1; seed 000"),
        ("internacao_provisoria", "meio_fechado", "Meio fechado — provisória", "ECA art. 108; seed 000"),
        ("semiliberdade", "meio_fechado", "Meio fechado — restrição de liberdade", "ECA art. 120; seed 000"),
        ("atendimento_inicial", "atendimento_inicial", "Atendimento inicial", "ECA art. 175"),
    )),
    # -- movement types (one per movement event of the Case stream)
    *_t("movement", (
        ("IntakeRecorded", "entrada", "Entrada", "Reg. art. 24; SINASE art. 40"),
        ("TransferCompleted", "transferencia", "Transferência", "SINASE art. 49 II; Reg. art. 28"),
        ("EvasionRecorded", "evasao", "Evasão", "Reg. art. 97"),
        ("ReturnedFromEvasion", "retorno", "Retorno de evasão", "Reg. art. 97"),
        ("Released", "desligamento", "Saída (desligamento)", "SINASE art. 46; Reg. art. 36"),
    )),
    # -- where an entry came from (IntakeRecorded.origin)
    *_t("origin", (
        ("unidade_provisoria", "unidade_provisoria", "Vindo de internação provisória", "ECA art. 108"),
        ("delegacia", "delegacia", "Apresentado pela autoridade policial", "ECA arts. 172, 175"),
        ("outra_unidade", "outra_unidade", "Vindo de outra unidade", "SINASE art. 49 II"),
        ("recaptura", "recaptura", "Recapturado", "Reg. art. 97"),
        ("apresentacao_espontanea", "apresentacao_espontanea", "Apresentação espontânea", "Reg. art. 24"),
    )),
    # -- kinds of evasion (EvasionRecorded.kind)
    *_t("evasion", (
        ("de_dentro_da_unidade", "evasao_unidade", "Evasão de dentro da unidade", "Reg. art. 97"),
        ("durante_atividade_externa", "evasao_atividade_externa", "Evasão em atividade externa", "ECA art. 121 §1"),
        ("nao_retorno_de_saida", "nao_retorno", "Não retorno de saída autorizada", "ECA art. 120; Reg. art. 97"),
    )),
    # -- release reasons (Released.basis)
    *_t("release_reason", (
        ("extincao_por_cumprimento", "extincao_finalidade", "Extinção — finalidade da medida atingida",
         "SINASE art. 46 II"),
        ("substituicao_por_meio_aberto", "progressao_meio_aberto", "Progressão para meio aberto (LA/PSC)",
         "SINASE art. 43; ECA art. 113"),
        ("remissao", "remissao", "Remissão", "ECA arts. 126–128"),
        ("absolvicao_ou_fim_da_provisoria", "fim_provisoria", "Fim da internação provisória / absolvição",
         "ECA arts. 108, 189"),
        ("condenacao_adulto", "extincao_pena_adulto", "Extinção — pena privativa de liberdade (adulto)",
         "SINASE art. 46 III"),
        ("doenca_grave", "extincao_doenca_grave", "Extinção — doença grave", "SINASE art. 46 IV"),
        ("ex_lege_21_anos", "liberacao_21_anos", "Liberação compulsória aos 21 anos", "ECA art. 121 §5"),
        ("ex_lege_3_anos", "liberacao_3_anos", "Liberação — prazo máximo de 3 anos", "ECA art. 121 §§3–4"),
        ("ex_lege_45_dias_provisoria", "liberacao_45_dias", "Liberação — 45 dias de provisória", "ECA arts. 108, 183"),
    )),
    # -- court decisions on the measure (MeasureDecisionRecorded.decision)
    *_t("measure_decision", (
        ("manutencao", "manutencao", "Manutenção da medida", "SINASE art. 42"),
        ("substituicao", "substituicao", "Substituição da medida", "SINASE art. 43"),
        ("suspensao", "suspensao", "Suspensão da medida", "SINASE art. 48"),
        ("extincao", "extincao", "Extinção da medida", "SINASE art. 46"),
        ("unificacao", "unificacao", "Unificação de medidas", "SINASE art. 45"),
        ("conversao_provisoria_em_definitiva", "conversao_definitiva", "Conversão da provisória em definitiva",
         "ECA art. 108"),
    )),
    # -- PIA status (the last PIA event of the case; none: not yet drawn up)
    *_t("pia_status", (
        ("none", "pia_nao_elaborado", "PIA não elaborado", "SINASE art. 55 (45 dias)"),
        ("PIASubmitted", "pia_elaborado", "PIA elaborado e enviado ao juízo", "SINASE arts. 52–55"),
        ("PIAHomologated", "pia_homologado", "PIA homologado", "SINASE art. 41"),
        ("PIAImpugned", "pia_impugnado", "PIA impugnado", "SINASE art. 41 §§1–2"),
        ("PIAUpdated", "pia_atualizado", "PIA atualizado", "SINASE art. 58"),
    )),
)

_BY_KEY: dict[tuple[str, str], Term] = {(t.concept, t.ledger_value): t for t in MAPPING}
CONCEPTS = tuple(dict.fromkeys(t.concept for t in MAPPING))

# Entries and exits as the export counts them (schemas/docs.py, SIPIAExportSubmitted.*_count).
ENTRY_MOVEMENTS = frozenset({"entrada", "retorno"})  # + transferência arriving
EXIT_MOVEMENTS = frozenset({"desligamento", "evasao"})  # + transferência leaving


def term(concept: str, ledger_value: str | None) -> dict[str, str | None]:
    """`{"code", "label", "raw"}` of a ledger value; None → all None; a value not in the table → UNMAPPED."""
    if ledger_value is None:
        return {"code": None, "label": None, "raw": None}
    found = _BY_KEY.get((concept, ledger_value))
    if found is None:
        return {"code": UNMAPPED, "label": f"(sem correspondência: {ledger_value})", "raw": ledger_value}
    return {"code": found.code, "label": found.label, "raw": ledger_value}


def code(concept: str, ledger_value: str | None) -> str | None:
    return term(concept, ledger_value)["code"]


# -- what the feed is granted (topics by stream; fields by event type) ---------------------------

# A sealed field granted as presence: the feed learns only whether a value is recorded.
PRESENCE = "presence"

GRANTS: Mapping[str, Mapping[str, str]] = {
    # The youth's ids in other systems are sealed (personal, ECA art. 143): presence only. The report
    # command, run by a principal allowed to read them, opens them in the ledger when it writes the files.
    "Case.AdolescentRegistered": {"sipia_id": PRESENCE, "guia_number": PRESENCE, "process_number": PRESENCE},
    "Case.IntakeRecorded": {"modality": "value", "origin": "value"},
    "Case.MeasureDecisionRecorded": {"decision": "value", "new_modality": "value", "effective_on": "value"},
    "Case.TransferCompleted": {"origin_unit_id": "value", "destination_unit_id": "value"},
    "Case.EvasionRecorded": {"kind": "value"},
    "Case.ReturnedFromEvasion": {},
    "Case.Released": {"basis": "value"},
    "Case.PIASubmitted": {"version": "value"},
    "Case.PIAHomologated": {"tacit": "value"},
    "Case.PIAImpugned": {"challenged_by": "value"},
    "Case.PIAUpdated": {"version": "value"},
    # A correction's values are sealed: the feed learns which fields of which entry were corrected.
    "Case.EntryCorrected": {"target_version": "value", "corrections[].field": "value"},
    "Unit.UnitCapacityDefined": {"unit_code": "value", "name": "value", "unit_type": "value", "comarca": "value"},
    "Unit.SIPIAExportSubmitted": {"period_start": "value", "period_end": "value", "active_count": "value",
                                  "entries_count": "value", "exits_count": "value", "receipt_number": "value",
                                  "report_digest": "value"},
}
STREAMS = ("Case", "Unit")


def markdown_table() -> str:
    """The mapping as the Markdown table docs/SIPIA.md shows."""
    lines = ["| concept | ledger value | SIPIA code | SIPIA term | source |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {t.concept} | `{t.ledger_value}` | `{t.code}` | {t.label} | {t.law} |" for t in MAPPING]
    return "\n".join(lines) + "\n"
