"""The filed inspection report: the inspector's answers, the computed snapshot, and reissuing it.

`caseledger inspection UNIT --date D --answers FILE --file` computes the report as recorded at
a fixed time, encodes it as canonical JSON (the snapshot) and records it with the promotor's
answers in ONE `record_inspection` event of the unit (domain/unit/inspection_filing.py).
`--filed ID` reads that event back from the unit's history and prints the snapshot — what was
filed, not a new computation — with the answers; `--verify` computes the report again at the
filed bitemporal point and says whether the figures are the same.

The snapshot is plain data (case ids, counts, dates): `encode` walks the report's dataclasses,
`decode` rebuilds them from the type hints, so the renderer prints a filed report with the same
code as a fresh one. A field added to the report later takes its default in an older snapshot.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Sequence

from domain.unit.inspection_filing import InspectorAnswer
from projections import form_items
from projections.inspection import InspectionReport

ANSWER_FILE_HELP = """\
The answers file (JSON): the visit and the answers to the form's judgement items, by item number:
  {"kind": "bimestral", "inspected_at": "2025-06-30T14:00:00-04:00", "promotor_id": "mp-cgb-01",
   "answers": {"I 3.13 #1": "Sim", "I 1.3.5": ["Espaço físico insuficiente"],
               "III 3.2.1": {"text": "CREAS Cuiabá; Escola Estadual X"},
               "I 2.4.5": {"choices": ["Outros. Especificar"], "text": "falta de água"}}}
`caseledger inspection UNIT --items` lists the judgement items of the unit's forms as such a file."""


class FilingError(ValueError):
    """An answers file that cannot be read, or a filed report that is not there."""


# -- the snapshot ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):  # sorted: the same figures give the same snapshot, whatever the fold's order
        pairs = [[_plain(k), _plain(v)] for k, v in value.items()]
        return sorted(pairs, key=lambda kv: json.dumps(kv[0], sort_keys=True))
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def plain(report: InspectionReport) -> dict[str, Any]:
    """The report as plain data (mappings as [key, value] pairs: some keys are tuples)."""
    return _plain(report)


def encode(report: InspectionReport) -> str:
    """The snapshot: canonical JSON of the report (its digest is stable for the same figures)."""
    return json.dumps(plain(report), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _build(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if value is None:
        return None
    if origin in (typing.Union, types.UnionType):
        branches = [t for t in typing.get_args(tp) if t is not type(None)]
        return _build(branches[0], value) if len(branches) == 1 else value
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        known = {f.name for f in dataclasses.fields(tp) if f.init}
        return tp(**{k: _build(hints[k], v) for k, v in value.items() if k in known})
    if origin in (Mapping, dict, collections.Counter):
        args = typing.get_args(tp) or (Any, Any)
        return {_build(args[0], k): _build(args[1], v) for k, v in value}
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v) for v in value)
        return tuple(_build(t, v) for t, v in zip(args, value))
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    return value


def decode(snapshot: str) -> InspectionReport:
    """The report a snapshot holds, as the dataclasses the renderer prints."""
    return _build(InspectionReport, json.loads(snapshot))


def figures(report: InspectionReport) -> str:
    """The report's figures without the log checkpoint (which grows after the filing): what a
    computation at the same bitemporal point must reproduce."""
    return encode(dataclasses.replace(report, checkpoint=type(report.checkpoint)()))


# -- the answers file --------------------------------------------------------------------------


def read_answers(text: str) -> dict[str, Any]:
    """The visit and the answers of an answers file (ANSWER_FILE_HELP), as record_inspection's arguments."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FilingError(f"the answers file is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers", {}), dict):
        raise FilingError("the answers file is an object with \"answers\": {item: answer} (see --help)")
    unknown = set(doc) - {"kind", "inspected_at", "promotor_id", "answers", "inspection_id"}
    if unknown:
        raise FilingError(f"the answers file has no field {', '.join(sorted(unknown))} (see --help)")
    for name in ("kind", "inspected_at", "promotor_id"):
        if not isinstance(doc.get(name), str) or not doc[name].strip():
            raise FilingError(f"the answers file needs \"{name}\" (see --help)")
    try:
        inspected_at = dt.datetime.fromisoformat(doc["inspected_at"])
    except ValueError:
        raise FilingError("\"inspected_at\" is a date-time with its offset, e.g. 2025-06-30T14:00:00-04:00") from None
    if inspected_at.tzinfo is None:
        raise FilingError("\"inspected_at\" needs its UTC offset (D-01), e.g. 2025-06-30T14:00:00-04:00")
    answers = []
    for item, value in doc.get("answers", {}).items():
        if isinstance(value, str):
            answers.append(InspectorAnswer(item, (value,)))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            answers.append(InspectorAnswer(item, tuple(value)))
        elif isinstance(value, dict) and set(value) <= {"choices", "text", "wording"} and (
                isinstance(value.get("text") or "", str) and isinstance(value.get("choices") or [], list)):
            # The --items template lists every item with its options: an item left as given is not answered.
            choices = tuple(value.get("choices") or ())
            text = (value.get("text") or "").strip() or None
            if "wording" in value and text is None and set(choices) == set(_options(item)) and len(choices) != 1:
                continue
            answers.append(InspectorAnswer(item, choices, text))
        else:
            raise FilingError(f"item {item}: an answer is an option, a list of options, or "
                              "{\"choices\": [...], \"text\": \"...\"}")
    out = {"kind": doc["kind"], "inspected_at": inspected_at, "promotor_id": doc["promotor_id"],
           "answers": tuple(answers)}
    if doc.get("inspection_id"):
        out["inspection_id"] = doc["inspection_id"]
    return out


def _options(ref: str) -> tuple[str, ...]:
    return next((i.options for i in form_items.catalogue() if i.ref == ref), ())


def answers_template(unit_type: str | None) -> dict[str, Any]:
    """An answers file with every judgement item of the unit type's forms, its options to choose from."""
    items = [i for i in form_items.catalogue() if i.answer == "inspector" and i.annex in form_items.annexes_for(unit_type)]
    return {"kind": "bimestral", "inspected_at": "AAAA-MM-DDTHH:MM:SS-04:00", "promotor_id": "<id do promotor>",
            "answers": {i.ref: {"wording": i.wording, "choices": list(i.options) if i.options else [], "text": ""}
                        for i in items}}


