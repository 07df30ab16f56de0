"""The MP inspection report as Markdown or as a self-contained HTML page.

The report data comes from `projections.inspection.inspection`; this module
only words it, in Portuguese with the labels of the CNMP Res. 67 forms and the
legal source of each section. It is built once as a list of blocks (headings,
facts, tables, notes) and written out in either format, so both say the same.
Cases appear by their opaque id only.

Item labels and section citations come from the catalogue of the forms' items
(`projections/form_items.py`, `projections/cnmp67_items.json`), for the forms of the
unit's type: the form's own numbering and wording, and only the items a section fills.

Over 400 lines on purpose: it is one document, its sections in the forms' order,
and the two writers that must say the same thing; split, the sections would be
modules no one else imports.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Sequence

from domain.calendar import CUIABA
from projections import form_items
from projections.inspection import BAND_ORDER, MODALITY_ORDER, SEXES, ClockSummary, InspectionReport, ReportsSummary

UNIT_TYPES = {"internacao": "Internação", "internacao_provisoria": "Internação provisória",
              "semiliberdade": "Semiliberdade"}
SEX_LABELS = {"masculino": "Masculino", "feminino": "Feminino", "ambos": "Ambos", "unknown": "Não informado"}
MODALITY_LABELS = {
    "provisoria": "Provisória (art. 108 do ECA)",
    "definitiva": "Definitiva (art. 122, incs. I e II, do ECA)",
    "descumprimento": "Descumprimento de medida anteriormente imposta (art. 122, inc. III, do ECA)",
    "semiliberdade": "Semiliberdade (art. 120 do ECA)",
    "unknown": "Não informada",
}
# The form's tables by unit type: Annex I 1.5.1–1.5.3 / III 1.9.1–1.9.3 (internação), IV 1.5 (semiliberdade).
MODALITY_TABLES = {"internacao": ("provisoria", "definitiva", "descumprimento"),
                   "internacao_provisoria": ("provisoria", "definitiva", "descumprimento"),
                   "semiliberdade": ("semiliberdade",)}
FORM_BANDS = ("12-15", "16-18", "19-21")  # the rows of every population table of the form
FORM_SEXES = ("masculino", "feminino")  # its columns
BAND_LABELS = {"12-15": "12 a 15", "16-18": "16 a 18", "19-21": "19 a 21", "21+ (violation)": "21 ou mais (violação)",
               "under 12 (violation)": "menos de 12 (violação)", "unknown": "idade não informada"}
# The separation criteria of the projection and the form items they answer (1.3.x / 1.6.x, III/IV 1.3).
CRITERIA_KEYS = {"offence_type": "sep_offence_type", "age": "sep_age", "modality": "sep_modality",
                 "build": "sep_build", "sex": "rooms_by_sex"}
CRITERIA_OUTSIDE = {"seriousness": "Por gravidade do ato (art. 123 do ECA; Reg. art. 40) — não é item do formulário"}
REPORT_KEYS = ("reports_record", "reports_team", "reports_conclusion", "reports_on_time")
DISCIPLINE_KEYS = ("disc_procedure", "disc_heard", "disc_defence", "disc_parents", "disc_decided_by", "disc_appeal", "disc_appeal_judged_by")
CRITERIA_NOTES = {
    "offence_type": "o tipo de infração não é registrado (o Registro de Inserção guarda só a gravidade)",
    "age": "adolescentes (menos de 18) e jovens adultos (18 a 21), arts. 2º, 121 §5º e 123 do ECA; "
           "as faixas do formulário são de contagem, não de separação",
    "modality": "uma só modalidade na unidade na data",
}
ANSWER_LABELS = {"sim": "Sim", "nao": "Não", "nao_se_aplica": "não se aplica", "sem_registro": "sem registro"}
CLOCK_STATES = {"met": "cumprido no prazo", "met_late": "cumprido fora do prazo", "breached": "vencido",
                "running": "em curso", "due_soon": "vence em breve", "closed": "encerrado (desligamento)"}
DECIDED_BY_LABELS = {"direcao": "Direção da Unidade", "comissao": "Comissão Disciplinar",
                     "agentes": "Agentes Socioeducativos", "outros": "Outros"}
NA = "sem registro"
NOT_APPLICABLE = "não se aplica"
FORM = "Res. CNMP 67/2011, redação da Res. 84/2012"


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


def _yes(value: bool | None, missing: str = NA) -> str:
    return missing if value is None else "Sim" if value else "Não"


def _pct(part: int, whole: int) -> str:
    return NOT_APPLICABLE if not whole else f"{part} de {whole} ({100 * part / whole:.0f}%)"


def _rate(rate: float | None) -> str:
    return NA if rate is None else f"{100 * rate:.1f}%".replace(".", ",")


def _cases(items: Sequence) -> str:
    return ", ".join(str(i[0] if isinstance(i, tuple) else i) for i in items) or "nenhum"


def _date(day: dt.date | None) -> str:
    return "—" if day is None else day.strftime("%d/%m/%Y")


def _moment(moment: dt.datetime) -> str:
    return moment.astimezone(CUIABA).strftime("%d/%m/%Y %H:%M:%S") + " (horário de Cuiabá)"


def _item(key: str, unit_type: str | None, fallback: str = "") -> str:
    """The form's number and wording for `key` (projections/cnmp67_items.json), or `fallback` when the
    forms of this unit type do not ask it."""
    try:
        return form_items.label(key, unit_type)
    except KeyError:
        if not fallback:
            raise
        return fallback


def _cite(keys: Sequence[str], unit_type: str | None, extra: str = "") -> str:
    cited = form_items.cite(list(keys), unit_type)
    return "; ".join(p for p in (f"{FORM}, {cited}" if cited else "", extra) if p)


def blocks(report: InspectionReport, extra: Sequence["Block"] = ()) -> list[Block]:
    """The report as blocks, in the order of the CNMP forms; `extra`: the inspector's part of a filed
    report (infra/inspection_filing.py), before the closing notes."""
    r, ident, occ, pop = report, report.identification, report.occupancy, report.population
    ut = ident.unit_type
    period = f"{_date(r.period_start)} a {_date(r.on)}"
    out: list[Block] = [Heading(f"Relatório de inspeção — {ident.unit_name or ident.unit_code or r.unit_id}")]
    out.append(Facts((("Data de referência", f"{_date(r.on)} (fim do dia, horário de Cuiabá)"),
                      ("Registros considerados", "registrados até " + _moment(r.recorded_as_of)
                       if r.recorded_as_of else "todos os registros na emissão"),
                      ("Período considerado", period),
                      ("Formulários", " e ".join(f"Anexo {a}" for a in form_items.annexes_for(ut))))))

    keys = ["visit_date", "visit_time", "unit_name", "municipality", "planned_sex", "occupied_sex", "occupied_counts"]
    out.append(Heading("1. Dados da entidade", _cite(keys, ut)))
    by_sex = ident.occupants_by_sex
    occupied = ident.occupied_by
    counts = (f"Masculino: {by_sex.get('masculino', 0)}; Feminino: {by_sex.get('feminino', 0)}; "
              f"Total: {by_sex.get('masculino', 0) + by_sex.get('feminino', 0)}")
    out.append(Facts((
        (_item("visit_date", ut), _date(r.on)),
        (_item("visit_time", ut), r.staff.inspected_at.astimezone(CUIABA).strftime("%H:%M") + " (horário de Cuiabá)"
         if r.staff.inspected_at else f"{NA} (nenhuma inspeção registrada na data)"),
        (_item("unit_name", ut), ident.unit_name or NA), ("Código / id", f"{ident.unit_code or '—'} / {ident.unit_id}"),
        (_item("municipality", ut), ident.comarca or NA),
        ("Tipo de unidade", UNIT_TYPES.get(ut or "", ut or NA)),
        ("Faixa etária atendida", f"{ident.min_age} a {ident.max_age} anos" if ident.min_age is not None else NA),
        (_item("planned_sex", ut), SEX_LABELS.get(ident.planned_sex or "", ident.planned_sex or NA)),
        (_item("occupied_sex", ut), SEX_LABELS.get(occupied or "", "nenhum adolescente na data")),
        (_item("occupied_counts", ut), counts if occupied == "ambos" else NOT_APPLICABLE),
        ("Internos do sexo previsto", _yes(ident.sex_matches_plan, NOT_APPLICABLE)),
    )))
    out.append(Note("O livro registra o sexo previsto da unidade como Masculino ou Feminino; a opção «Ambos» "
                    "do item 1.1 não é registrável hoje."))

    out.append(Heading("2. Capacidade e ocupação", _cite(
        ["capacity", "population"], ut, "módulo SINASE: tabela «Capacidade física» dos Anexos (Res. CONANDA 119/2006)")))
    module = NA if occ.module_reference is None else (
        f"{occ.module_reference} adolescentes — capacidade {'conforme' if occ.within_module else 'acima do módulo'}")
    out.append(Facts((
        (_item("capacity", ut), NA if occ.capacity is None else str(occ.capacity)),
        (_item("population", ut), str(occ.population)),
        ("Taxa de ocupação", _rate(occ.occupancy_rate)),
        ("Acima da capacidade na data", _yes(occ.over_capacity if occ.capacity is not None else None)),
        ("Vagas reservadas por ofício (Reg. art. 24)", str(occ.reserved)),
        (f"Pico de lotação no período ({occ.days} dias)", str(occ.peak_population)),
        ("Dias acima da capacidade no período (HC 143.988/STF)", str(occ.days_over_capacity)),
        (_item("checklist_capacity", ut), module),
    )))

    internacao = ut != "semiliberdade"
    table_keys = ["pop_provisoria", "pop_definitiva", "pop_descumprimento"] if internacao else []
    out.append(Heading("3. Adolescentes por modalidade, faixa etária e sexo",
                       _cite(table_keys + ["population_by_band"], ut, "idade em anos completos na data")))
    if not pop.counts:
        out.append(Note("Nenhum adolescente na unidade na data."))
    bands = list(FORM_BANDS) + [b for b in BAND_ORDER if b not in FORM_BANDS and any(k[1] == b for k in pop.counts)]
    sexes = list(FORM_SEXES) + [s for s in SEXES if s not in FORM_SEXES and any(k[2] == s for k in pop.counts)]
    tables: list[tuple[str, tuple[str, ...]]] = [
        (_item(f"pop_{m}", ut), (m,)) for m in MODALITY_TABLES.get(ut or "", ()) if internacao]
    shown = {m for _, ms in tables for m in ms}
    tables += [(MODALITY_LABELS.get(m, m) + " (fora das tabelas do formulário)", (m,))
               for m in pop.modalities() if m not in shown and internacao]
    tables.append((_item("population_by_band", ut) + (" — todas as modalidades" if internacao else ""),
                   tuple(MODALITY_ORDER)))
    for title, modalities in tables:
        rows = []
        for band in bands:
            cells = [sum(pop.counts.get((m, band, s), 0) for m in modalities) for s in sexes]
            rows.append((BAND_LABELS.get(band, band), *map(str, cells), str(sum(cells))))
        totals = [sum(pop.counts.get((m, b, s), 0) for m in modalities for b in bands) for s in sexes]
        rows.append(("Total", *map(str, totals), str(sum(totals))))
        out.append(Note(f"**{title}**"))
        out.append(Table(("Faixa etária", *(SEX_LABELS[s] for s in sexes), "Total"), tuple(rows)))
    out.append(Facts((("Total geral", str(pop.total())),
                      ("Fora da idade legal (art. 2º e art. 121 §5º do ECA)",
                       "nenhum" if not pop.violations else
                       "; ".join(f"{cid} ({age} anos)" for cid, age, _ in pop.violations)))))

    sep_keys = [CRITERIA_KEYS[c.criterion] for c in report.separation if c.criterion in CRITERIA_KEYS]
    out.append(Heading("4. Separação dos internos (art. 123 do ECA)", _cite(sep_keys, ut, "Reg. art. 40")))
    rows = []
    for c in report.separation:
        key = CRITERIA_KEYS.get(c.criterion)
        found = form_items.items_for(key, ut) if key else []
        if key and not found:
            continue  # not asked by this unit type's forms
        number = " / ".join(i.ref for i in found) or "—"
        text = found[0].wording if found else CRITERIA_OUTSIDE[c.criterion]
        detail = CRITERIA_NOTES.get(c.criterion, "") if c.answer in ("sem_registro", "nao_se_aplica") or \
            c.criterion == "age" else ""
        if c.mixed_rooms:
            detail = (detail + "; " if detail else "") + "alojamentos mistos: " + ", ".join(c.mixed_rooms)
        if c.missing and c.criterion != "offence_type":
            detail = (detail + "; " if detail else "") + f"{c.missing} sem alojamento ou sem o dado"
        rows.append((number, text, ANSWER_LABELS[c.answer], detail or "—"))
    out.append(Table(("Item", "Critério", "Resposta", "Observação"), tuple(rows)))
    out.append(Note("Calculado pelos alojamentos registrados na data; gravidade e compleição física vêm do "
                    "Registro de Inserção. Os motivos de eventual não separação são juízo do inspetor."))

    rep = r.reassessment
    out.append(Heading("5. Relatórios de reavaliação da medida (art. 121 §2º do ECA; art. 42 do SINASE)",
                       _cite(REPORT_KEYS, ut)))
    out += _reports_blocks(rep, ut)

    out.append(Heading("6. Plano Individual de Atendimento (PIA) em até 45 dias",
                       "art. 55 par. único da Lei 12.594/2012 (SINASE); Reg. art. 68 §1"))
    out += _clock_blocks(r.pia, "PIA vencido na data")
    made = r.pia.states.get("met", 0) + r.pia.states.get("met_late", 0)
    out.append(Facts(((_item("checklist_pia", ut), NOT_APPLICABLE if not r.pia.total else
                       f"{'Não' if r.pia.breached else 'Sim'} — PIA elaborado para {made} de {r.pia.total} "
                       f"adolescentes; {len(r.pia.breached)} vencido(s) sem PIA"),)))
    if r.pia.late:
        out.append(Facts((("PIA entregue fora do prazo",
                           "; ".join(f"{cid} (prazo {_date(due)}, entregue {_date(done)})"
                                     for cid, due, done in r.pia.late)),)))

    d = r.discipline
    out.append(Heading("7. Procedimento disciplinar — devido processo",
                       _cite(DISCIPLINE_KEYS, ut, "arts. 48, 49 e 71 da Lei 12.594/2012 (SINASE)")))
    deciders = "; ".join(f"{DECIDED_BY_LABELS[k]}: {d.decided_by[k]}" for k in DECIDED_BY_LABELS
                         if d.decided_by.get(k)) or NOT_APPLICABLE
    out.append(Facts((
        ("Procedimentos disciplinares instaurados no período", str(d.procedures_opened)),
        (_item("disc_procedure", ut), _of(d.sanctions, d.sanctions, "sanções aplicadas em decisão de procedimento")),
        (_item("disc_heard", ut), _of(d.youth_heard, d.hearings, "oitivas com o adolescente ouvido")),
        (_item("disc_defence", ut), _of(d.hearings_with_defence, d.hearings, "oitivas com defesa presente")),
        ("… procedimentos com defensor notificado da instauração", _pct(d.defender_notified, d.procedures_opened)),
        (_item("disc_parents", ut), _of(d.hearings_with_parents, d.hearings,
                                        "oitivas com pais ou responsáveis presentes")),
        ("… procedimentos com pais ou responsáveis notificados da instauração",
         _pct(d.parents_notified, d.procedures_opened)),
        (_item("disc_decided_by", ut), deciders),
        ("Decisões disciplinares / com sanção", f"{d.decisions} / {d.sanctions}"),
        ("Sanções com duração determinada (art. 71 IV)", _pct(d.sanctions_with_fixed_duration, d.sanctions)),
        (_item("disc_appeal", ut), _of(d.appeal_information_given, d.decisions,
                                       "decisões com informação sobre o recurso")),
        ("… recursos interpostos / decididos", f"{d.appeals_filed} / {d.appeals_decided}"),
        (_item("disc_appeal_judged_by", ut), "; ".join(f"{k}: {v}" for k, v in sorted(d.appeals_judged_by.items()))
         or (NOT_APPLICABLE + " (nenhum recurso decidido no período)")),
        ("Sanções suspensas pelo juiz (art. 48)", str(d.sanctions_suspended_by_court)),
        ("Isolamentos (separação do convívio)", str(d.isolations)),
        ("… comunicados em 24 h a defensor, MP e juiz (art. 48 §2º)",
         _pct(d.isolation_notices_on_time, d.isolations)),
        ("… comunicados após 24 h", str(d.isolation_notices_late)),
        ("… com a comunicação vencida e não enviada", _cases(d.isolations_without_notice)),
    )))

    v = r.visits
    out.append(Heading("8. Visitas e contato familiar", "art. 124 VII do ECA; Reg. art. 51 §1"))
    out.append(Facts((
        (f"Adolescentes visitados nos últimos {7} dias", _pct(v.visited_last_7_days, v.residents)),
        ("Mais de 15 dias sem visita e sem ligação (Reg. art. 51 §1)",
         "nenhum" if not v.gap_breaches else "; ".join(f"{cid} ({days} dias)" for cid, days in v.gap_breaches)),
    )))

    e = r.evasions
    out.append(Heading("9. Evasões no período", _cite(["evasions", "evasions_count"], ut)))
    out.append(Facts((
        (_item("evasions", ut, "Houve evasão no período?"), _yes(e.events > 0)),
        (_item("evasions_count", ut, "Quantos adolescentes evadiram"), str(len(e.youths))),
        ("Evasões (eventos)", str(e.events)),
        ("Adolescentes", _cases(e.youths)),
        ("Retornos registrados no período", str(e.returns)),
    )))

    out += _safety_blocks(r, ut)
    out += _unit_reports_blocks(r)
    out += _activity_blocks(r, ut)
    out += _health_blocks(r, ut)
    out += list(extra)

    out.append(Note(checkpoint_line(r.checkpoint)))
    out.append(Note(
        f"Calculado pelo CaseLedger a partir dos modelos de leitura, com a situação no fim do dia {_date(r.on)} "
        "(horário de Cuiabá): contam os registros de fatos ocorridos até essa data, com as retificações que o "
        "livro contém na emissão (um fato anterior registrado depois entra no relatório). Adolescentes "
        "identificados apenas pelo id do caso; sem nomes nem documentos (art. 143 do ECA). «sem registro»: o "
        "livro não guarda o dado; «não se aplica»: nada a responder na data. Itens que dependem de juízo do "
        "inspetor (motivos, adequação, estrutura) não são calculados; `caseledger inspection --coverage` "
        "lista quantos itens de cada formulário são calculados."))
    return out


FREQUENCY_LABELS = {"diario": "Diário", "semanal": "Semanal", "quinzenal": "Quinzenal", "mensal": "Mensal",
                    "menos_que_mensal": "menos que mensal (nenhuma opção do formulário)"}
# Annex III 1.13's options; physical containment and handcuffs are not weapons.
WEAPON_LABELS = {"bala_de_borracha": "Bala de borracha", "gas_ou_spray_de_pimenta": "Gás / Spray de pimenta",
                 "bastao_ou_cassetete": "Cassetete", "arma_de_eletrochoque": "Arma de eletrochoque"}
STAFF_LABELS = {"psicologo": "Psicólogos", "pedagogo": "Pedagogos", "assistente_social": "Assistentes Sociais",
                "educador_social": "Educadores Sociais", "agente_socioeducativo": "Monitores (agentes socioeducativos)",
                "nutricionista": "Nutricionistas", "medico": "Médicos", "dentista": "Dentistas",
                "professor": "Professores"}
AUTHORITY_LABELS = {"defensoria_publica": "Defensoria Pública", "advogado_constituido": "advogado",
                    "ministerio_publico": "Ministério Público"}
# Reg. art. 13: the technical reference team the checklist's "Equipe interdisciplinar" asks for.
TEAM_CATEGORIES = ("psicologo", "assistente_social", "pedagogo")
REPORT_KIND_LABELS = {"inicial": "inicial", "acompanhamento": "de acompanhamento", "reavaliacao": "de reavaliação",
                      "conclusivo": "conclusivo"}
ACTIVITY_KEYS = ("execution_process", "staff_changed", "staff_roster", "checklist_team", "checklist_per_professional",
                 "checklist_defence_access", "checklist_reports", "checklist_case_studies", "checklist_pia_homologated",
                 "family_proximity", "family_proximity_count", "non_lethal", "hearing_team", "execution_defender",
                 "legal_assistance", "legal_frequency", "legal_defensoria", "legal_frequency_defensoria", "legal_lawyer",
                 "legal_frequency_lawyer", "egress_follow_up", "egress_school", "egress_course", "egress_network",
                 "external_exits", "schooling_offered", "vocational_offered")


def _activity_blocks(r: InspectionReport, ut: str | None) -> list[Block]:
    """Section 10: the other items whose data the ledger records, in the forms' order; only those the unit
    type's forms ask."""
    a = r.activity
    none = "nenhum registro no período"
    fam = ("Sim" if len(a.family_elsewhere) * 2 < a.family_recorded else "Não") + \
        f" — família na comarca da unidade em {a.family_recorded - len(a.family_elsewhere)} de {a.family_recorded}"
    weapons = {WEAPON_LABELS[t]: k for t, k in a.force.items() if t in WEAPON_LABELS}
    containment = sum(k for t, k in a.force.items() if t not in WEAPON_LABELS)
    legal = {auth: a.frequency(auth) for auth in ("defensoria_publica", "advogado_constituido")}
    best = next((f for f in ("diario", "semanal", "quinzenal", "mensal", "menos_que_mensal")
                 if f in legal.values()), None)

    def freq(value: str | None) -> str:
        return FREQUENCY_LABELS[value] if value else f"{NOT_APPLICABLE} ({none})"

    def held(authority: str) -> str:
        days = a.interview_days.get(authority, 0)
        return f"Sim — atendimento em {days} dia(s) do período" if days else f"Não — {none}"

    def egress(part: int) -> str:
        return _of(part, a.egress_youths, "egressos acompanhados no período")

    st = r.staff
    roster = "; ".join(f"{STAFF_LABELS.get(c, 'Outros (' + c + ')')}: {act} ativo(s), {ina} inativo(s), {hours} h/semana"
                       for c, (act, ina, hours) in st.by_category.items())
    # I/II 3.7, III 3.13, IV 3.12: the ledger opens each case under its own execution process (R-07: one
    # case per measure), so every youth serving a measure has one; a provisional stay has no execution yet.
    serving = sum(k for (m, _, _), k in r.population.counts.items() if m != "provisoria")
    values = {
        "execution_process": (f"Sim — {serving} adolescente(s) em execução de medida, cada um com o seu processo "
                              "(o caso é aberto pelo número do processo de execução, R-07)") if serving else
                             f"{NOT_APPLICABLE} (nenhum adolescente em execução de medida na data)",
        "staff_changed": (("Sim" if st.changes else "Não") + f" — {st.changes} alteração(ões) do quadro desde "
                          f"{_date(st.changes_since)}") if st.recorded else NA,
        "staff_roster": (roster + " (nomes omitidos: dado pessoal)") if st.recorded else NA,
        "checklist_team": NA if not st.recorded else (
            "Sim" if all(st.by_category.get(c, (0, 0, 0))[0] for c in TEAM_CATEGORIES) else "Não") +
            " — ativos: " + "; ".join(f"{STAFF_LABELS[c]}: {st.by_category.get(c, (0, 0, 0))[0]}" for c in TEAM_CATEGORIES),
        "checklist_reports": (f"{r.reassessment.reports} relatório(s) no período — " + "; ".join(
            f"{REPORT_KIND_LABELS.get(k, k)}: {n}" for k, n in sorted(r.reassessment.kinds.items())) +
            f"; interdisciplinares: {r.reassessment.interdisciplinary}") if r.reassessment.reports else f"Não — {none}",
        "checklist_case_studies": _of(a.case_studies_interdisciplinary, a.case_studies,
                                      "estudos de caso do período com a equipe interdisciplinar"),
        "checklist_pia_homologated": _of(a.pia_homologated, a.pia_submitted,
                                         "adolescentes com PIA entregue e homologado"),
        "checklist_per_professional": "; ".join(
            f"{STAFF_LABELS.get(c, 'Outros (' + c + ')')}: {len(r.residents) / act:.1f}".replace(".", ",")
            for c, (act, _, _) in st.by_category.items() if act) or NA,
        "checklist_defence_access": ("Sim — dias com atendimento reservado no período: " + "; ".join(
            f"{AUTHORITY_LABELS.get(k, k)}: {n}" for k, n in sorted(a.interview_days.items())))
        if a.interview_days else f"Não — {none}",
        "family_proximity": fam if a.family_recorded else NA,
        "family_proximity_count": (f"{len(a.family_elsewhere)} (família em outra comarca: "
                                   f"{_cases(a.family_elsewhere)})") if a.family_recorded else NA,
        "non_lethal": ("Sim — " + "; ".join(f"{k}: {n}" for k, n in sorted(weapons.items()))) if weapons else
                      f"Não — {none}" + (f" (contenção física ou algemas: {containment})" if containment else ""),
        "hearing_team": _of(a.hearings_with_team, a.hearings, "audiências de reavaliação do período"),
        "execution_defender": _of(a.hearings_with_defender, a.hearings, "audiências de reavaliação do período"),
        "legal_assistance": _yes(a.legal_assistance_systematic) + (
            f" — {a.residents_interviewed} de {len(r.residents)} adolescentes atendidos no período pela Defensoria "
            "ou por advogado" if r.residents else ""),
        "legal_frequency": freq(best),
        "legal_defensoria": held("defensoria_publica"),
        "legal_frequency_defensoria": freq(legal["defensoria_publica"]),
        "legal_lawyer": held("advogado_constituido"),
        "legal_frequency_lawyer": freq(legal["advogado_constituido"]),
        "egress_follow_up": (f"Sim — {a.egress_youths} egresso(s) acompanhado(s) no período" if a.egress_youths
                             else f"Não — {none}"),
        "egress_school": egress(a.egress_in_school),
        "egress_course": egress(a.egress_in_course_or_work),
        "egress_network": egress(a.egress_referred),
        "external_exits": (f"Sim — {a.exits} saída(s) no período (" + "; ".join(
            f"{k}: {n}" for k, n in sorted(a.exit_purposes.items())) + ")") if a.exits else f"Não — {none}",
    }
    values.update(_schooling_values(r))
    asked = [k for k in ACTIVITY_KEYS if form_items.items_for(k, ut)]
    order = {i.ref: n for n, i in enumerate(form_items.catalogue())}
    asked.sort(key=lambda k: order[form_items.items_for(k, ut)[0].ref])  # the forms' order
    rows = tuple((form_items.label(k, ut), values[k]) for k in asked)
    return [Heading("10. Outros itens do formulário calculados pelo livro", _cite(
        asked, ut,
        "proximidade da família: comarca da família comparada com a da unidade (se outra unidade é a mais "
        "próxima é juízo do inspetor); frequência: intervalo médio entre os dias de atendimento no período")),
        Facts(rows)]


