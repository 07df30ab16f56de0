"""Row-level security of the read models: a reader sees the rows of its units only (R-61; ECA arts.
143–144, SINASE art. 59).

Each generation's table gets, as it is created (`tablesets.create_generation`):

- ENABLE and FORCE ROW LEVEL SECURITY — forced, so the policies bind the table's owner too unless
  it is a superuser (table owners skip policies otherwise);
- ``maintainer``: the role that created the table (the projector) reads and writes every row;
- ``unit_scope``: anyone else SELECTs a row only when its ``unit_id`` is one of the session setting
  ``caseledger.units`` (comma-separated ids, set by the application from the authenticated
  principal: `infra.bootstrap.reader_connector`), or when that setting is ``*`` (a state-wide
  reader). A table without a ``unit_id`` column (the case-keyed ones) is visible to state-wide
  readers only: scoping those by the case's current unit is not done here yet.

The read views are made ``WITH (security_invoker = true)``, so a view applies the reader's
policies, not its owner's (a plain view would read as its owner and see every row).
"""

from __future__ import annotations

from psycopg2 import sql

UNITS_SETTING = "caseledger.units"
ALL_UNITS = "*"

_STATE_WIDE = f"current_setting('{UNITS_SETTING}', true) = '{ALL_UNITS}'"
_IN_UNITS = f"unit_id = ANY (string_to_array(current_setting('{UNITS_SETTING}', true), ','))"


def secure_table(cur, table: sql.Identifier, columns: set[str]) -> None:
    """Row-level security on one freshly created read-model table (see the module's note)."""
    cur.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(table))
    cur.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(table))
    cur.execute(sql.SQL("CREATE POLICY maintainer ON {} FOR ALL TO CURRENT_USER USING (true) "
                        "WITH CHECK (true)").format(table))
    scope = f"{_STATE_WIDE} OR {_IN_UNITS}" if "unit_id" in columns else _STATE_WIDE
    cur.execute(sql.SQL("CREATE POLICY unit_scope ON {} FOR SELECT USING (" + scope + ")").format(table))


def units_setting(units) -> str:
    """The value of ``caseledger.units`` for a scope: ``*`` (state-wide) or the unit ids."""
    if units == ALL_UNITS:
        return ALL_UNITS
    units = [str(u) for u in units]
    if any("," in u or u == ALL_UNITS for u in units):
        raise ValueError(f"a unit id may not contain ',' or be '*': {units!r}")
    return ",".join(units)
