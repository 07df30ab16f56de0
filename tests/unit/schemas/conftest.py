"""Fixtures of the schema tests: the toy domain and a schema store of its own."""

from __future__ import annotations

import pytest

from schemas.codec import Codec
from schemas.events import DomainEvents
from schemas.generate import write_new_versions
from schemas.golden import GoldenSealer
from schemas.store import SchemaStore
from tests.unit.schemas import toy_domain


@pytest.fixture
def toy_events() -> DomainEvents:
    return DomainEvents([toy_domain.Case, toy_domain.Unit], personal_marker=toy_domain.TOY_PERSONAL)


@pytest.fixture
def toy_store(tmp_path, toy_events) -> SchemaStore:
    """A store holding v1 of every toy event type, generated from the toy classes."""
    store = SchemaStore(tmp_path / "avsc")
    write_new_versions(store, toy_events)
    return store


@pytest.fixture
def toy_codec(toy_store, toy_events) -> Codec:
    return Codec(toy_store, toy_events, sealer=GoldenSealer())  # toy events have personal fields: sealed
