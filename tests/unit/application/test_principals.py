"""Principals: their actor, their scope, their validity (pure)."""

from datetime import datetime, timedelta, timezone

import pytest

from application.principals import Consulting, Principal
from domain.unit import unit_id_for
from domain.values import Actor, Role

NOW = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)


def test_a_staff_principal_records_as_an_actor_with_its_id_and_role():
    assert Principal("p-1", "Ana", "gerente", units=("mt-cgb-sl",)).actor == Actor("p-1", Role.GERENTE)


def test_a_consulting_principal_has_no_actor():
    principal = Principal("p-2", "Superintendência", "gestor_estadual", state=True)
    assert principal.role is Consulting.GESTOR_ESTADUAL and principal.actor is None


def test_an_unknown_role_is_refused_naming_the_roles():
    with pytest.raises(ValueError, match="unknown role 'adm'.*gerente"):
        Principal("p-3", "X", "adm")


def test_unit_scope_covers_its_units_only():
    principal = Principal("p-4", "Ana", "gerente", units=("MT-CGB-SL",))
    assert principal.covers(unit_id_for("MT-CGB-SL"))
    assert not principal.covers(unit_id_for("MT-ROO-SL"), comarca="Rondonópolis")


def test_comarca_scope_covers_the_units_of_its_comarca():
    principal = Principal("p-5", "Promotoria", "ministerio_publico", comarca="Cuiabá")
    assert principal.covers(unit_id_for("ANY"), comarca="cuiabá")
    assert not principal.covers(unit_id_for("ANY"), comarca="Sinop")


def test_an_expired_or_revoked_principal_is_not_valid():
    assert Principal("p-6", "A", "agente_socioeducativo", units=("U",), expires=NOW + timedelta(days=1)).valid_at(NOW)
    assert not Principal("p-6", "A", "agente_socioeducativo", units=("U",), expires=NOW).valid_at(NOW)
    assert not Principal("p-6", "A", "agente_socioeducativo", units=("U",), active=False).valid_at(NOW)
