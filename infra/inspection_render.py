"""The MP inspection report as Markdown or as a self-contained HTML page.

The report data comes from `projections.inspection.inspection`; this module
only words it, in Portuguese with the labels of the CNMP Res. 67 forms and the
legal source of each section. It is built once as a list of blocks (headings,
facts, tables, notes) and written out in either format, so both say the same.
Cases appear by their opaque id only.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Sequence

from projections.inspection import BAND_ORDER, SEXES, ClockSummary, InspectionReport

UNIT_TYPES = {"internacao": "Internação", "internacao_provisoria": "Internação provisória",
              "semiliberdade": "Semiliberdade"}
SEX_LABELS = {"masculino": "Masculino", "feminino": "Feminino", "unknown": "Não informado"}
MODALITY_LABELS = {
    "provisoria": "Provisória (art. 108 do ECA)",
    "definitiva": "Sentença (art. 122, incs. I e II, do ECA)",
    "descumprimento": "Descumprimento de medida anteriormente imposta (art. 122, inc. III, do ECA)",
    "semiliberdade": "Semiliberdade (art. 120 do ECA)",
    "unknown": "Não informada",
}
BAND_LABELS = {"12-15": "12 a 15", "16-18": "16 a 18", "19-21": "19 a 21", "21+ (violation)": "21 ou mais (violação)",
               "under 12 (violation)": "menos de 12 (violação)", "unknown": "idade não informada"}
CRITERIA = {"seriousness": "Por tipo de infração (gravidade do ato)", "age": "Por idade (faixa etária)",
            "modality": "Por modalidade de internação", "build": "Por compleição física"}
CLOCK_STATES = {"met": "cumprido no prazo", "met_late": "cumprido fora do prazo", "breached": "vencido",
                "running": "em curso", "due_soon": "vence em breve", "closed": "encerrado (desligamento)"}
NA = "não disponível"


@dataclass(frozen=True)
class Heading:
    text: str
    source: str = ""


@dataclass(frozen=True)
class Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Note:
    text: str


Block = Heading | Facts | Table | Note


def _yes(value: bool | None) -> str:
    return NA if value is None else "Sim" if value else "Não"


def _pct(part: int, whole: int) -> str:
    return "—" if not whole else f"{part} de {whole} ({100 * part / whole:.0f}%)"


def _rate(rate: float | None) -> str:
    return NA if rate is None else f"{100 * rate:.1f}%".replace(".", ",")


def _cases(items: Sequence) -> str:
    return ", ".join(str(i[0] if isinstance(i, tuple) else i) for i in items) or "nenhum"


def _date(day: dt.date | None) -> str:
    return "—" if day is None else day.strftime("%d/%m/%Y")


def blocks(report: InspectionReport) -> list[Block]:
    """The report as blocks, in the order of the CNMP forms."""
    r, ident, occ, pop = report, report.identification, report.occupancy, report.population
    period = f"{_date(r.period_start)} a {_date(r.on)}"
    out: list[Block] = [Heading(f"Relatório de inspeção — {ident.unit_name or ident.unit_code or r.unit_id}")]
    out.append(Facts((("Data de referência", f"{_date(r.on)} (fim do dia, horário de Cuiabá)"),
                      ("Período considerado", period))))

    out.append(Heading("1. Dados da entidade", "Res. CNMP 67/2011, Anexos I–IV, identificação"))
    sexes = ", ".join(f"{SEX_LABELS.get(s, s)}: {n}" for s, n in sorted(ident.occupants_by_sex.items())) or "nenhum"
    out.append(Facts((
        ("Nome", ident.unit_name or "—"), ("Código / id", f"{ident.unit_code or '—'} / {ident.unit_id}"),
        ("Município (comarca)", ident.comarca or "—"),
        ("Tipo de unidade", UNIT_TYPES.get(ident.unit_type or "", ident.unit_type or "—")),
        ("Faixa etária atendida", f"{ident.min_age} a {ident.max_age} anos" if ident.min_age is not None else "—"),
        ("Sexo (previsto)", SEX_LABELS.get(ident.planned_sex or "", ident.planned_sex or "—")),
        ("Sexo dos internos (atual)", sexes),
        ("Internos do sexo previsto", _yes(ident.sex_matches_plan)),
    )))

    out.append(Heading("2. Capacidade e ocupação", "Res. CNMP 67/2011, Anexos I/II cabeçalho, III/IV 1.4 e 1.7; "
                       "Res. CONANDA 119/2006 (módulo SINASE)"))
    module = "—" if occ.module_reference is None else (
        f"{occ.module_reference} adolescentes — capacidade {'conforme' if occ.within_module else 'acima do módulo'}")
    out.append(Facts((
        ("Capacidade total", "—" if occ.capacity is None else str(occ.capacity)),
        ("Lotação atual (número atual de internos)", str(occ.population)),
        ("Taxa de ocupação", _rate(occ.occupancy_rate)),
        ("Acima da capacidade na data", _yes(occ.over_capacity if occ.capacity is not None else None)),
        ("Vagas reservadas por ofício (Reg. art. 24)", str(occ.reserved)),
        (f"Pico de lotação no período ({occ.days} dias)", str(occ.peak_population)),
        ("Dias acima da capacidade no período (HC 143.988/STF)", str(occ.days_over_capacity)),
        ("Capacidade física conforme o SINASE", module),
    )))

    out.append(Heading("3. Adolescentes por modalidade, faixa etária e sexo",
                       "Res. CNMP 67/2011, Anexo I 1.5.1–1.5.3, Anexo III 1.5 e 1.9; idade em anos completos na data"))
    if not pop.counts:
        out.append(Note("Nenhum adolescente na unidade na data."))
    bands = [b for b in BAND_ORDER if any(k[1] == b for k in pop.counts)]
    sexes_present = [s for s in SEXES if any(k[2] == s for k in pop.counts)]
    for modality in pop.modalities():
        rows = []
        for band in bands:
            cells = [pop.counts.get((modality, band, s), 0) for s in sexes_present]
            rows.append((BAND_LABELS.get(band, band), *map(str, cells), str(sum(cells))))
        totals = [sum(pop.counts.get((modality, b, s), 0) for b in bands) for s in sexes_present]
        rows.append(("Total", *map(str, totals), str(sum(totals))))
        out.append(Note(f"**{MODALITY_LABELS.get(modality, modality)}**"))
        out.append(Table(("Faixa etária", *(SEX_LABELS[s] for s in sexes_present), "Total"), tuple(rows)))
    if pop.counts:
        out.append(Facts((("Total geral", str(pop.total())),
                          ("Fora da idade legal (art. 2º e art. 121 §5º do ECA)",
                           "nenhum" if not pop.violations else
                           "; ".join(f"{cid} ({age} anos)" for cid, age, _ in pop.violations)))))

    out.append(Heading("4. Separação dos internos (art. 123 do ECA)",
                       "Res. CNMP 67/2011, Anexo I 1.3.1–1.3.4; Anexo III 1.6; Reg. art. 40"))
    rows = []
    for c in report.separation:
        detail = ("alojamentos mistos: " + ", ".join(c.mixed_rooms)) if c.mixed_rooms else ""
        if c.missing:
            detail = (detail + "; " if detail else "") + f"{c.missing} sem alojamento ou sem o dado"
        rows.append((CRITERIA[c.criterion], _yes(c.separated), detail or "—"))
    out.append(Table(("Critério", "Separação", "Observação"), tuple(rows)))
    out.append(Note("Calculado pelos alojamentos registrados na data; gravidade e compleição física vêm do "
                    "Registro de Inserção. Os motivos de eventual não separação são juízo do inspetor."))

    out.append(Heading("5. Reavaliação da medida (art. 121 §2º do ECA)",
                       "Res. CNMP 67/2011, Anexo I 3.1–3.7; art. 42 da Lei 12.594/2012 (SINASE)"))
    out += _clock_blocks(r.reassessment, "Reavaliação vencida na data (mais de 6 meses, ou 3 se trimestral)")

    out.append(Heading("6. Plano Individual de Atendimento (PIA) em até 45 dias",
                       "art. 55 par. único da Lei 12.594/2012 (SINASE); Reg. art. 68 §1"))
    out += _clock_blocks(r.pia, "PIA vencido na data")
    if r.pia.late:
        out.append(Facts((("PIA entregue fora do prazo",
                           "; ".join(f"{cid} (prazo {_date(due)}, entregue {_date(done)})"
                                     for cid, due, done in r.pia.late)),)))

    d = r.discipline
    out.append(Heading("7. Procedimento disciplinar — devido processo",
                       "arts. 48, 49 e 71 da Lei 12.594/2012 (SINASE); Res. CNMP 67/2011, Anexo III 2.5–2.13"))
    out.append(Facts((
        ("Procedimentos disciplinares instaurados", str(d.procedures_opened)),
        ("… com defensor notificado", _pct(d.defender_notified, d.procedures_opened)),
        ("… com pais ou responsáveis notificados", _pct(d.parents_notified, d.procedures_opened)),
        ("Oitivas realizadas", str(d.hearings)),
        ("… com o adolescente ouvido", _pct(d.youth_heard, d.hearings)),
        ("… com defesa presente", _pct(d.hearings_with_defence, d.hearings)),
        ("Decisões disciplinares", str(d.decisions)),
        ("… com sanção aplicada", _pct(d.sanctions, d.decisions)),
        ("Sanções com duração determinada (art. 71 IV)", _pct(d.sanctions_with_fixed_duration, d.sanctions)),
        ("Decisões com informação sobre recurso", _pct(d.appeal_information_given, d.decisions)),
        ("Recursos administrativos interpostos / decididos", f"{d.appeals_filed} / {d.appeals_decided}"),
        ("Sanções suspensas pelo juiz (art. 48)", str(d.sanctions_suspended_by_court)),
        ("Isolamentos (separação do convívio)", str(d.isolations)),
        ("… comunicados em 24 h a defensor, MP e juiz (art. 48 §2º)",
         _pct(d.isolation_notices_on_time, d.isolations)),
        ("… comunicados após 24 h", str(d.isolation_notices_late)),
        ("… com a comunicação vencida e não enviada", _cases(d.isolations_without_notice)),
    )))

    v = r.visits
    out.append(Heading("8. Visitas e contato familiar",
                       "art. 124 VII do ECA; Reg. art. 51 §1; Res. CNMP 67/2011, Anexo III"))
    out.append(Facts((
        (f"Adolescentes visitados nos últimos {7} dias", _pct(v.visited_last_7_days, v.residents)),
        ("Mais de 15 dias sem visita e sem ligação (Reg. art. 51 §1)",
         "nenhum" if not v.gap_breaches else "; ".join(f"{cid} ({days} dias)" for cid, days in v.gap_breaches)),
    )))

    e = r.evasions
    out.append(Heading("9. Evasões no período", "Res. CNMP 67/2011, Anexo I 2.3"))
    out.append(Facts((
        ("Houve evasão de internos no período?", _yes(e.events > 0)),
        ("Evasões (eventos) / adolescentes", f"{e.events} / {len(e.youths)}"),
        ("Adolescentes", _cases(e.youths)),
        ("Retornos registrados no período", str(e.returns)),
    )))

    out.append(Note(
        f"Calculado pelo CaseLedger a partir dos modelos de leitura, com a situação no fim do dia {_date(r.on)} "
        "(horário de Cuiabá): contam os registros de fatos ocorridos até essa data, com as retificações que o "
        "livro contém na emissão (um fato anterior registrado depois entra no relatório). Adolescentes "
        "identificados apenas pelo id do caso; sem nomes nem documentos (art. 143 do ECA). Itens que dependem "
        "de juízo do inspetor (motivos, adequação, estrutura) não são calculados."))
    return out


def _clock_blocks(summary: ClockSummary, breached_label: str) -> list[Block]:
    rows = tuple((CLOCK_STATES.get(state, state), str(n)) for state, n in sorted(summary.states.items()))
    out: list[Block] = [Facts((("Adolescentes com o prazo na data", str(summary.total)),
                               ("Fonte do prazo", summary.source)))]
    if rows:
        out.append(Table(("Situação", "Adolescentes"), rows))
    out.append(Facts(((breached_label, "nenhum" if not summary.breached else
                       "; ".join(f"{cid} (prazo {_date(due)})" for cid, due in summary.breached)),)))
    return out


# -- writers -----------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _label(label: str) -> str:
    return label if label.endswith("?") else label + ":"


def _numeric(table: Table, column: int) -> bool:
    """A column of counts (right-aligned)."""
    return column > 0 and all(row[column].isdigit() for row in table.rows)


def to_markdown(report: InspectionReport) -> str:
    lines: list[str] = []
    for b in blocks(report):
        if isinstance(b, Heading):
            first = not lines
            lines += [("# " if first else "## ") + b.text, ""]
            if b.source:
                lines += [f"*Fonte: {b.source}*", ""]
        elif isinstance(b, Facts):
            lines += [f"- **{_label(label)}** {value}" for label, value in b.rows] + [""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(map(_md_cell, b.headers)) + " |")
            lines.append("|" + "|".join("--:" if _numeric(b, i) else "---" for i in range(len(b.headers))) + "|")
            lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in b.rows]
            lines.append("")
        elif isinstance(b, Note):
            lines += [b.text, ""]
    return "\n".join(lines).rstrip() + "\n"


CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.source { color: #555; font-style: italic; margin-top: -0.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; } th { background: #f0f0f0; }
table.facts th { background: none; font-weight: normal; color: #444; }
footer, p.note { color: #444; font-size: 0.9rem; }
"""


