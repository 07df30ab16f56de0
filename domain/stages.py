"""Aggregates composed from stage classes: the events each stage triggers are the aggregate's own.

`Case` and `Unit` are each composed from stage classes (intake, plan, movement, ...) that
subclass the aggregate's core, each holding its events beside the commands that trigger them.
The library binds an ``@event`` method to the event class of the stage that defines it, so
without more the stored topic of an event would name the stage
(``domain.case.intake:IntakeStage.IntakeRecorded``). Stored topics are part of the history and
never change: `adopt_stage_events` gives each stage event the aggregate's module and qualified
name (``domain.case:Case.IntakeRecorded``) and sets it on the aggregate, so ``Case.IntakeRecorded``
is the class the command triggers and the topic resolves back to it.
"""

from __future__ import annotations

from eventsourcing.domain import CanInitAggregate, CanMutateAggregate


def adopt_stage_events(aggregate: type) -> type:
    """Make the events defined on the stage classes of ``aggregate`` its own (name, topic, attribute)."""
    for stage in aggregate.__bases__:
        for name, value in vars(stage).items():
            if (
                name == "Event"
                or not isinstance(value, type)
                or not issubclass(value, CanMutateAggregate)
                or issubclass(value, CanInitAggregate)
            ):
                continue
            value.__module__ = aggregate.__module__
            value.__qualname__ = f"{aggregate.__qualname__}.{name}"
            setattr(aggregate, name, value)
    return aggregate
