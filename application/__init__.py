"""The service layer: the ledger application, its commands and its queries.

- ``ledger``: ``CaseLedger``, the eventsourcing application (store, cache, the recording moment)
  and its queries (``case``, ``unit``);
- ``commands``: the command table (name → aggregate, id argument, domain method) and
  ``execute``, the one function every command passes.

Callers (the CLI, the simulation, the tests) get a ledger from ``infra.bootstrap``, the
composition root, or construct ``CaseLedger(env=...)`` themselves in tests.
"""
