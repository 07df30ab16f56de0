from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from domain.rules import RuleViolation
from tests.unit.domain.builders import a_unit, event_count, new_ledger


@pytest.fixture
def ledger():
    return new_ledger()


@pytest.fixture
def unit(ledger):
    return a_unit(ledger)


@contextmanager
def _refused(ledger, code: str) -> Iterator[pytest.ExceptionInfo[RuleViolation]]:
    before = event_count(ledger)
    with pytest.raises(RuleViolation) as info:
        yield info
    assert info.value.code == code, f"refused with {info.value.code}: {info.value.message}"
    assert info.value.source and info.value.message
    assert event_count(ledger) == before, "a refused command wrote events"


@pytest.fixture
def refused(ledger):
    """``with refused("R-31"): ...`` — the command is refused with that code and nothing is written."""
    return lambda code: _refused(ledger, code)
