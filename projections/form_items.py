"""The items of the CNMP Res. 67 inspection forms, as data (`projections/cnmp67_items.json`).

The four forms (Anexos I–IV in the wording of Res. 84/2012, seed 001): every header field and
numbered item, with its wording in Portuguese, the unit types it is asked of, and how the ledger
answers it:

- ``computed``: the inspection report computes it (``source`` names the read model and events);
- ``recorded``: the ledger records the data (``source``) but the report does not compute it yet;
- ``missing``: the ledger does not record the data (``needs`` says which);
- ``inspector``: the inspector's own judgement;
- ``group``: a heading answered by its sub-items (not counted).

Each form's checklist table ("Preencha a tabela abaixo…") is a heading; its rows (indicator:
descriptor) are items numbered after the table in the form's order ("3.13 #1", "3.13 #2", …). The report (`infra/inspection_render.py`) takes its item labels and citations from
here, so what it prints is the form's own numbering and wording.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("cnmp67_items.json")
ANSWERS = ("computed", "recorded", "missing", "inspector")
KINDS = ANSWERS + ("group",)
ANNEX_ORDER = ("I", "II", "III", "IV")
# The bimestral form first, then the annual one (Res. 67 art. 1º, as amended by Res. 84/2012).
UNIT_ANNEXES = {"internacao": ("I", "III"), "internacao_provisoria": ("I", "III"), "semiliberdade": ("II", "IV")}


@dataclass(frozen=True)
class FormItem:
    annex: str
    number: str
    wording: str
    options: tuple[str, ...]
    key: str | None  # the report's name for the answer, shared by the same question in every form
    answer: str  # one of KINDS
    source: str = ""  # computed / recorded: where the answer comes from
    needs: str = ""  # missing: the data the ledger does not record

    @property
    def ref(self) -> str:
        return f"{self.annex} {self.number}"


@lru_cache(maxsize=1)
def catalogue() -> tuple[FormItem, ...]:
    """Every item, checked: known annex and kind, a key for each computed item, a need for each missing one."""
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    out = []
    seen = set()
    for raw in doc["items"]:
        item = FormItem(raw["annex"], raw["number"], raw["wording"], tuple(raw.get("options") or ()), raw.get("key"),
                        raw["answer"], raw.get("source", ""), raw.get("needs", ""))
        if item.annex not in ANNEX_ORDER or item.answer not in KINDS:
            raise ValueError(f"form item {item.ref}: unknown annex or answer {item.answer!r}")
        if item.answer == "computed" and not item.key:
            raise ValueError(f"form item {item.ref}: a computed item needs the report's key")
        if item.answer == "missing" and not item.needs:
            raise ValueError(f"form item {item.ref}: say which data is missing")
        if item.ref in seen:
            raise ValueError(f"form item {item.ref} twice")
        seen.add(item.ref)
        out.append(item)
    return tuple(out)


def annexes_for(unit_type: str | None) -> tuple[str, ...]:
    """The forms asked of a unit type (internação when it is not recorded)."""
    return UNIT_ANNEXES.get(unit_type or "", UNIT_ANNEXES["internacao"])


def items_for(key: str, unit_type: str | None) -> list[FormItem]:
    """The items answered by `key` in the forms of the unit type, in the forms' order."""
    annexes = annexes_for(unit_type)
    return [i for i in catalogue() if i.key == key and i.annex in annexes]


def label(key: str, unit_type: str | None) -> str:
    """The form's numbering and wording of an answer: "I 3.5 / III 3.11 No envio dos relatórios…"."""
    found = items_for(key, unit_type)
    if not found:
        raise KeyError(f"no form item answers {key!r} for {unit_type or 'internação'}")
    refs = " / ".join(i.ref for i in found)
    return f"{refs} {found[0].wording.rstrip(':').strip()}"


def cite(keys: list[str] | tuple[str, ...], unit_type: str | None) -> str:
    """The items the keys fill, by annex: "Anexo I 3.1, 3.2 e 3.5; Anexo III 3.7 e 3.11"."""
    by_annex: dict[str, list[str]] = {}
    for key in keys:
        for i in items_for(key, unit_type):
            numbers = by_annex.setdefault(i.annex, [])
            if i.number not in numbers:
                numbers.append(i.number)
    parts = []
    for annex in ANNEX_ORDER:
        numbers = sorted(by_annex.get(annex, ()), key=lambda n: [int(p) for p in re.findall(r"\d+", n.replace("H.", "0."))])
        if numbers:
            joined = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " e " + numbers[-1]
            parts.append(f"Anexo {annex} {joined}")
    return "; ".join(parts)


def coverage(annexes: tuple[str, ...] = ANNEX_ORDER) -> dict[str, Counter]:
    """Per annex, how many items are computed, recorded, missing or left to the inspector."""
    out: dict[str, Counter] = {a: Counter({k: 0 for k in ANSWERS}) for a in annexes}
    for i in catalogue():
        if i.annex in out and i.answer in ANSWERS:
            out[i.annex][i.answer] += 1
    return out


def distinct(annexes: tuple[str, ...] = ANNEX_ORDER) -> Counter:
    """The same question asked by several forms counted once (by its key, else its wording and need)."""
    seen: dict[str, str] = {}
    for i in catalogue():
        if i.annex in annexes and i.answer in ANSWERS:
            seen.setdefault(i.key or f"{i.wording}|{i.needs}", i.answer)
    out = Counter({k: 0 for k in ANSWERS})
    out.update(seen.values())
    return out


ANNEX_UNIT_TYPES = {"I": "internação", "II": "semiliberdade", "III": "internação", "IV": "semiliberdade"}


def answer_problems(answers, unit_type: str | None) -> list[str]:
    """What is wrong with an inspector's answers (`InspectorAnswer`s) for a unit of `unit_type`: an item
    the forms do not have, one of another unit type's forms, one the ledger answers (only the judgement
    items are the inspector's), a choice that is not among the item's options. Empty when all is well."""
    by_ref = {i.ref: i for i in catalogue()}
    annexes = annexes_for(unit_type)
    forms = " and ".join(f"Anexo {a}" for a in annexes)
    problems = []
    for a in answers:
        item = by_ref.get(a.item)
        if item is None:
            problems.append(f"item {a.item!r} is not an item of the CNMP 67 forms (annex and number as "
                            f"\"I 3.13 #1\"; `caseledger inspection --items` lists them)")
        elif item.annex not in annexes:
            problems.append(f"item {a.item} is of Anexo {item.annex} ({ANNEX_UNIT_TYPES[item.annex]}); "
                            f"this unit answers {forms}")
        elif item.answer != "inspector":
            what = {"computed": "the report computes it", "missing": "it asks for data the ledger does not record",
                    "group": "it is a heading answered by its sub-items"}[item.answer]
            problems.append(f"item {a.item} is not the inspector's judgement ({what}); only judgement items "
                            f"are answered by the inspector")
        elif not item.options and a.choices:
            problems.append(f"item {a.item} has no options; give its text")
        else:
            wrong = [c for c in a.choices if c not in item.options]
            if wrong:
                problems.append(f"item {a.item}: {', '.join(map(repr, wrong))} not among its options "
                                f"({' | '.join(item.options)})")
            elif set(item.options) == {"Sim", "Não"} and len(a.choices) != 1:
                problems.append(f"item {a.item}: answer Sim or Não")
            elif a.text and item.options and not any(c.startswith("Outr") or "specif" in c for c in a.choices):
                problems.append(f"item {a.item}: a text goes with its \"Outros\" option")
    return problems