NUMBER = ' class="n"'


def _html_text(text: str) -> str:
    escaped = html.escape(text)
    # The only markup the blocks use: **bold** around a whole note.
    if escaped.startswith("**") and escaped.endswith("**"):
        return f"<strong>{escaped[2:-2]}</strong>"
    return escaped


def to_html(report: InspectionReport) -> str:
    body: list[str] = []
    seen_heading = False
    items = blocks(report)
    for i, b in enumerate(items):
        if isinstance(b, Heading):
            tag = "h2" if seen_heading else "h1"
            seen_heading = True
            body.append(f"<{tag}>{html.escape(b.text)}</{tag}>")
            if b.source:
                body.append(f'<p class="source">Fonte: {html.escape(b.source)}</p>')
        elif isinstance(b, Facts):
            rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in b.rows)
            body.append(f'<table class="facts">{rows}</table>')
        elif isinstance(b, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(
                f"<td{NUMBER if j and cell.isdigit() else ''}>{html.escape(cell)}</td>"
                for j, cell in enumerate(row)) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Note):
            tag = "footer" if i == len(items) - 1 else "p"
            body.append(f'<{tag} class="note">{_html_text(b.text)}</{tag}>')
    title = html.escape(items[0].text if items and isinstance(items[0], Heading) else "Relatório de inspeção")
    return ("<!DOCTYPE html>\n<html lang=\"pt-BR\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")
