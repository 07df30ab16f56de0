"""Which read models exist, by name, for the commands that need one (project, replay, dlq redrive, status).

A read model registers a factory returning its projection and the decoder of
its topics' values; nothing is built until a command asks for it, so importing
this module connects to nothing. The read models of CaseLedger (audit trail,
case view, unit occupancy) are registered at the end of this module; the legal
clocks and the history are queries over them, not projections of their own.

A projection names the streams it reads (`streams = ("Case", "Unit")`);
`topics_for` turns them into the topics of the settings.
"""

from __future__ import annotations

from typing import Any, Callable

from projections.engine import Projection

Factory = Callable[[Any], tuple[Projection, Callable[[Any], Any]]]  # settings -> (projection, decode)

_FACTORIES: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    _FACTORIES[name] = factory


def names() -> list[str]:
    return sorted(_FACTORIES)


def build(name: str, settings) -> tuple[Projection, Callable[[Any], Any]]:
    """The projection and decoder registered under `name`; KeyError names the ones there are."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise KeyError(f"no read model named {name!r}; known: {', '.join(names()) or 'none yet'}") from None
    return factory(settings)


def topics_for(projection: Projection, settings) -> list[str]:
    """The Kafka topics of the streams a projection reads (Case and Unit events by default)."""
    topic = {"Case": settings.case_events_topic, "Unit": settings.unit_events_topic}
    return [topic[s] for s in getattr(projection, "streams", ("Case", "Unit"))]


def _read_model(module: str, cls: str) -> Factory:
    def factory(settings) -> tuple[Projection, Callable[[Any], Any]]:
        import importlib

        from projections.decoding import make_decoder

        return getattr(importlib.import_module(module), cls)(), make_decoder()

    return factory


register("audit_trail", _read_model("projections.audit_trail", "AuditTrail"))
register("case_view", _read_model("projections.case_view", "CaseViewProjection"))
register("unit_occupancy", _read_model("projections.unit_occupancy", "UnitOccupancy"))
register("schooling_frequency", _read_model("projections.schooling", "SchoolingFrequency"))