def _schooling_values(r: InspectionReport) -> dict[str, str]:
    """The checklist's Escolarização and Profissionalização/Trabalho rows from the monthly frequency read model
    (E54): the residents enrolled on the day, the previous month's frequency against SISPETI's 85 % (seed 002)
    and, in semiliberdade, who has no school after the triage (ECA 120 §1). Whether the curriculum and the
    courses' certification are adequate stays the inspector's judgement."""
    s = r.schooling
    if not s.recorded:
        return {"schooling_offered": f"Não — nenhuma matrícula registrada para os {s.residents} adolescentes do dia",
                "vocational_offered": f"Não — nenhuma matrícula registrada para os {s.residents} adolescentes do dia"}
    frequency = (f"; frequência de {s.month}: {s.youths_below_minimum} de {s.youths_with_frequency} adolescente(s) "
                 "abaixo de 85 % (SISPETI)") if s.youths_with_frequency else f"; frequência de {s.month}: sem registro"
    alert = (f"; sem escola após a triagem (ECA art. 120 §1): {_cases(s.alerts)}") if s.alerts else ""
    return {
        "schooling_offered": _of(s.in_school, s.residents, "adolescentes do dia matriculados em escola") + frequency + alert,
        "vocational_offered": _of(s.in_course_or_work, s.residents,
                                  "adolescentes do dia em curso profissionalizante ou trabalho"),
    }
