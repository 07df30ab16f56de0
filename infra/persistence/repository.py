"""The aggregate cache of the ledger: aggregates kept pickled, fast-forwarded on every read."""

from __future__ import annotations

import pickle
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate


class PickledCacheRepository(Repository):
    """The library's repository, its aggregate cache holding each aggregate as pickled bytes.

    A command must not change a cached aggregate before its events are stored (a refused or
    failed command would leave the cache ahead of the store), so the library hands out a
    ``copy.deepcopy`` of the cached aggregate and, with fast-forward, reads back and decodes
    the events each command saved to bring the cached one up to date. Both were among the
    largest costs of recording a command: the deep copy walks hundreds of objects in Python
    (an entry per event, residents, visitors), and reading back decodes Avro.

    Here the cache holds the pickle of each aggregate as stored: every ``get`` unpickles a
    copy of its own (in C, shared references kept) and fast-forwards it with whatever was
    stored since, so another writer's events are never missed; every save pickles the
    aggregates whose events it stored (``saved``), so the ledger's own events are not read
    back. Nothing a caller does to an aggregate can reach the cache except by saving it, and
    no object is shared between callers, so fast-forwarding needs none of the library's locks.
    An aggregate kept as saved may hold a datetime at the offset it was given where a rebuilt
    one holds the same instant in UTC; the domain reads business time only through its
    calendar (see ``infra.persistence.mapper``). Without a cache or without fast-forward, the
    library's own behaviour applies.
    """

    def get(self, aggregate_id: Any, *, version: int | None = None, projector_func: Any = project_aggregate,
            fastforward_skipping: bool = False, deepcopy_from_cache: bool = True) -> Any:
        if not self._pickling or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func,
                               fastforward_skipping=fastforward_skipping, deepcopy_from_cache=deepcopy_from_cache)
        try:
            aggregate = pickle.loads(self.cache.get(aggregate_id))
        except KeyError:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self._keep(aggregate)
            return aggregate
        cached = aggregate.version
        aggregate = projector_func(aggregate, self.event_store.get(originator_id=aggregate_id, gt=cached))
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        if aggregate.version != cached:
            self._keep(aggregate)
        return aggregate

    def forget(self, aggregate_ids: Any) -> None:
        """Drop these aggregates from the cache: the next ``get`` rebuilds them from the store."""
        if self.cache is not None:
            for aggregate_id in aggregate_ids:
                try:
                    self.cache.get(aggregate_id, evict=True)
                except KeyError:
                    pass

    def saved(self, aggregates: dict[Any, Any], events: list[Any]) -> None:
        """Cache the aggregates whose events were just stored, as they now are."""
        if self._pickling:
            stored = {event.originator_id for event in events}
            for aggregate_id, aggregate in aggregates.items():
                if aggregate_id in stored:
                    self._keep(aggregate)

    @property
    def _pickling(self) -> bool:
        return self.cache is not None and self.fastforward

    def _keep(self, aggregate: Any) -> None:
        self.cache.put(aggregate.id, pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
