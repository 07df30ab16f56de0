"""Table sets: where a projection's rows and offsets live in PostgreSQL.

Each projection writes into a *generation* of its tables (`<table>_v<N>`, in
one schema); the stable read name `<table>` is a view on the live generation.
A rebuild fills generation N+1 from the beginning of the topics while N keeps
serving, then `switch_to` moves the pointer row and the views in one
transaction. The catalogue, in the same schema:

- `projection_tablesets` — every generation: code version that built it, state
  (building, live, retired, dry_run, failed), when it was created and switched;
- `projection_current` — the live generation per projection (the pointer row
  that live runners lock FOR SHARE in each batch, and a switch FOR UPDATE);
- `projection_offsets` — the next Kafka offset to read, per projection,
  generation, topic and partition, written in the same transaction as the rows;
- `projection_redriven` — dead letters re-applied to a generation (so a
  re-drive is never applied twice).

Every identifier comes from code (projection and table declarations) and is
quoted with `psycopg2.sql`; values always travel as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from psycopg2 import sql
from psycopg2.extras import execute_batch

from projections.engine import Change, Increment, Insert, Projection, Table, Upsert, table_map
from projections.row_security import secure_table

# -- the catalogue -------------------------------------------------------------

CREATE_TABLESETS = """
    CREATE TABLE IF NOT EXISTS {schema}.projection_tablesets (
        projection    text        NOT NULL,
        generation    integer     NOT NULL,
        code_version  integer     NOT NULL,
        state         text        NOT NULL
                      CHECK (state IN ('building', 'live', 'retired', 'dry_run', 'failed')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        switched_at   timestamptz,
        PRIMARY KEY (projection, generation)
    )"""

CREATE_CURRENT = """
    CREATE TABLE IF NOT EXISTS {schema}.projection_current (
        projection   text        PRIMARY KEY,
        generation   integer     NOT NULL,
        switched_at  timestamptz NOT NULL DEFAULT now()
    )"""

CREATE_OFFSETS = """
    CREATE TABLE IF NOT EXISTS {schema}.projection_offsets (
        projection   text        NOT NULL,
        generation   integer     NOT NULL,
        topic        text        NOT NULL,
        partition    integer     NOT NULL,
        next_offset  bigint      NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, generation, topic, partition)
    )"""

CREATE_REDRIVEN = """
    CREATE TABLE IF NOT EXISTS {schema}.projection_redriven (
        projection   text        NOT NULL,
        generation   integer     NOT NULL,
        topic        text        NOT NULL,
        partition    integer     NOT NULL,
        "offset"     bigint      NOT NULL,
        redriven_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, generation, topic, partition, "offset")
    )"""

# What a runner last applied of each stream (consumers/chain.py): the SHA-256 of every applied
# record's value, first_seq..last_seq, 32 bytes each (an identical redelivery is told from a second,
# different event at a sequence already applied), and the last applied event's leaf hash, which
# the next event's `previous_leaf` header must name (NULL: the relay sent no chain headers).
CREATE_STREAMS = """
    CREATE TABLE IF NOT EXISTS {schema}.projection_streams (
        projection   text        NOT NULL,
        generation   integer     NOT NULL,
        stream_id    text        NOT NULL,
        first_seq    bigint      NOT NULL,
        last_seq     bigint      NOT NULL,
        digests      bytea       NOT NULL,
        head_leaf    bytea,
        PRIMARY KEY (projection, generation, stream_id)
    )"""

# The highest notification id (the event store's commit order, which the transparency log's
# leaves follow) among the events a generation applied: `status` and the inspection report
# turn it into the checkpoint that covers the read model's facts (infra/tamper/coverage.py).
CREATE_BUILT_FROM = """
    CREATE TABLE IF NOT EXISTS {schema}.projection_built_from (
        projection       text        NOT NULL,
        generation       integer     NOT NULL,
        notification_id  bigint      NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, generation)
    )"""

# Two processes creating the catalogue at once would race on IF NOT EXISTS; serialise them.
LOCK_CATALOGUE = "SELECT pg_advisory_xact_lock(hashtext('caseledger.projections.' || %s))"

SELECT_CURRENT = "SELECT generation FROM {schema}.projection_current WHERE projection = %s"

SELECT_CODE_VERSION = """
    SELECT code_version FROM {schema}.projection_tablesets WHERE projection = %s AND generation = %s"""

NEXT_GENERATION = """
    SELECT COALESCE(max(generation), 0) + 1 FROM {schema}.projection_tablesets WHERE projection = %s"""

INSERT_TABLESET = """
    INSERT INTO {schema}.projection_tablesets (projection, generation, code_version, state)
    VALUES (%s, %s, %s, %s)"""

SET_STATE = """
    UPDATE {schema}.projection_tablesets SET state = %s WHERE projection = %s AND generation = %s"""

RETIRE_LIVE = """
    UPDATE {schema}.projection_tablesets SET state = 'retired'
    WHERE projection = %s AND state = 'live'"""

MARK_LIVE = """
    UPDATE {schema}.projection_tablesets SET state = 'live', switched_at = now()
    WHERE projection = %s AND generation = %s"""

UPSERT_CURRENT = """
    INSERT INTO {schema}.projection_current (projection, generation) VALUES (%s, %s)
    ON CONFLICT (projection) DO UPDATE SET generation = EXCLUDED.generation, switched_at = now()"""

DELETE_TABLESET = "DELETE FROM {schema}.projection_tablesets WHERE projection = %s AND generation = %s"

DELETE_OFFSETS = "DELETE FROM {schema}.projection_offsets WHERE projection = %s AND generation = %s"

DELETE_STREAMS = "DELETE FROM {schema}.projection_streams WHERE projection = %s AND generation = %s"

DELETE_BUILT_FROM = "DELETE FROM {schema}.projection_built_from WHERE projection = %s AND generation = %s"

SELECT_STREAM_HEADS = """
    SELECT stream_id, first_seq, last_seq, head_leaf FROM {schema}.projection_streams
    WHERE projection = %s AND generation = %s AND stream_id = ANY(%s)"""

SELECT_STREAM_DIGEST = """
    SELECT substring(digests FROM ((%s - first_seq) * 32 + 1)::integer FOR 32) FROM {schema}.projection_streams
    WHERE projection = %s AND generation = %s AND stream_id = %s AND %s BETWEEN first_seq AND last_seq"""

UPSERT_STREAM = """
    INSERT INTO {schema}.projection_streams AS s
        (projection, generation, stream_id, first_seq, last_seq, digests, head_leaf)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (projection, generation, stream_id) DO UPDATE
    SET last_seq = EXCLUDED.last_seq, digests = s.digests || EXCLUDED.digests, head_leaf = EXCLUDED.head_leaf"""

UPSERT_BUILT_FROM = """
    INSERT INTO {schema}.projection_built_from AS b (projection, generation, notification_id)
    VALUES (%s, %s, %s)
    ON CONFLICT (projection, generation) DO UPDATE
    SET notification_id = GREATEST(b.notification_id, EXCLUDED.notification_id), updated_at = now()"""

SELECT_BUILT_FROM = """
    SELECT c.projection, b.notification_id, b.updated_at FROM {schema}.projection_current c
    LEFT JOIN {schema}.projection_built_from b ON b.projection = c.projection AND b.generation = c.generation
    ORDER BY c.projection"""

# Rows are created first so that FOR UPDATE has something to lock: two runners that briefly
# own the same partition during a rebalance then take turns, and the second skips what the
# first applied.
ENSURE_OFFSET_ROWS = """
    INSERT INTO {schema}.projection_offsets (projection, generation, topic, partition, next_offset)
    SELECT %s, %s, t.topic, t.partition, 0
    FROM unnest(%s::text[], %s::integer[]) AS t(topic, partition)
    ON CONFLICT DO NOTHING"""

LOCK_OFFSETS = """
    SELECT topic, partition, next_offset FROM {schema}.projection_offsets
    WHERE projection = %s AND generation = %s
      AND (topic, partition) IN (SELECT * FROM unnest(%s::text[], %s::integer[]))
    ORDER BY topic, partition
    FOR UPDATE"""

READ_OFFSETS = """
    SELECT topic, partition, next_offset FROM {schema}.projection_offsets
    WHERE projection = %s AND generation = %s"""

STORE_OFFSET = """
    UPDATE {schema}.projection_offsets SET next_offset = %s, updated_at = now()
    WHERE projection = %s AND generation = %s AND topic = %s AND partition = %s"""

INSERT_REDRIVEN = """
    INSERT INTO {schema}.projection_redriven (projection, generation, topic, partition, "offset")
    VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"""

SELECT_REDRIVEN = """
    SELECT topic, partition, "offset" FROM {schema}.projection_redriven
    WHERE projection = %s AND generation = %s"""

TABLE_COLUMNS = """
    SELECT column_name, data_type FROM information_schema.columns
    WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position"""


def q(statement: str, schema: str, **identifiers: sql.Composable) -> sql.Composed:
    """A named statement with its schema (and any other identifiers) filled in, quoted."""
    return sql.SQL(statement).format(schema=sql.Identifier(schema), **identifiers)


def versioned(table: str, generation: int) -> str:
    """The physical table of one generation: `<read name>_v<N>`."""
    return f"{table}_v{generation}"


def ensure_catalogue(cur, schema: str) -> None:
    cur.execute(LOCK_CATALOGUE, (schema,))
    # The read models' schema is ours to create: a fresh database needs no set-up step.
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    for statement in (CREATE_TABLESETS, CREATE_CURRENT, CREATE_OFFSETS, CREATE_REDRIVEN, CREATE_STREAMS,
                      CREATE_BUILT_FROM):
        cur.execute(q(statement, schema))


def current_generation(cur, schema: str, projection: str, lock: str | None = None) -> int | None:
    """The live generation; `lock` = "share" (a batch) or "update" (a switch) locks the pointer row."""
    statement = SELECT_CURRENT + {None: "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    cur.execute(q(statement, schema), (projection,))
    row = cur.fetchone()
    return None if row is None else row[0]


def code_version(cur, schema: str, projection: str, generation: int) -> int | None:
    cur.execute(q(SELECT_CODE_VERSION, schema), (projection, generation))
    row = cur.fetchone()
    return None if row is None else row[0]


def create_generation(cur, schema: str, projection: Projection, state: str, defer_indexes: bool = False) -> int:
    """Allocate the next generation number and create its empty tables.

    `defer_indexes`: run only each table's first DDL statement (the table and its
    primary key); a bulk load then calls `create_deferred_indexes` once at the end,
    which is cheaper than maintaining secondary indexes row by row.
    """
    cur.execute(LOCK_CATALOGUE, (f"{schema}.{projection.name}",))
    cur.execute(q(NEXT_GENERATION, schema), (projection.name,))
    generation = cur.fetchone()[0]
    cur.execute(q(INSERT_TABLESET, schema), (projection.name, generation, projection.version, state))
    for table in projection.tables:
        ident = sql.Identifier(schema, versioned(table.name, generation))
        for statement in table.ddl[:1] if defer_indexes else table.ddl:
            cur.execute(sql.SQL(statement).format(table=ident))
        cur.execute(TABLE_COLUMNS, (schema, versioned(table.name, generation)))
        secure_table(cur, ident, {row[0] for row in cur.fetchall()})  # readers see their units' rows only
    return generation


def create_deferred_indexes(cur, schema: str, projection: Projection, generation: int) -> None:
    """The DDL statements after each table's first (its indexes), for a generation created with defer_indexes."""
    for table in projection.tables:
        ident = sql.Identifier(schema, versioned(table.name, generation))
        for statement in table.ddl[1:]:
            cur.execute(sql.SQL(statement).format(table=ident))


