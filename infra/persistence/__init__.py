"""How the ledger's events are kept: what the eventsourcing library is given to store them.

- ``mapper``: each event stored as its Avro single-object encoding, the bytes Kafka carries;
- ``transcodings``: the JSON transcoding of library snapshots and of events stored before Avro;
- ``repository``: the aggregate cache, holding pickled aggregates;
- ``event_store``: the PostgreSQL recorder with bounded writes and a safe start
  (``PERSISTENCE_MODULE=infra.persistence.event_store:PostgresStore``).

The application (``application.ledger.CaseLedger``) uses the first three; ``infra.bootstrap``
chooses the store from the settings.
"""