HEALTH_KEYS = ("mental_disorder", "mental_disorder_count", "mental_disorder_reason", "checklist_health_emergency",
               "checklist_health_scheduled", "checklist_health_referrals", "checklist_health_capsad",
               "checklist_health_ist")
DESTINATION_LABELS = {"ubs_aps": "UBS / atenção primária", "upa_pronto_atendimento": "UPA / pronto atendimento",
                      "hospital": "hospital", "ambulatorio_especializado": "ambulatório especializado", "caps": "CAPS",
                      "capsi": "CAPSi", "capsad": "CAPSad", "saude_bucal": "saúde bucal", "ist_aids": "IST/AIDS (CTA/SAE)",
                      "imunizacao": "imunização", "outro": "outro"}
REASON_LABELS = {"sem_nucleo_de_saude_mental": "Inexistência de núcleo de saúde mental na Unidade",
                 "profissionais_insuficientes": "Profissionais do núcleo de saúde mental em número insuficiente",
                 "outro": "Outros"}


def _health_blocks(r: InspectionReport, ut: str | None) -> list[Block]:
    """Section 11: the health items (ECA art. 112 §3; Reg. art. 53 VI, 93), counts only (LGPD art. 11)."""
    from projections.inspection_health import MENTAL_HEALTH, SPECIALISED

    h = r.health
    none = "nenhum registro no período"

    def referred(kinds: frozenset[str] | set[str], what: str) -> str:
        n = h.referrals_to(kinds)
        return f"Sim — {n} encaminhamento(s) {what} no período" if n else f"Não — {none}"

    by_kind = "; ".join(f"{DESTINATION_LABELS.get(k, k)}: {n}" for k, n in sorted(h.referrals.items()))
    reasons = "; ".join(f"{REASON_LABELS.get(k, k)}: {n}" for k, n in sorted(h.not_in_facility_reasons.items()))
    values = {
        "mental_disorder": _yes(h.mental_disorder > 0) if h.residents else NOT_APPLICABLE,
        "mental_disorder_count": str(h.mental_disorder) + (
            f" ({h.in_health_facility} em unidade de saúde)" if h.mental_disorder else ""),
        "mental_disorder_reason": (REASON_LABELS[h.main_reason] + f" — {reasons}") if h.main_reason else
        NOT_APPLICABLE + (" (todos em unidade de saúde)" if h.mental_disorder else ""),
        "checklist_health_emergency": (f"{h.urgent_referrals} encaminhamento(s) de urgência no período"
                                       if h.urgent_referrals else f"{none} de urgência")
        + " (a existência do plantão é juízo do inspetor)",
        "checklist_health_scheduled": (f"{h.appointments_attended} atendimento(s) realizado(s), "
                                       f"{h.appointments_missed} não realizado(s); {h.youths_referred} adolescente(s) "
                                       "encaminhado(s) no período") if h.total_referrals else f"Não — {none}",
        "checklist_health_referrals": (referred(SPECIALISED, "a serviços especializados") if ut != "semiliberdade" else
                                       referred(set(h.referrals), "à rede de saúde"))
        + (f" ({by_kind})" if by_kind else ""),
        "checklist_health_capsad": referred({"capsad"}, "ao CAPSad"),
        "checklist_health_ist": referred({"ist_aids"}, "a serviços de IST/AIDS"),
    }
    asked = [k for k in HEALTH_KEYS if form_items.items_for(k, ut)]
    rows = [(form_items.label(k, ut), values[k]) for k in asked]
    rows += [("Encaminhamentos à saúde mental (CAPS, CAPSi, CAPSad) no período", str(h.referrals_to(MENTAL_HEALTH))),
             ("Internações hospitalares / medicações registradas / notificações compulsórias no período",
              f"{h.hospitalisations} / {h.medications} / {h.notifications}")]
    return [Heading("11. Saúde (art. 112 §3º do ECA; Reg. arts. 53 VI, 89 par. único, 93)", _cite(asked, ut)),
            Facts(tuple(rows)),
            Note("Somente contagens: o dado clínico é sensível (art. 11 da LGPD), cifrado no livro e visível só à "
                 "equipe de saúde; os adolescentes não são identificados nesta seção.")]