def drop_generation(cur, schema: str, projection: Projection, generation: int) -> None:
    """Drop a generation's tables, offsets and catalogue row (never the live one)."""
    if current_generation(cur, schema, projection.name, lock="update") == generation:
        raise ValueError(f"generation {generation} of {projection.name} is live; switch first")
    for table in projection.tables:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {t}").format(
            t=sql.Identifier(schema, versioned(table.name, generation))))
    cur.execute(q(DELETE_OFFSETS, schema), (projection.name, generation))
    cur.execute(q(DELETE_STREAMS, schema), (projection.name, generation))
    cur.execute(q(DELETE_BUILT_FROM, schema), (projection.name, generation))
    cur.execute(q(DELETE_TABLESET, schema), (projection.name, generation))


def set_state(cur, schema: str, projection: str, generation: int, state: str) -> None:
    cur.execute(q(SET_STATE, schema), (state, projection, generation))


def switch_to(cur, schema: str, projection: Projection, generation: int) -> int | None:
    """Make `generation` live: pointer row, states and read views in the caller's transaction.

    Locks the pointer row FOR UPDATE first, so a live runner's batch (which
    holds it FOR SHARE) either commits before the switch or sees the new
    generation. Returns the generation that was live before.
    """
    previous = current_generation(cur, schema, projection.name, lock="update")
    cur.execute(q(RETIRE_LIVE, schema), (projection.name,))
    cur.execute(q(MARK_LIVE, schema), (projection.name, generation))
    cur.execute(q(UPSERT_CURRENT, schema), (projection.name, generation))
    for table in projection.tables:
        view = sql.Identifier(schema, table.name)
        target = sql.Identifier(schema, versioned(table.name, generation))
        # DROP + CREATE rather than CREATE OR REPLACE: a new generation may have other columns.
        cur.execute(sql.SQL("DROP VIEW IF EXISTS {v}").format(v=view))
        # security_invoker: the view reads with the reader's row-level security, not its owner's.
        cur.execute(sql.SQL("CREATE VIEW {v} WITH (security_invoker = true) AS SELECT * FROM {t}").format(
            v=view, t=target))
    return previous


