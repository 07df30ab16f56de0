"""The catalogue of the CNMP Res. 67 forms' items (projections/cnmp67_items.json) and the report built on it."""

from __future__ import annotations

import re

import pytest

from infra.inspection_render import to_markdown
from projections.form_items import ANSWERS, catalogue, cite, coverage, items_for, label
from tests.unit.projections.test_inspection import a_report, a_resident, a_unit_of, disciplinary_case, report_of


def item(ref):
    return next(i for i in catalogue() if i.ref == ref)


def test_the_catalogue_holds_every_numbered_item_of_the_four_forms_in_the_2012_wording():
    by_annex = {a: [i.number for i in catalogue() if i.annex == a] for a in ("I", "II", "III", "IV")}
    # The checklist table closes each form; its rows are items numbered after it.
    assert by_annex["I"][-1] == "3.13 #50" and by_annex["III"][-1] == "3.23 #50"
    assert by_annex["II"][-1] == "3.12 #41" and by_annex["IV"][-1] == "3.20 #41"
    assert item("IV 3.20 #15").wording.endswith("em conformidade com o SINASE (20 adolescentes)")
    assert item("I 3.13 #17").wording.endswith("em conformidade com o SINASE (40 adolescentes)")
    assert "3.15.1.2.1.2" in by_annex["III"] and "3.14.2" in by_annex["IV"]
    assert item("III 2.9").wording == ("É facultado ao adolescente a assistência de seus pais ou responsáveis "
                                       "durante o procedimento disciplinar?")
    assert item("I 1.1").options == ("Masculino", "Feminino", "Ambos")


def test_every_missing_item_says_which_data_and_every_computed_item_names_its_source():
    for i in catalogue():
        if i.answer == "missing":
            assert i.needs, i.ref
        if i.answer in ("computed", "recorded"):
            assert i.source, i.ref


def test_the_type_of_offence_is_catalogued_as_missing_data_not_computed():
    assert {i.answer for i in catalogue() if i.key == "sep_offence_type"} == {"missing"}


@pytest.mark.parametrize("unit_type", ["internacao", "semiliberdade"])
def test_every_computed_item_of_the_unit_types_forms_is_printed_by_the_report(unit_type):
    unit = a_unit_of(unit_type=unit_type)
    case = a_resident(unit, room="A1", modality="semiliberdade" if unit_type == "semiliberdade" else "internacao")
    a_report(case, on="2026-05-20")
    text = to_markdown(report_of(unit, [case, disciplinary_case(unit, [{"staff_id": "s", "role": "gerente"}])]))
    annexes = ("I", "III") if unit_type == "internacao" else ("II", "IV")
    for i in catalogue():
        if i.annex in annexes and i.answer == "computed":
            assert re.search(rf"(^|[\s/*|]){i.annex} {re.escape(i.number)}(?![.\d])", text, re.M), i.ref


def test_labels_and_citations_follow_the_unit_types_forms():
    assert label("reports_on_time", "semiliberdade").startswith("II 3.5 / IV 3.10 No envio dos relatórios")
    assert "art. 42" in label("reports_on_time", "semiliberdade")
    assert "art. 121, §2º" in label("reports_on_time", "internacao")
    assert cite(["evasions", "evasions_count"], "internacao") == "Anexo I 2.3 e 2.3.1; Anexo III 2.14 e 2.14.1"
    assert items_for("evasions", "semiliberdade") == []  # Annexes II and IV do not ask it
    with pytest.raises(KeyError):
        label("evasions", "semiliberdade")


def test_coverage_counts_each_annex_by_how_its_items_are_answered():
    counts = coverage()
    assert set(counts) == {"I", "II", "III", "IV"}
    for annex, c in counts.items():
        assert set(c) == set(ANSWERS)
        assert sum(c.values()) == sum(1 for i in catalogue() if i.annex == annex and i.answer != "group")
    assert counts["I"]["computed"] == sum(1 for i in catalogue() if i.annex == "I" and i.answer == "computed") > 0


def test_distinct_counts_a_question_asked_by_several_forms_once():
    from projections.form_items import distinct

    both = distinct(("I", "III"))
    assert both["computed"] < coverage()["I"]["computed"] + coverage()["III"]["computed"]
    assert distinct(("I",)) == coverage(("I",))["I"]  # within one form every item is distinct


def test_the_coverage_command_prints_each_form_without_a_database(capsys):
    from infra.cli import main

    assert main(["inspection", "--coverage"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[1]: [int(x) for x in line.split()[2:]] for line in out.splitlines() if line.startswith("Anexo ")}
    assert set(rows) == {"I", "II", "III", "IV"}
    assert rows["I"][:4] == [coverage()["I"][k] for k in ANSWERS] and rows["I"][4] == sum(rows["I"][:4])


def test_a_report_without_unit_or_date_is_refused_with_the_rule(capsys):
    from infra.cli import main

    assert main(["inspection", "--date", "2026-06-30"]) == 2
    assert "give UNIT and --date DATE (or --coverage)" in capsys.readouterr().err