# CNMP67 Annex I 2.4.5 / III 2.15.5: the form's options for the motives (domain.unit.occurrences.RebellionMotive).
MOTIVE_LABELS = {"falta_de_infraestrutura": "Falta de infraestrutura adequada",
                 "falta_de_dialogo_com_a_direcao": "Falta de diálogo com a Diretoria da instituição",
                 "guerra_entre_faccoes": "Guerra entre facções rivais",
                 "excessos_de_profissionais": "Excessos cometidos por profissionais da entidade",
                 "fuga_em_massa": "Realização de fuga em massa", "superlotacao": "Superlotação", "outro": "Outros"}
SAFETY_KEYS = ("rebellions", "rebellions_count", "rebellion_injuries", "rebellion_deaths", "rebellion_deaths_count",
               "rebellion_harm_by_staff", "rebellion_motives", "police_reports", "checklist_occurrence_records")


def _safety_blocks(r: InspectionReport, ut: str | None) -> list[Block]:
    """Section 9-A: rebellions, police reports, deaths and the occurrence book (R-53, R-59, R-64, R-68)."""
    s = r.safety
    none = "nenhum registro no período"
    some = s.rebellions > 0
    values = {
        "rebellions": _yes(some) if s.recorded else NA,
        "rebellions_count": str(s.rebellions) if s.recorded else NA,
        "rebellion_injuries": (_yes(s.rebellions_with_injuries > 0) if some else NOT_APPLICABLE) if s.recorded else NA,
        "rebellion_deaths": (_yes(s.rebellion_deaths > 0) if some else NOT_APPLICABLE) if s.recorded else NA,
        "rebellion_deaths_count": (str(s.rebellion_deaths) if some else NOT_APPLICABLE) if s.recorded else NA,
        "rebellion_harm_by_staff": (_yes(s.rebellions_harm_by_staff_or_police > 0) if some else NOT_APPLICABLE)
        if s.recorded else NA,
        "rebellion_motives": ("; ".join(f"{MOTIVE_LABELS.get(m, m)}: {n}" for m, n in sorted(s.rebellion_motives.items()))
                              if some else NOT_APPLICABLE) if s.recorded else NA,
        "police_reports": ((f"Sim — {s.police_reports} boletim(ns) de ocorrência (" + "; ".join(
            f"{k}: {n}" for k, n in sorted(s.police_report_reasons.items())) + ")") if s.police_reports
            else f"Não — {none}") if s.recorded else NA,
        "checklist_occurrence_records": ((f"Sim — {s.occurrences_logged} registro(s) no livro de ocorrências no período, "
                                          f"{s.shifts_handed_over} plantão(ões) validado(s) pelo líder")
                                         if s.occurrences_logged else f"Não — {none}") if s.recorded else NA,
    }
    asked = [k for k in SAFETY_KEYS if form_items.items_for(k, ut)]
    rows = [(form_items.label(k, ut), values[k]) for k in asked]
    rows += [
        ("Óbitos de adolescentes da unidade no período (E53; art. 46 I do SINASE)", _cases(s.deaths)),
        ("Registros do livro de plantões ainda não validados pelo líder (R-59; Reg. art. 21 XII)",
         str(s.occurrences_not_validated) if s.recorded else NA),
        ("Sem rebelião nos últimos 6 meses (condição de dispensa, art. 2-A §1 da Res. CNMP 67; R-64)",
         _yes(s.rebellion_free_6_months)),
    ]
    return [Heading("9-A. Rebeliões, ocorrências policiais, óbitos e livro de ocorrências", _cite(
        asked, ut, "arts. 58–59 da Res. CONANDA 252; Reg. arts. 14 XXII, 21 XII e XX")), Facts(tuple(rows))]