def ensure_live_generation(conn, schema: str, projection: Projection) -> int:
    """The live generation, creating generation 1 (tables, views, pointer) on first use."""
    with conn:
        with conn.cursor() as cur:
            ensure_catalogue(cur, schema)
            cur.execute(LOCK_CATALOGUE, (f"{schema}.{projection.name}",))
            generation = current_generation(cur, schema, projection.name)
            if generation is None:
                generation = create_generation(cur, schema, projection, state="building")
                switch_to(cur, schema, projection, generation)
    return generation


# -- offsets ---------------------------------------------------------------------


def lock_offsets(cur, schema: str, projection: str, generation: int,
                 partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The stored next offset of each partition, locked until the transaction ends."""
    parts = sorted(set(partitions))
    topics, numbers = [t for t, _ in parts], [p for _, p in parts]
    cur.execute(q(ENSURE_OFFSET_ROWS, schema), (projection, generation, topics, numbers))
    cur.execute(q(LOCK_OFFSETS, schema), (projection, generation, topics, numbers))
    return {(t, p): o for t, p, o in cur.fetchall()}


def read_offsets(cur, schema: str, projection: str, generation: int) -> dict[tuple[str, int], int]:
    cur.execute(q(READ_OFFSETS, schema), (projection, generation))
    return {(t, p): o for t, p, o in cur.fetchall()}


def store_offsets(cur, schema: str, projection: str, generation: int,
                  positions: Mapping[tuple[str, int], int]) -> None:
    execute_batch(cur, q(STORE_OFFSET, schema),
                  [(o, projection, generation, t, p) for (t, p), o in sorted(positions.items())])


# -- stream chains and the log position built from (consumers/chain.py) -----------------


def stream_heads(cur, schema: str, projection: str, generation: int,
                 streams: Iterable[str]) -> dict[str, tuple[int, int, bytes | None]]:
    """stream → (first sequence, last sequence, last leaf hash) of what the generation applied."""
    cur.execute(q(SELECT_STREAM_HEADS, schema), (projection, generation, sorted(set(streams))))
    return {s: (f, l, bytes(h) if h is not None else None) for s, f, l, h in cur.fetchall()}


def stream_digest(cur, schema: str, projection: str, generation: int, stream: str, seq: int) -> bytes | None:
    """The SHA-256 of the value applied at `seq` of `stream`, if this generation recorded it."""
    cur.execute(q(SELECT_STREAM_DIGEST, schema), (seq, projection, generation, stream, seq))
    row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def store_streams(cur, schema: str, projection: str, generation: int,
                  appended: Mapping[str, tuple[int, int, bytes, bytes | None]]) -> None:
    """stream → (first new sequence, last sequence, the new digests, the new head leaf)."""
    execute_batch(cur, q(UPSERT_STREAM, schema),
                  [(projection, generation, s, f, l, d, h) for s, (f, l, d, h) in sorted(appended.items())])


def store_built_from(cur, schema: str, projection: str, generation: int, notification_id: int) -> None:
    cur.execute(q(UPSERT_BUILT_FROM, schema), (projection, generation, notification_id))


def built_from(cur, schema: str) -> dict[str, tuple[int | None, Any]]:
    """Each projection's live generation: the highest notification id it applied, and when."""
    cur.execute(q(SELECT_BUILT_FROM, schema))
    return {p: (n, at) for p, n, at in cur.fetchall()}


# -- row changes -------------------------------------------------------------------


def _shape(change: Change, table: Table) -> tuple:
    """Changes of one shape share one statement (and one round trip per page)."""
    if isinstance(change, Upsert):
        return ("upsert", change.table, tuple(sorted(change.values)))
    if isinstance(change, Increment):
        return ("increment", change.table, tuple(sorted(change.deltas)))
    if isinstance(change, Insert):
        return ("insert", change.table, tuple(sorted(change.row)))
    return ("delete", change.table, ())


def _statement(shape: tuple, table: Table, ident: sql.Identifier) -> sql.Composed:
    kind, _, cols = shape
    key = [sql.Identifier(c) for c in table.key]
    ids = lambda names: sql.SQL(", ").join(sql.Identifier(c) for c in names)
    holders = lambda n: sql.SQL(", ").join(sql.Placeholder() * n)
    if kind == "delete":
        where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(k) for k in key)
        return sql.SQL("DELETE FROM {t} WHERE {w}").format(t=ident, w=where)
    if kind == "insert":
        return sql.SQL("INSERT INTO {t} ({c}) VALUES ({v})").format(t=ident, c=ids(cols), v=holders(len(cols)))
    all_cols = [*table.key, *cols]
    head = sql.SQL("INSERT INTO {t} ({c}) VALUES ({v}) ON CONFLICT ({k}) ").format(
        t=ident, c=ids(all_cols), v=holders(len(all_cols)), k=ids(table.key))
    if kind == "upsert":
        if not cols:
            return head + sql.SQL("DO NOTHING")
        sets = sql.SQL(", ").join(sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in cols)
        return head + sql.SQL("DO UPDATE SET ") + sets
    # A NULL counts as zero, as in MemoryTables.
    sets = sql.SQL(", ").join(
        sql.SQL("{c} = COALESCE({t}.{c}, 0) + EXCLUDED.{c}").format(
            c=sql.Identifier(c), t=sql.Identifier(ident.strings[-1])) for c in cols)
    return head + sql.SQL("DO UPDATE SET ") + sets