# -- a filed report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """A filed report as the unit's history holds it."""

    inspection_id: str
    sequence: int  # the entry's number in the unit's history
    kind: str
    inspected_at: dt.datetime
    promotor_id: str
    filed_at: dt.datetime  # when the event was recorded
    answers: tuple[InspectorAnswer, ...]
    facts_on: dt.date
    period_start: dt.date
    recorded_as_of: dt.datetime
    snapshot: str
    snapshot_sha256: str


def _moment(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _payload(row: Mapping[str, Any]) -> dict[str, Any]:
    payload = row.get("payload")
    return json.loads(payload) if isinstance(payload, str) else dict(payload or {})


def filings(unit_rows: Sequence[Mapping[str, Any]]) -> list[Filing]:
    """The filed reports in a unit's audit rows (InspectionRecorded with a report), in recorded order."""
    out = []
    voided = {row.get("amends_sequence") for row in unit_rows if row.get("amendment") == "voided"}
    for row in unit_rows:
        if str(row.get("event_type")).split(".", 1)[-1] != "InspectionRecorded" or row.get("sequence") in voided:
            continue
        data = _payload(row)
        rep = data.get("report")
        if not rep:
            continue
        out.append(Filing(
            inspection_id=str(data["inspection_id"]), sequence=int(row["sequence"]), kind=str(data["kind"]),
            inspected_at=_moment(data["inspected_at"]), promotor_id=str(data["promotor_id"]),
            filed_at=_moment(row["recorded_at"]),
            answers=tuple(InspectorAnswer(a["item"], tuple(a.get("choices") or ()), a.get("text"))
                          for a in data.get("answers") or ()),
            facts_on=dt.date.fromisoformat(str(rep["facts_on"])[:10]),
            period_start=dt.date.fromisoformat(str(rep["period_start"])[:10]),
            recorded_as_of=_moment(rep["recorded_as_of"]), snapshot=rep["snapshot"],
            snapshot_sha256=rep["snapshot_sha256"]))
    return out


def find_filing(unit_rows: Sequence[Mapping[str, Any]], ref: str) -> Filing:
    """The filed report named by its inspection id or its entry number in the unit's history."""
    found = filings(unit_rows)
    for f in found:
        if ref in (f.inspection_id, str(f.sequence)):
            return f
    listed = "; ".join(f"{f.sequence} ({f.inspection_id}, fatos de {f.facts_on})" for f in found) or "none"
    raise FilingError(f"no filed inspection report {ref!r} in the unit's history; filed: {listed}")


def to_json(report: InspectionReport, filing: Filing | None = None) -> str:
    """The report (and the filing, if any) as JSON for machines."""
    out: dict[str, Any] = {"report": plain(report)}
    if filing is not None:
        out["filing"] = {
            "inspection_id": filing.inspection_id, "sequence": filing.sequence, "kind": filing.kind,
            "inspected_at": filing.inspected_at.isoformat(), "promotor_id": filing.promotor_id,
            "filed_at": filing.filed_at.isoformat(), "facts_on": filing.facts_on.isoformat(),
            "period_start": filing.period_start.isoformat(), "recorded_as_of": filing.recorded_as_of.isoformat(),
            "snapshot_sha256": filing.snapshot_sha256,
            "answers": [{"item": a.item, "choices": list(a.choices), "text": a.text} for a in filing.answers]}
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def filing_blocks(filing: Filing, unit_type: str | None) -> list:
    """The inspector's part of a filed report: the visit, the filing, and every judgement item of the
    unit's forms with its answer ("não respondido" when the inspector left it)."""
    from infra.inspection_render import Facts, Heading, Note, Table, _date, _moment as when

    given = {a.item: a for a in filing.answers}
    items = [i for i in form_items.catalogue()
             if i.answer == "inspector" and i.annex in form_items.annexes_for(unit_type)]
    rows = []
    for i in items:
        a = given.get(i.ref)
        answer = "não respondido" if a is None else "; ".join(list(a.choices) + ([a.text] if a.text else []))
        rows.append((i.ref, i.wording, answer))
    return [
        Heading("11. Parte do inspetor (itens de juízo do Promotor de Justiça)",
                "respostas do Promotor, arquivadas com este relatório (Res. CNMP 67, art. 2)"),
        Facts((("Inspeção", f"{filing.inspection_id} ({filing.kind})"),
               ("Realizada em", when(filing.inspected_at)),
               ("Promotor (id)", filing.promotor_id),
               ("Arquivada em", f"{when(filing.filed_at)} — registro nº {filing.sequence} do histórico da unidade"),
               ("Ponto bitemporal", f"fatos de {_date(filing.facts_on)}, registrados até {when(filing.recorded_as_of)}"),
               ("Resumo SHA-256 dos números", filing.snapshot_sha256),
               ("Itens respondidos", f"{len(given)} de {len(items)}"))),
        Table(("Item", "Pergunta", "Resposta"), rows),
        Note("Relatório arquivado: os números acima são os calculados no arquivamento, como registrados até o "
             "ponto bitemporal; `caseledger inspection UNIDADE --filed ID --verify` os calcula de novo nesse ponto."),
    ]