def _unit_reports_blocks(r: InspectionReport) -> list[Block]:
    """Section 9-B: the unit's monthly and annual reports to the Superintendência (R-65; Reg. art. 14 XIV)."""
    u = r.unit_reports
    months = ", ".join(u.months_due) or "nenhum mês encerrado no período"
    if not u.recorded:
        monthly = annual = NA
    else:
        monthly = ("Sim — todos enviados" if not u.months_missing else
                   "Não — sem relatório: " + ", ".join(u.months_missing)) if u.months_due else NOT_APPLICABLE
        annual = _yes(u.annual_sent)
    return [Heading("9-B. Relatórios à Superintendência e reuniões da equipe", "R-65; Reg. art. 14 VI e XIV"),
            Facts((
                (f"Relatórios mensais dos meses encerrados no período ({months}) enviados?", monthly),
                (f"Relatório anual de {u.annual_year} enviado?", annual),
                ("Reunião mensal da equipe (Reg. art. 14 VI)", "sem registro — o livro não registra as reuniões"),
            ))]


def _of(part: int, whole: int, what: str) -> str:
    """A share answering a yes/no item: "Sim — 3 de 3 …", "Não — 1 de 2 …", or not applicable."""
    if not whole:
        return f"{NOT_APPLICABLE} (nenhum caso no período)"
    return f"{'Sim' if part == whole else 'Não'} — {part} de {whole} {what} ({100 * part / whole:.0f}%)"