def _params(change: Change, shape: tuple, table: Table) -> tuple:
    kind, _, cols = shape
    if kind == "delete":
        return tuple(change.key[c] for c in table.key)
    if kind == "insert":
        return tuple(change.row[c] for c in cols)
    extra = change.values if kind == "upsert" else change.deltas
    return (*(change.key[c] for c in table.key), *(extra[c] for c in cols))


def execute_changes(cur, schema: str, projection: Projection, generation: int,
                    changes: Sequence[Change], page_size: int = 500) -> None:
    """Run the changes in order: consecutive changes of one shape go in one execute_batch.

    Order matters (an upsert then a delete of the same key), so runs are cut
    wherever the shape changes rather than grouping the whole batch by shape.
    """
    tables = table_map(projection)
    run_shape, run_params = None, []

    def flush():
        if run_shape is not None:
            table = tables[run_shape[1]]
            ident = sql.Identifier(schema, versioned(table.name, generation))
            execute_batch(cur, _statement(run_shape, table, ident), run_params, page_size=page_size)

    for change in changes:
        table = tables[change.table]
        shape = _shape(change, table)
        if shape != run_shape:
            flush()
            run_shape, run_params = shape, []
        run_params.append(_params(change, shape, table))
    flush()


# -- reading and comparing generations ---------------------------------------------------


