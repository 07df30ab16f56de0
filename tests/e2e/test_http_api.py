"""The ledger over HTTP, as downstream systems and the web app use it: a real `caseledger serve`
process on a loopback port, on the real stack (no in-process transport: SSE hangs there)."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from infra.simulation import generate
from tests.e2e.cli import run
from tests.e2e.web_server import principal_token, relay_and_project, serving

pytestmark = pytest.mark.integration

STORY_COMMANDS = 300
DAY = "2025-01-07"
UNIT = "MT-CGB-INT-M"


@pytest.fixture(scope="module")
def server(stack_settings):
    with serving(stack_settings) as running:
        yield running


@pytest.fixture(scope="module")
def story(server):
    """The simulated year's first days posted in two batches — the first ending with an intake the
    law refuses (R-02) — then relayed and projected."""
    planned = generate(seed=2025)[:STORY_COMMANDS]
    upto = next(i for i, p in enumerate(planned) if p.expect_refusal == "R-02") + 1
    first = [p.command for p in planned[:upto] if not p.expect_refusal] + [planned[upto - 1].command]
    rest = [p.command for p in planned[upto:] if not p.expect_refusal]
    with_refusal = server.post(f"{server.url}/api/commands", timeout=300,
                              content="\n".join(json.dumps(c, ensure_ascii=False) for c in first).encode())
    head_after_refusal = server.head()
    answer = server.post(f"{server.url}/api/commands", timeout=300,
                        content="\n".join(json.dumps(c, ensure_ascii=False) for c in rest).encode())
    assert answer.status_code == 200, answer.text[:2000]
    relay_and_project(server)
    return {"projected_head": server.head(), "with_refusal": with_refusal, "head_after_refusal": head_after_refusal,
            "outcomes": with_refusal.json()["outcomes"] + answer.json()["outcomes"], "rest": answer.json()}


def test_posted_commands_are_recorded_with_their_event_ids(server, story):
    assert story["rest"]["refused"] == 0 and story["rest"]["recorded"] > 100
    ids = [e["notification_id"] for o in story["outcomes"] if o["accepted"] for e in o["events"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert max(ids) == server.head()


def test_a_command_refused_by_the_law_is_422_with_the_rule_and_its_source_and_writes_nothing(server, story):
    answer = story["with_refusal"]
    assert answer.status_code == 422
    body = answer.json()
    refused = body["outcomes"][-1]
    assert (body["refused"], refused["accepted"], refused["code"]) == (1, False, "R-02")
    assert "Reg. art. 24" in refused["source"]
    assert all(o["accepted"] for o in body["outcomes"][:-1])
    last_accepted = max(e["notification_id"] for o in body["outcomes"][:-1] for e in o["events"])
    assert story["head_after_refusal"] == last_accepted  # the refused intake wrote nothing


@pytest.mark.parametrize("body, where", [
    (b'{"command": "define_unit", ', "line 1"),
    (b"\xff\xfe not utf-8", "byte"),
])
def test_unreadable_input_is_400_with_where_and_nothing_recorded(server, story, body, where):
    head = server.head()
    answer = server.post(f"{server.url}/api/commands", content=body, timeout=30)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INPUT" and where in error["message"]
    assert "Traceback" not in answer.text
    assert server.head() == head


def test_an_unknown_command_is_refused_naming_it(server, story):
    answer = server.post(f"{server.url}/api/commands", json={"command": "delete_everything"}, timeout=30)
    assert answer.status_code == 422
    assert "delete_everything" in answer.json()["outcomes"][0]["message"]


def test_a_request_larger_than_the_input_limit_is_413_and_nothing_recorded(server, story):
    head = server.head()
    too_big = b"[" + b" " * (server.settings.input_limits.max_input_bytes + 10) + b"]"
    answer = server.post(f"{server.url}/api/commands", content=too_big, timeout=60)
    assert answer.status_code == 413
    assert server.head() == head


def test_cases_are_listed_paginated_and_one_case_has_its_clocks(server, story):
    listed = server.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "unit": UNIT, "status": "ativo", "as_of": DAY,
                                                          "limit": 2}, timeout=30).json()
    assert listed["total"] >= 2 and len(listed["cases"]) == 2
    second = server.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "unit": UNIT, "status": "ativo", "as_of": DAY,
                                                          "limit": 2, "offset": 1}, timeout=30).json()
    assert second["cases"][0]["case_id"] == listed["cases"][1]["case_id"]
    case_id = listed["cases"][0]["case_id"]
    one = server.get(f"{server.url}/api/cases/{case_id}", params={"purpose": "teste de integração", "as_of": DAY}, timeout=30).json()
    assert one["case"]["case_id"] == case_id
    assert {c["clock"] for c in one["clocks"]} >= {"K-ACOLH3"}


def test_history_as_of_a_date_and_as_recorded_at_a_time(server, story):
    case_id = server.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "unit": UNIT, "as_of": DAY}, timeout=30).json()["cases"][0]["case_id"]
    as_of = server.get(f"{server.url}/api/cases/{case_id}/history", params={"purpose": "teste de integração", "as_of": DAY}, timeout=30).json()
    assert as_of["axis"] == "as_of" and as_of["entries"]
    assert all(e["occurred_at"][:10] <= DAY for e in as_of["entries"])
    before_anything = server.get(f"{server.url}/api/cases/{case_id}/history",
                                params={"purpose": "teste de integração", "as_recorded_at": "2000-01-01T00:00:00+00:00"}, timeout=30).json()
    assert before_anything["axis"] == "as_recorded_at" and before_anything["entries"] == []
    naive = server.get(f"{server.url}/api/cases/{case_id}/history", params={"purpose": "teste de integração", "as_recorded_at": "2025-01-01T00:00"},
                      timeout=30)
    assert naive.status_code == 400 and "offset" in naive.json()["error"]["message"]


def test_an_unknown_case_is_404_and_a_bad_date_is_400(server, story):
    assert server.get(f"{server.url}/api/cases/{uuid.uuid4()}", params={"purpose": "teste de integração"}, timeout=30).status_code == 404
    bad = server.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "as_of": "31/12/2025"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["where"] == "as_of"


def test_unit_occupancy_gives_the_cnmp_breakdown(server, story):
    answer = server.get(f"{server.url}/api/units/{UNIT}/occupancy", params={"as_of": DAY}, timeout=30).json()
    assert answer["unit"]["unit_code"] == UNIT
    assert answer["unit"]["population"] == sum(row["count"] for row in answer["breakdown"]) > 0
    assert answer["series"][-1]["day"] == DAY


def _read_events(server, headers: dict, count: int) -> list[tuple[int, dict]]:
    """Read `count` events from the feed, then drop the connection (a client going away)."""
    got: list[tuple[int, dict]] = []
    with httpx.stream("GET", f"{server.url}/api/events", headers={**server.auth, **headers}, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event_id = None
        for line in response.iter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: ") and event_id is not None:
                got.append((event_id, json.loads(line[6:])))
                if len(got) == count:
                    break
    return got


def test_the_live_feed_resumes_from_last_event_id_with_every_event_once(server, story):
    head = server.head()
    first = _read_events(server, {}, 50)
    resumed = _read_events(server, {"Last-Event-ID": str(first[-1][0])}, head - 50)
    ids = [i for i, _ in first + resumed]
    assert ids == list(range(1, head + 1))  # every notification once, in commit order (no gap in a quiet store)
    _, data = first[0]
    assert data["type"] == "Unit.UnitCapacityDefined" and data["sequence"] == 1
    # The data is what Kafka carries: the Avro single-object bytes (C3 01 + fingerprint + body).
    import base64

    assert base64.b64decode(data["avro_base64"])[:2] == b"\xc3\x01"


def test_the_live_feed_delivers_an_event_recorded_while_a_client_waits(server, story):
    head = server.head()
    # A unit's roster change needs nothing but the unit: the first unit the story defined.
    roster = server.get(f"{server.url}/api/commands/change_staff_roster/example", timeout=30).json()
    roster["unit_id"] = story["outcomes"][0]["events"][0]["stream_id"]
    import threading

    got: list = []
    reader = threading.Thread(target=lambda: got.extend(_read_events(server, {"Last-Event-ID": str(head)}, 1)))
    reader.start()
    time.sleep(1.0)
    posted = server.post(f"{server.url}/api/commands", json=roster, timeout=60)
    reader.join(30)
    assert posted.status_code == 200, posted.text[:1000]
    assert [i for i, _ in got] == [head + 1]


def test_the_openapi_description_lists_every_endpoint(server):
    paths = server.get(f"{server.url}/openapi.json", timeout=30).json()["paths"]
    assert {"/api/commands", "/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/history", "/api/clocks",
            "/api/units/{unit}/occupancy", "/api/status", "/api/events"} <= set(paths)


def test_status_reports_the_store_head(server, story):
    stages = server.get(f"{server.url}/api/status", timeout=60).json()["stages"]
    assert stages[0]["position"] == server.head()


# -- who asks ---------------------------------------------------------------------------------------


def test_a_request_without_a_credential_is_401_saying_how_to_get_one(server, story):
    head = server.head()
    for answer in (httpx.get(f"{server.url}/api/cases", params={"purpose": "teste de integração"}, timeout=30),
                   httpx.post(f"{server.url}/api/commands", json={"command": "define_unit"}, timeout=30),
                   httpx.get(f"{server.url}/api/cases", headers={"Authorization": "Bearer not-a-token"}, params={"purpose": "teste de integração"}, timeout=30)):
        assert answer.status_code == 401
        assert "caseledger users add" in answer.json()["error"]["message"]
    assert server.head() == head


def test_a_state_manager_reads_a_units_occupancy_but_not_a_youths_record_R61(server, story):
    manager = {"Authorization": f"Bearer {principal_token(server, 'gestor_estadual', state=True)}"}
    occupancy = httpx.get(f"{server.url}/api/units/{UNIT}/occupancy", params={"as_of": DAY}, headers=manager, timeout=30)
    assert occupancy.status_code == 200
    case_id = server.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "unit": UNIT}, timeout=30).json()["cases"][0]["case_id"]
    for path in (f"/api/cases/{case_id}", f"/api/cases/{case_id}/history", "/api/cases"):
        refused = httpx.get(f"{server.url}{path}", headers=manager, timeout=30)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "R-61"


def test_unit_staff_see_only_the_cases_of_their_unit(server, story):
    staff = {"Authorization": f"Bearer {principal_token(server, 'agente_socioeducativo', units=(UNIT,))}"}
    everyone = server.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "limit": 500}, timeout=30).json()["cases"]
    theirs = httpx.get(f"{server.url}/api/cases", params={"purpose": "teste de integração", "limit": 500}, headers=staff, timeout=30).json()["cases"]
    unit_id = server.get(f"{server.url}/api/units/{UNIT}/occupancy", timeout=30).json()["unit"]["unit_id"]
    assert theirs and len(theirs) < len(everyone)
    assert {c["unit_id"] or c.get("released_from_unit_id") for c in theirs} == {unit_id}
    other = next(c["case_id"] for c in everyone if c["unit_id"] and c["unit_id"] != unit_id)
    refused = httpx.get(f"{server.url}/api/cases/{other}", headers=staff, params={"purpose": "teste de integração"}, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "R-61"


def test_a_command_is_recorded_as_the_principal_and_a_role_that_records_nothing_is_refused_A02(server, story):
    head = server.head()
    judge = {"Authorization": f"Bearer {principal_token(server, 'juiz', comarca='Cuiabá')}"}
    roster = server.get(f"{server.url}/api/commands/change_staff_roster/example", timeout=30).json()
    roster["unit_id"] = story["outcomes"][0]["events"][0]["stream_id"]
    answer = httpx.post(f"{server.url}/api/commands", json=roster, headers=judge, timeout=30)
    assert answer.status_code == 422
    assert answer.json()["outcomes"][0]["code"] == "A-02"
    assert server.head() == head


def test_the_live_feed_gives_unit_staff_only_the_events_of_their_unit_in_order(server, story):
    unit_id = server.get(f"{server.url}/api/units/{UNIT}/occupancy", timeout=30).json()["unit"]["unit_id"]
    mine = [e["notification_id"] for o in story["outcomes"] if o["accepted"] for e in o["events"]
            if e["stream_id"] == unit_id]  # the unit's own stream: certainly its staff's to see
    staff = principal_token(server, "gerente", units=(UNIT,))
    seen = []
    with httpx.stream("GET", f"{server.url}/api/events", headers={"Authorization": f"Bearer {staff}"},
                      timeout=30) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
                if seen[-1]["notification_id"] >= max(mine):
                    break
    ids = [e["notification_id"] for e in seen]
    assert set(mine) <= set(ids) and ids == sorted(ids)
    assert len(ids) < max(mine)  # the other units' events were left out
    other_units = [e for o in story["outcomes"] if o["accepted"] for e in o["events"]
                   if e["event"].startswith("Unit.") and e["stream_id"] != unit_id]
    assert other_units and not {e["notification_id"] for e in other_units} & set(ids)


def test_the_live_feed_is_refused_to_a_state_manager_R61(server, story):
    manager = {"Authorization": f"Bearer {principal_token(server, 'gestor_estadual', state=True)}"}
    answer = httpx.get(f"{server.url}/api/events", headers=manager, timeout=30)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "R-61"



def test_a_read_of_a_record_without_a_purpose_is_refused_and_every_read_is_in_the_access_log(server, story):
    case_id = server.get(f"{server.url}/api/cases", params={"unit": UNIT, "purpose": "escolher um caso"},
                         timeout=30).json()["cases"][0]["case_id"]
    no_purpose = server.get(f"{server.url}/api/cases/{case_id}/history", timeout=30)
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.json()["error"]["message"]
    staff = principal_token(server, "gerente", units=(UNIT,))
    purpose = f"revisão do PIA {uuid.uuid4().hex[:6]}"  # the log outlives test stores: find this read by it
    read = httpx.get(f"{server.url}/api/cases/{case_id}/history", params={"purpose": purpose},
                     headers={"Authorization": f"Bearer {staff}"}, timeout=30)
    assert read.status_code == 200
    log = run(server.settings, "access-log", case_id, "--json", **server.env)
    assert log.returncode == 0, log.stderr
    entries = json.loads(log.stdout)
    mine = [e for e in entries if e["purpose"] == purpose]
    assert len(mine) == 1 and mine[0]["role"] == "gerente" and mine[0]["what"] == "history"
    assert any(e["purpose"] == "escolher um caso" and e["what"] == "case list" for e in entries)
    assert not any(e["purpose"] == "" for e in entries)  # the refused read left nothing


def test_the_access_log_cannot_be_rewritten(server, story):
    import psycopg2

    conn = psycopg2.connect(server.settings.pg_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM identity.access_log")
            before = cur.fetchone()[0]
        for statement in ("DELETE FROM identity.access_log", "UPDATE identity.access_log SET purpose = 'x'",
                          "TRUNCATE identity.access_log"):
            with pytest.raises(psycopg2.Error, match="append-only"):
                with conn, conn.cursor() as cur:
                    cur.execute(statement)
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM identity.access_log")
            assert cur.fetchone()[0] == before > 0
    finally:
        conn.close()


def test_the_inspection_report_is_served_as_printable_html_and_as_json(server, story):
    html = server.get(f"{server.url}/api/units/{UNIT}/inspection", params={"date": DAY}, timeout=60)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "CNMP" in html.text
    data = server.get(f"{server.url}/api/units/{UNIT}/inspection", params={"date": DAY, "format": "json"},
                      timeout=60).json()
    occupancy = server.get(f"{server.url}/api/units/{UNIT}/occupancy", params={"as_of": DAY}, timeout=30).json()
    assert data["occupancy"]["population"] == occupancy["unit"]["population"] > 0


def test_the_audit_export_streams_every_entry_in_recorded_order(server, story):
    lines = server.get(f"{server.url}/api/audit", params={"purpose": "auditoria anual"}, timeout=120).text.splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == story["projected_head"]  # one audit entry per projected event
    csv_text = server.get(f"{server.url}/api/audit", params={"format": "csv", "purpose": "auditoria anual"},
                          timeout=120).text
    assert csv_text.splitlines()[0].startswith("stream_kind,stream_id,sequence") and len(csv_text.splitlines()) == len(entries) + 1
    staff = {"Authorization": f"Bearer {principal_token(server, 'gerente', units=(UNIT,))}"}
    refused = httpx.get(f"{server.url}/api/audit", params={"purpose": "x"}, headers=staff, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "R-61"


def test_clocks_of_a_unit_as_of_a_day_and_only_those_in_alert(server, story):
    every = server.get(f"{server.url}/api/clocks", params={"unit": UNIT, "as_of": DAY}, timeout=60).json()["clocks"]
    alerts = server.get(f"{server.url}/api/clocks", params={"unit": UNIT, "as_of": DAY, "alert": "true"},
                        timeout=60).json()["clocks"]
    assert every and {c["clock"] for c in every} >= {"K-ACOLH3", "K-TRIAG8"}
    assert all(c["alert"] for c in alerts) and len(alerts) < len(every)


def test_a_client_retrying_with_an_idempotency_key_records_the_command_once_D17(server, story):
    planned = [p.command for p in generate(seed=2025)[:STORY_COMMANDS] if not p.expect_refusal]
    intake = next(c for c in planned if c["command"] == "record_intake")
    petition = {"command": "file_petition", "case_id": intake["case_id"], "addressee": "direcao_da_unidade",
                "subject": "saude", "occurred_at": f"{DAY}T10:17:00-04:00",
                "actor": {"id": "staff-http-retry", "role": "gerente"}}
    key = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
    first = server.post(f"{server.url}/api/commands", json=petition, headers=key, timeout=60)
    assert first.status_code == 200, first.text
    head = server.head()
    # The answer was lost (a timeout): the client sends the same request again.
    again = server.post(f"{server.url}/api/commands", json=petition, headers=key, timeout=60)
    assert again.status_code == 200, again.text
    replayed = again.json()["outcomes"][0]
    assert replayed["replayed"] is True and replayed["command_id"] == key["Idempotency-Key"]
    assert [(e["stream_id"], e["version"]) for e in replayed["events"]] == \
        [(e["stream_id"], e["version"]) for e in first.json()["outcomes"][0]["events"]]
    assert server.head() == head  # nothing recorded the second time
    # The same key for another command is the client's mistake: refused, nothing written.
    other = server.post(f"{server.url}/api/commands", json=petition | {"subject": "visitas"}, headers=key, timeout=60)
    assert other.status_code == 422 and other.json()["outcomes"][0]["code"] == "D-17"
    # A command's own command_id field works the same way.
    field = petition | {"occurred_at": f"{DAY}T10:18:00-04:00", "command_id": f"field-{uuid.uuid4()}"}
    assert server.post(f"{server.url}/api/commands", json=field, timeout=60).json()["recorded"] == 1
    assert server.post(f"{server.url}/api/commands", json=field, timeout=60).json()["outcomes"][0]["replayed"]
    assert server.head() == head + 1