def _reports_blocks(rep: ReportsSummary, ut: str | None) -> list[Block]:
    out: list[Block] = [Facts((
        (_item("reports_record", ut), f"Sim — registro por adolescente no livro; {rep.reports} relatório(s) no período"),
        (_item("reports_team", ut), _of(rep.interdisciplinary, rep.reports, "relatórios do período")),
        (_item("reports_conclusion", ut), _of(rep.with_conclusion, rep.reports, "relatórios do período")),
        (_item("reports_on_time", ut), _yes(rep.on_time, NOT_APPLICABLE)),
        ("Adolescentes com relatório a enviar na data", str(rep.total)),
        ("Fonte do prazo", f"{rep.source} (6 meses, ou 3 se trimestral, do início da medida ou do relatório anterior)"),
    ))]
    rows = tuple((CLOCK_STATES.get(state, state), str(n)) for state, n in sorted(rep.states.items()))
    if rows:
        out.append(Table(("Situação", "Adolescentes"), rows))
    out.append(Facts((
        ("Relatórios do período enviados fora do prazo", "nenhum" if not rep.late else
         "; ".join(f"{cid} (prazo {_date(due)}, enviado {_date(done)})" for cid, due, done in rep.late)),
        ("Relatório vencido e não enviado na data", "nenhum" if not rep.breached else
         "; ".join(f"{cid} (prazo {_date(due)})" for cid, due in rep.breached)),
    )))
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