def read_rows(cur, schema: str, table: Table, generation: int | None = None) -> dict[tuple, dict[str, Any]]:
    """All rows of a table (the read view, or one generation) keyed like MemoryTables."""
    name = table.name if generation is None else versioned(table.name, generation)
    cur.execute(sql.SQL("SELECT * FROM {t}").format(t=sql.Identifier(schema, name)))
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    return {tuple(r[c] for c in table.key): r for r in rows}


@dataclass(frozen=True)
class TableDiff:
    """How one table of a rebuilt generation differs from the live one."""

    table: str
    live_rows: int
    rebuilt_rows: int
    only_live: int = 0
    only_rebuilt: int = 0
    changed: int = 0
    columns_differ: bool = False
    sample_keys: tuple[tuple, ...] = field(default=())

    @property
    def identical(self) -> bool:
        return not (self.only_live or self.only_rebuilt or self.changed or self.columns_differ)


DIFF_ROWS = """
    SELECT CASE WHEN o.{k0} IS NULL THEN 'only_rebuilt'
                WHEN n.{k0} IS NULL THEN 'only_live'
                ELSE 'changed' END AS kind,
           {keys}
    FROM {rebuilt} n FULL JOIN {live} o ON {join}
    WHERE {distinct}"""

# Same columns: compare the rows as records (fast). Other columns (a new version): as JSON.
ROWS_DISTINCT = "n.* IS DISTINCT FROM o.*"
ROWS_DISTINCT_AS_JSON = "to_jsonb(n.*) IS DISTINCT FROM to_jsonb(o.*)"

