"""The ledger over HTTP, as downstream systems and the web app use it: a real `caseledger serve`
process on a loopback port, on the real stack (no in-process transport: SSE hangs there)."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from infra.simulation import generate
from tests.e2e.web_server import relay_and_project, serving

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
    with_refusal = httpx.post(f"{server.url}/api/commands", timeout=300,
                              content="\n".join(json.dumps(c, ensure_ascii=False) for c in first).encode())
    head_after_refusal = server.head()
    answer = httpx.post(f"{server.url}/api/commands", timeout=300,
                        content="\n".join(json.dumps(c, ensure_ascii=False) for c in rest).encode())
    assert answer.status_code == 200, answer.text[:2000]
    relay_and_project(server)
    return {"with_refusal": with_refusal, "head_after_refusal": head_after_refusal,
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
    answer = httpx.post(f"{server.url}/api/commands", content=body, timeout=30)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "INPUT" and where in error["message"]
    assert "Traceback" not in answer.text
    assert server.head() == head


def test_an_unknown_command_is_refused_naming_it(server, story):
    answer = httpx.post(f"{server.url}/api/commands", json={"command": "delete_everything"}, timeout=30)
    assert answer.status_code == 422
    assert "delete_everything" in answer.json()["outcomes"][0]["message"]


def test_a_request_larger_than_the_input_limit_is_413_and_nothing_recorded(server, story):
    head = server.head()
    too_big = b"[" + b" " * (server.settings.input_limits.max_input_bytes + 10) + b"]"
    answer = httpx.post(f"{server.url}/api/commands", content=too_big, timeout=60)
    assert answer.status_code == 413
    assert server.head() == head


def test_cases_are_listed_paginated_and_one_case_has_its_clocks(server, story):
    listed = httpx.get(f"{server.url}/api/cases", params={"unit": UNIT, "status": "ativo", "as_of": DAY,
                                                          "limit": 2}, timeout=30).json()
    assert listed["total"] >= 2 and len(listed["cases"]) == 2
    second = httpx.get(f"{server.url}/api/cases", params={"unit": UNIT, "status": "ativo", "as_of": DAY,
                                                          "limit": 2, "offset": 1}, timeout=30).json()
    assert second["cases"][0]["case_id"] == listed["cases"][1]["case_id"]
    case_id = listed["cases"][0]["case_id"]
    one = httpx.get(f"{server.url}/api/cases/{case_id}", params={"as_of": DAY}, timeout=30).json()
    assert one["case"]["case_id"] == case_id
    assert {c["clock"] for c in one["clocks"]} >= {"K-ACOLH3"}


def test_history_as_of_a_date_and_as_recorded_at_a_time(server, story):
    case_id = httpx.get(f"{server.url}/api/cases", params={"unit": UNIT, "as_of": DAY}, timeout=30).json()["cases"][0]["case_id"]
    as_of = httpx.get(f"{server.url}/api/cases/{case_id}/history", params={"as_of": DAY}, timeout=30).json()
    assert as_of["axis"] == "as_of" and as_of["entries"]
    assert all(e["occurred_at"][:10] <= DAY for e in as_of["entries"])
    before_anything = httpx.get(f"{server.url}/api/cases/{case_id}/history",
                                params={"as_recorded_at": "2000-01-01T00:00:00+00:00"}, timeout=30).json()
    assert before_anything["axis"] == "as_recorded_at" and before_anything["entries"] == []
    naive = httpx.get(f"{server.url}/api/cases/{case_id}/history", params={"as_recorded_at": "2025-01-01T00:00"},
                      timeout=30)
    assert naive.status_code == 400 and "offset" in naive.json()["error"]["message"]


def test_an_unknown_case_is_404_and_a_bad_date_is_400(server, story):
    assert httpx.get(f"{server.url}/api/cases/{uuid.uuid4()}", timeout=30).status_code == 404
    bad = httpx.get(f"{server.url}/api/cases", params={"as_of": "31/12/2025"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["where"] == "as_of"


def test_unit_occupancy_gives_the_cnmp_breakdown(server, story):
    answer = httpx.get(f"{server.url}/api/units/{UNIT}/occupancy", params={"as_of": DAY}, timeout=30).json()
    assert answer["unit"]["unit_code"] == UNIT
    assert answer["unit"]["population"] == sum(row["count"] for row in answer["breakdown"]) > 0
    assert answer["series"][-1]["day"] == DAY


def _read_events(url: str, headers: dict, count: int) -> list[tuple[int, dict]]:
    """Read `count` events from the feed, then drop the connection (a client going away)."""
    got: list[tuple[int, dict]] = []
    with httpx.stream("GET", f"{url}/api/events", headers=headers, timeout=30) as response:
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
    first = _read_events(server.url, {}, 50)
    resumed = _read_events(server.url, {"Last-Event-ID": str(first[-1][0])}, head - 50)
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
    roster = httpx.get(f"{server.url}/api/commands/change_staff_roster/example", timeout=30).json()
    roster["unit_id"] = story["outcomes"][0]["events"][0]["stream_id"]
    import threading

    got: list = []
    reader = threading.Thread(target=lambda: got.extend(_read_events(server.url, {"Last-Event-ID": str(head)}, 1)))
    reader.start()
    time.sleep(1.0)
    posted = httpx.post(f"{server.url}/api/commands", json=roster, timeout=60)
    reader.join(30)
    assert posted.status_code == 200, posted.text[:1000]
    assert [i for i, _ in got] == [head + 1]


def test_the_openapi_description_lists_every_endpoint(server):
    paths = httpx.get(f"{server.url}/openapi.json", timeout=30).json()["paths"]
    assert {"/api/commands", "/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/history", "/api/clocks",
            "/api/units/{unit}/occupancy", "/api/status", "/api/events"} <= set(paths)


def test_status_reports_the_store_head(server, story):
    stages = httpx.get(f"{server.url}/api/status", timeout=60).json()["stages"]
    assert stages[0]["position"] == server.head()
