"""The read side's one door: which cases a principal may read, and the access log of every read.

The policy itself is `application.read_policy` (pure: role and scope). What it needs from the
read models — the units a case is or was in, and their comarcas — and the access log it writes
(`infra.persistence.access_log`) are here, so the HTTP API, the web pages and the CLI's queries
(`caseledger history | case show | case list | clocks | audit export`) authorise and log a read
the same way. ECA arts. 143–144; SINASE art. 59 (R-61).
"""

from __future__ import annotations

from typing import Any, Iterable

from application.read_policy import AGGREGATES_ONLY, NO_READING, authorise_all_records, authorise_case_read, may_read_case
from infra.persistence.access_log import AccessLog
from infra.settings import Settings

PURPOSE_MAX = 300


class PurposeRequired(ValueError):
    """A read of a youth's record without a stated purpose: each caller says how to give one."""


class Reading:
    """Authorise a principal's reads of the read models and log the reads of a youth's record."""

    def __init__(self, settings: Settings, program: str, schema: str | None = None) -> None:
        from infra import bootstrap

        self.schema = schema or settings.projection_schema
        self.access_log = AccessLog(bootstrap.pg_connector(settings, program))

    def case_units(self, cur: Any, view: Any, comarcas: dict | None = None) -> list[tuple[str, str | None]]:
        """The units a case is or was in, with their comarcas (what the read policy scopes by)."""
        from projections import queries

        comarcas = {} if comarcas is None else comarcas
        units = []
        for unit_id in sorted({view.unit_id, view.released_from_unit_id} - {None, ""}):
            if unit_id not in comarcas:
                try:
                    comarcas[unit_id] = queries.occupancy(cur, self.schema, unit_id).profile().get("comarca")
                except KeyError:
                    comarcas[unit_id] = None
            units.append((unit_id, comarcas[unit_id]))
        return units

    def readable(self, cur: Any, principal: Any, views: dict | Iterable) -> list:
        """The views (a dict by case id, or any iterable) the principal may read; a role that reads no
        record is refused (R-61)."""
        views = views.values() if isinstance(views, dict) else views
        if principal.role in AGGREGATES_ONLY or principal.role in NO_READING:
            authorise_case_read(principal, "(any)", [])
        comarcas: dict[str, Any] = {}
        return [v for v in views if may_read_case(principal, self.case_units(cur, v, comarcas))]

    def authorise_case(self, cur: Any, principal: Any, case_id: str, view: Any) -> None:
        """Refuse (R-61) a read of this case outside the principal's role or scope."""
        authorise_case_read(principal, case_id, self.case_units(cur, view))

    @staticmethod
    def authorise_audit_export(principal: Any) -> None:
        authorise_all_records(principal)

    def log(self, principal: Any, case_ids: list[str], what: str, purpose: str | None, channel: str) -> None:
        """Log a read of a youth's record with who, when, which case and why — before it is served."""
        if not purpose or not purpose.strip():
            raise PurposeRequired("say why you read this record; it goes into the case's access log "
                                  "(ECA arts. 143–144)")
        self.access_log.record(principal.id, principal.role.value, case_ids, what, purpose.strip()[:PURPOSE_MAX],
                               channel)
