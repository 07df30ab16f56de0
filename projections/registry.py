"""Which read models exist, by name, for the commands that need one (re-drive, later replay).

A read model registers a factory returning its projection and the decoder of
its topics' values; nothing is built until a command asks for it, so importing
this module connects to nothing. Empty until the concrete read models (case
view, unit occupancy, legal clocks, audit trail) arrive with the domain events.
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
