"""docs/RULES.md is generated from the code and the tests; it must not go stale."""

from __future__ import annotations

from pathlib import Path

from domain.case import Case
from domain.catalogue import EVENT_CATALOGUE, render, rule_uses
from domain.rules import RULES, Check
from domain.unit import Unit
from schemas.events import event_classes_of

RULES_MD = Path(__file__).resolve().parents[3] / "docs" / "RULES.md"


def test_checked_in_rules_list_is_up_to_date():
    assert RULES_MD.read_text(encoding="utf-8") == render(), "run: python -m domain.catalogue > docs/RULES.md"


def test_every_code_used_in_the_domain_is_in_the_catalogue():
    assert set(rule_uses()) <= set(RULES)


def test_every_rule_has_a_source_and_a_check_kind():
    for rule in RULES.values():
        assert rule.source.strip() and rule.checks and rule.check in Check


def test_event_catalogue_names_real_event_classes_and_covers_them_all():
    classes = {f"{agg.__name__}.{cls.__name__}" for agg in (Case, Unit) for cls in event_classes_of(agg)}
    named = {m for _, _, modelled in EVENT_CATALOGUE for m in modelled}
    assert named <= classes
    assert classes <= named, f"events missing from the catalogue: {sorted(classes - named)}"


def test_a_rule_listed_as_computed_by_the_read_side_is_named_where_it_is_computed():
    from pathlib import Path

    from domain.catalogue import COMPUTED_BY_READ_MODELS

    root = Path(__file__).resolve().parents[3]
    for code, (path, names) in COMPUTED_BY_READ_MODELS.items():
        text = (root / path).read_text()
        for name in names.split(":")[0].split(", "):
            assert name in text, f"{code}: {path} does not compute {name}"
