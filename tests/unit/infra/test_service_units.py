"""The systemd unit files start commands that exist, stop them the way they expect, and restart them."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from infra.cli import build_parser

UNITS = sorted((Path(__file__).resolve().parents[3] / "infra" / "systemd").glob("*.service"))


def test_there_is_a_unit_for_the_relay_and_for_the_projection_runners():
    assert {u.name for u in UNITS} == {"caseledger-relay.service", "caseledger-project.service"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_a_service_unit_runs_a_caseledger_command_stops_it_with_sigterm_and_restarts_it_on_failure(path):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(path)
    service = unit["Service"]
    executable, command = service["ExecStart"].split()[:2]
    assert executable.endswith("/caseledger")
    assert build_parser().parse_args([command]).command == path.stem.removeprefix("caseledger-")
    assert service["KillSignal"] == "SIGTERM" and service["Restart"] == "on-failure"
    assert service["UMask"] == "0077"
