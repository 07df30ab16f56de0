"""The filed report's snapshot (infra/inspection_filing.py): a report encoded and decoded prints the same, and an
answers file reads into the inspector's answers or is refused saying what is wrong."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from domain.unit.inspection_filing import InspectorAnswer
from infra.inspection_filing import FilingError, answers_template, decode, encode, figures, read_answers, to_json
from infra.inspection_render import to_html, to_markdown
from tests.unit.projections.test_inspection import a_resident, a_unit_of, report_of

D = dt.date


def _a_report():
    unit = a_unit_of()
    cases = [a_resident(unit, room="A1"), a_resident(unit, sex="feminino", room="B1"),
             a_resident(unit, modality="internacao_provisoria", birth_date=D(2005, 1, 1))]
    return report_of(unit, cases)


def test_a_decoded_snapshot_is_the_report_that_was_encoded():
    report = _a_report()
    assert decode(encode(report)) == report


def test_a_reissued_report_prints_exactly_what_the_filed_one_printed():
    report = _a_report()
    again = decode(encode(report))
    assert to_markdown(again) == to_markdown(report) and to_html(again) == to_html(report)


def test_the_snapshot_is_canonical_the_same_figures_give_the_same_digest():
    import dataclasses

    report = _a_report()
    ident = report.identification
    shuffled = dict(reversed(list(ident.occupants_by_sex.items())))
    assert list(shuffled) != list(ident.occupants_by_sex)
    again = dataclasses.replace(report, identification=dataclasses.replace(ident, occupants_by_sex=shuffled))
    assert encode(again) == encode(report)


def test_the_figures_leave_out_the_log_checkpoint_which_grows_after_the_filing():
    import dataclasses

    report = _a_report()
    later = dataclasses.replace(report, checkpoint=dataclasses.replace(report.checkpoint, tree_size=99))
    assert figures(later) == figures(report) and encode(later) != encode(report)


def test_the_json_output_holds_the_report_with_its_bitemporal_point():
    import dataclasses

    at = dt.datetime(2026, 6, 30, 20, tzinfo=dt.timezone.utc)
    doc = json.loads(to_json(dataclasses.replace(_a_report(), recorded_as_of=at)))
    assert doc["report"]["on"] == "2026-06-30" and doc["report"]["recorded_as_of"] == at.isoformat()


def test_the_report_states_the_recording_time_it_was_computed_as_of():
    import dataclasses

    at = dt.datetime(2026, 6, 30, 20, tzinfo=dt.timezone.utc)
    assert "registrados até 30/06/2026 16:00:00 (horário de Cuiabá)" in to_markdown(
        dataclasses.replace(_a_report(), recorded_as_of=at))


VISIT = {"kind": "bimestral", "inspected_at": "2026-06-30T14:00:00-04:00", "promotor_id": "mp-1"}


def test_an_answers_file_reads_options_lists_and_texts():
    doc = dict(VISIT, answers={"I 3.13 #1": "Sim", "I 1.3.5": ["Espaço físico insuficiente"],
                               "III 3.2.1": {"text": "CREAS"}})
    got = read_answers(json.dumps(doc))
    assert got["answers"] == (InspectorAnswer("I 3.13 #1", ("Sim",)),
                              InspectorAnswer("I 1.3.5", ("Espaço físico insuficiente",)),
                              InspectorAnswer("III 3.2.1", (), "CREAS"))
    assert got["inspected_at"] == dt.datetime.fromisoformat("2026-06-30T14:00:00-04:00")


def test_the_items_template_left_as_given_answers_nothing():
    template = answers_template("internacao")
    assert "I 3.13 #1" in template["answers"] and "II 3.12 #1" not in template["answers"]
    template.update(VISIT)
    template["answers"]["I 3.13 #1"]["choices"] = ["Não"]
    assert read_answers(json.dumps(template))["answers"] == (InspectorAnswer("I 3.13 #1", ("Não",)),)


@pytest.mark.parametrize("doc, says", [
    ("{", "not JSON"),
    (json.dumps(dict(VISIT, answers={"I 3.13 #1": 1})), "item I 3.13 #1: an answer is"),
    (json.dumps({"answers": {}}), "needs \"kind\""),
    (json.dumps(dict(VISIT, inspected_at="2026-06-30T14:00:00")), "UTC offset (D-01)"),
    (json.dumps(dict(VISIT, extra=1)), "has no field extra"),
])
def test_an_answers_file_that_cannot_be_read_is_refused_saying_why(doc, says):
    with pytest.raises(FilingError, match=says.replace("(", r"\(").replace(")", r"\)")):
        read_answers(doc)