def checkpoint_line(cp) -> str:
    """The checkpoint the report was computed at (issue 17): what an auditor verifies its facts against."""
    if cp.checkpoint_size is None:
        return ("Checkpoint do log de transparência: nenhum checkpoint ainda cobre estes fatos "
                "(no checkpoint yet covers these facts)"
                + (f"; modelos de leitura até a notificação {cp.notification_id}." if cp.notification_id else "."))
    return (f"Checkpoint do log de transparência: tamanho da árvore {cp.checkpoint_size}, raiz {cp.checkpoint_root} "
            f"(modelos de leitura até a notificação {cp.notification_id}, árvore de tamanho {cp.tree_size}); "
            "verificável com `caseledger audit bundle` e o verificador independente.")


# -- writers -----------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _label(label: str) -> str:
    return label if label.endswith("?") else label + ":"


def _numeric(table: Table, column: int) -> bool:
    """A column of counts (right-aligned)."""
    return column > 0 and all(row[column].isdigit() for row in table.rows)


def to_markdown(report: InspectionReport, extra: Sequence["Block"] = ()) -> str:
    lines: list[str] = []
    for b in blocks(report, extra):
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


def to_html(report: InspectionReport, extra: Sequence["Block"] = ()) -> str:
    body: list[str] = []
    seen_heading = False
    items = blocks(report, extra)
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