# The differing keys, found once (usually few or none), then counted and sampled.
MATERIALISE_DIFF = "CREATE TEMP TABLE {name} ON COMMIT DROP AS {diff}"


def diff_generations(cur, schema: str, projection: Projection, live: int | None, rebuilt: int,
                     sample: int = 10) -> list[TableDiff]:
    """Row counts and differing keys of each table, rebuilt generation against live.

    Rows are compared whole (as JSON, so a column added by a new version counts
    as a change). Keys are case or unit ids — opaque, safe to print.
    """
    out = []
    for table in projection.tables:
        new = sql.Identifier(schema, versioned(table.name, rebuilt))
        cur.execute(sql.SQL("SELECT count(*) FROM {t}").format(t=new))
        rebuilt_rows = cur.fetchone()[0]
        if live is None:
            out.append(TableDiff(table.name, 0, rebuilt_rows, only_rebuilt=rebuilt_rows))
            continue
        old = sql.Identifier(schema, versioned(table.name, live))
        cur.execute(sql.SQL("SELECT count(*) FROM {t}").format(t=old))
        live_rows = cur.fetchone()[0]
        cur.execute(TABLE_COLUMNS, (schema, versioned(table.name, live)))
        live_cols = cur.fetchall()
        cur.execute(TABLE_COLUMNS, (schema, versioned(table.name, rebuilt)))
        columns_differ = live_cols != cur.fetchall()
        diff = sql.SQL(DIFF_ROWS).format(
            k0=sql.Identifier(table.key[0]),
            keys=sql.SQL(", ").join(sql.SQL("COALESCE(n.{c}, o.{c}) AS {c}").format(c=sql.Identifier(c))
                                    for c in table.key),
            rebuilt=new, live=old,
            join=sql.SQL(" AND ").join(sql.SQL("n.{c} = o.{c}").format(c=sql.Identifier(c)) for c in table.key),
            distinct=sql.SQL(ROWS_DISTINCT_AS_JSON if columns_differ else ROWS_DISTINCT))
        found = sql.Identifier(f"diff_{versioned(table.name, rebuilt)}")
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {t}").format(t=found))
        cur.execute(sql.SQL(MATERIALISE_DIFF).format(name=found, diff=diff))
        cur.execute(sql.SQL("SELECT kind, count(*) FROM {t} GROUP BY kind").format(t=found))
        counts = dict(cur.fetchall())
        cur.execute(sql.SQL("SELECT * FROM {t} ORDER BY 2 LIMIT %s").format(t=found), (sample,))
        keys = tuple(tuple(r[1:]) for r in cur.fetchall())
        cur.execute(sql.SQL("DROP TABLE {t}").format(t=found))
        out.append(TableDiff(table.name, live_rows, rebuilt_rows, counts.get("only_live", 0),
                             counts.get("only_rebuilt", 0), counts.get("changed", 0), columns_differ, keys))
    return out


def mark_redriven(cur, schema: str, projection: str, generation: int, topic: str, partition: int,
                  offset: int) -> bool:
    """Record a re-driven dead letter; False if it had been re-driven into this generation already."""
    cur.execute(q(INSERT_REDRIVEN, schema), (projection, generation, topic, partition, offset))
    return cur.rowcount == 1


def redriven(cur, schema: str, projection: str, generation: int) -> set[tuple[str, int, int]]:
    cur.execute(q(SELECT_REDRIVEN, schema), (projection, generation))
    return {(t, p, o) for t, p, o in cur.fetchall()}
