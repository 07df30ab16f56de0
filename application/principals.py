"""Who asks: the authenticated principal a command is recorded as (pure; no storage here).

A principal is a user or a service account with ONE role and a scope: some units (their
codes), a comarca, or the whole state. The roles are the domain's (``domain.values.Role``:
the people who record facts, Regimento arts. 13–22) plus the roles that only consult,
from the SISPETI profiles (seed 002; DOMAIN.md §5.1): state and federal managers read,
councils consult aggregates, and an administrator manages users. Those record nothing.

Stored in PostgreSQL by ``infra.persistence.principals``; its credential (a random token)
never reaches this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from uuid import UUID

from domain.unit import unit_id_for
from domain.values import Actor, Role


class Consulting(StrEnum):
    """Roles of principals that consult and never record (SISPETI seed 002; DOMAIN.md §5.1–5.2)."""

    JUIZ = "juiz"  # the court's acts are entered by the unit's admin from its documents (Reg. art. 27)
    GESTOR_ESTADUAL = "gestor_estadual"  # Superintendência: reports and aggregates (Reg. art. 14 III, XI)
    GESTOR_FEDERAL = "gestor_federal"  # SNDCA/MDHC: aggregates only
    CONSELHO = "conselho_de_direitos"  # CEDCA/CMDCA: consult aggregates for oversight
    ADMINISTRADOR = "administrador"  # manages users; reads no case


class Service(StrEnum):
    """Service accounts that transcribe facts recorded elsewhere, naming the staff who did them."""

    # Migration of paper books and SIPIA records, and the test harness: the input names the
    # actor (a member of staff); scoped like any principal. See docs/ACCESS.md.
    TRANSCRICAO = "servico_de_transcricao"


#: Every role a principal may hold, by its text.
ROLES: dict[str, Role | Consulting | Service] = {r.value: r for r in (*Role, *Consulting, *Service)}


@dataclass(frozen=True)
class Principal:
    """An authenticated user or service account: id, name, role, scope, active flag, expiry.

    Scope: ``state`` (every unit), else ``comarca`` (every unit of that comarca), else ``units``
    (unit codes). ``name`` is for the administrator's list; events carry only ``id`` and role.
    """

    id: str
    name: str
    role: Role | Consulting | Service
    units: tuple[str, ...] = ()
    comarca: str | None = None
    state: bool = False
    active: bool = True
    expires: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.role, str) and not isinstance(self.role, (Role, Consulting, Service)):
            if self.role not in ROLES:
                raise ValueError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
            object.__setattr__(self, "role", ROLES[self.role])
        object.__setattr__(self, "units", tuple(u.strip().upper() for u in self.units))

    @property
    def actor(self) -> Actor | None:
        """The actor its events carry, or None for a role that records nothing as itself."""
        return Actor(self.id, self.role) if isinstance(self.role, Role) else None

    def valid_at(self, now: datetime | None = None) -> bool:
        """Active and not expired at ``now`` (default: the current time)."""
        now = now or datetime.now(timezone.utc)
        return self.active and (self.expires is None or now < self.expires)

    def covers(self, unit_id: UUID | str, comarca: str | None = None) -> bool:
        """Whether the unit (its id, and its comarca when known) lies in this principal's scope."""
        if self.state:
            return True
        if self.comarca is not None and comarca is not None and comarca.strip().casefold() == self.comarca.strip().casefold():
            return True
        return str(unit_id) in {str(unit_id_for(code)) for code in self.units}

    @property
    def scope(self) -> str:
        """The scope as text: ``state``, ``comarca X`` or the unit codes."""
        if self.state:
            return "state"
        parts = ([f"comarca {self.comarca}"] if self.comarca else []) + list(self.units)
        return ", ".join(parts) or "nothing"
