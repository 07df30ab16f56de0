"""A deadline met late and the exception recorded with it stay in `clocks --alert` and `case list
--alert` until the unit's direction records `acknowledge_alert` (D-18): recorded, relayed to Kafka
and projected by the real commands."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli import a_fresh_ledger, run
from tests.e2e.test_cli_concurrent_writes import a_youth_registered

GERENTE = {"id": "mt-cgb-prov-gerente-01", "role": "gerente"}
AS_OF = "2025-01-15"


@pytest.fixture
def env(stack_settings):
    with a_fresh_ledger(stack_settings) as (settings, _, env):
        yield settings, env


def recorded(settings, env, commands: list[dict]) -> list[dict]:
    result = run(settings, "record", "-", "--json", input="\n".join(json.dumps(c) for c in commands), **env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for step in (("relay", "--once"), ("project", "--until-caught-up")):
        done = run(settings, *step, **env)
        assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def alerts(settings, env, case_id: str) -> list[tuple[str, str]]:
    out = run(settings, "clocks", "--alert", "--as-of", AS_OF, "--json", **env)
    assert out.returncode == 0, out.stderr[-2000:]
    return sorted((c["clock"], c["state"]) for c in json.loads(out.stdout) if c["case_id"] == case_id)


def listed_with_alerts(settings, env) -> list[str]:
    out = run(settings, "case", "list", "--alert", "--as-of", AS_OF, "--json", **env)
    assert out.returncode == 0, out.stderr[-2000:]
    return [row["alerts"] for row in json.loads(out.stdout)]


def test_a_late_acolhimento_and_its_exception_alert_until_the_gerente_acknowledges_them_D18(env):
    settings, env = env
    setup, intake = a_youth_registered()
    case_id = intake["case_id"]
    steps = [{"command": "complete_acolhimento_step", "case_id": case_id, "step": step,
              "occurred_at": "2025-01-02T09:00:00-04:00", "actor": GERENTE}
             for step in ("prpif", "equipe_tecnica", "pedagogico", "educacao_fisica")]
    # Intake on Wed 1 January (a holiday): three business days end on Monday the 6th; closed on the 9th.
    late = {"command": "complete_acolhimento", "case_id": case_id, "occurred_at": "2025-01-09T10:00:00-04:00",
            "actor": GERENTE, "delay_justification": "equipe técnica em férias"}
    outcomes = recorded(settings, env, setup + steps + [late])
    completed = outcomes[-1]["events"][0]["version"]
    # The intake itself, on a holiday, was recorded with an R-06 exception (Reg. art. 25): an alert too.
    assert alerts(settings, env, case_id) == [("EXC R-06", "exception"), ("EXC R-12", "exception"),
                                              ("K-ACOLH3", "met_late")]
    assert any("EXC R-12" in a and "K-ACOLH3" in a for a in listed_with_alerts(settings, env))

    acknowledge = {"command": "acknowledge_alert", "case_id": case_id, "reason": "Equipe recomposta; visto",
                   "occurred_at": "2025-01-10T09:00:00-04:00", "actor": GERENTE}
    recorded(settings, env, [acknowledge | {"alert": "K-ACOLH3"}])
    assert alerts(settings, env, case_id) == [("EXC R-06", "exception"), ("EXC R-12", "exception")]
    recorded(settings, env, [acknowledge | {"alert": "R-12", "target_version": completed}])
    assert alerts(settings, env, case_id) == [("EXC R-06", "exception")]  # the intake's stays until acknowledged
    # Still there without --alert: met late, acknowledged.
    every = json.loads(run(settings, "clocks", "--as-of", AS_OF, "--json", **env).stdout)
    acolhimento = next(c for c in every if c["case_id"] == case_id and c["clock"] == "K-ACOLH3")
    assert (acolhimento["state"], acolhimento["alert"], acolhimento["acknowledged"]) == ("met_late", False, True)
