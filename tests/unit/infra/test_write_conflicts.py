"""Two writers on one store (SQLite here, PostgreSQL in the e2e tests): a command beaten to its case
by the other writer is checked again against what that writer recorded, then recorded or refused."""

from __future__ import annotations

from uuid import UUID

from infra import bootstrap
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.settings import Settings
from infra.simulation import generate


def two_writers(tmp_path):
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite"),
           "AGGREGATE_CACHE_MAXSIZE": "100", "AGGREGATE_CACHE_FASTFORWARD": "y"}
    return bootstrap.recording_ledger(Settings(), env=env), bootstrap.recording_ledger(Settings(), env=env)


def a_youth_registered() -> tuple[list[dict], dict]:
    plan = [p.command for p in generate(seed=2025)]
    intake = next(c for c in plan if c["command"] == "record_intake")
    unit = next(c for c in plan if c["command"] == "define_unit" and c["unit_code"] == "MT-CGB-PROV")
    registration = next(c for c in plan if c["command"] == "register_adolescent" and c["unit_id"] == intake["unit_id"])
    return [unit, registration], intake


def a_petition(case_id: str, minute: int) -> dict:
    return {"command": "file_petition", "case_id": case_id, "addressee": "direcao_da_unidade", "subject": "saude",
            "occurred_at": f"2025-01-02T09:{minute:02d}:00-04:00", "actor": {"id": "g-1", "role": "gerente"}}


def record(ledger, command: dict, **kwargs):
    return apply_command(ledger, RawCommand(1, command), backoff=0, store_backoff=0, **kwargs)


def beaten_each_time(ledger, other, command_of_other, times: int, after_reading: str):
    """Once `ledger` has read the aggregate `after_reading`, `other` records first, `times` times."""
    get, done = ledger.repository.get, []

    def get_then_lose_the_race(aggregate_id, **kwargs):
        aggregate = get(aggregate_id, **kwargs)
        if str(aggregate_id) == after_reading and len(done) < times:
            done.append(record(other, command_of_other(len(done))))
        return aggregate

    ledger.repository.get = get_then_lose_the_race
    return done


def test_a_command_beaten_to_its_case_is_checked_again_and_recorded_after_the_other_writers_event(tmp_path):
    first, second = two_writers(tmp_path)
    setup, intake = a_youth_registered()
    for command in [*setup, intake]:
        assert record(first, command).accepted
    case_id = intake["case_id"]
    first.case(UUID(case_id))  # cached as it is now
    others = beaten_each_time(first, second, lambda n: a_petition(case_id, 30 + n), times=2,
                              after_reading=case_id)

    outcome = record(first, a_petition(case_id, 0))

    assert outcome.accepted and all(o.accepted for o in others)
    versions = [e.originator_version for e in first.events.get(UUID(case_id))]
    assert versions == list(range(1, len(versions) + 1))
    assert outcome.events[0]["version"] == versions[-1]
    assert len(second.case(UUID(case_id)).petitions) == 3


def test_a_command_beaten_every_time_is_refused_CONFLICT_with_nothing_written(tmp_path):
    first, second = two_writers(tmp_path)
    setup, intake = a_youth_registered()
    for command in [*setup, intake]:
        assert record(first, command).accepted
    case_id = intake["case_id"]
    beaten_each_time(first, second, lambda n: a_petition(case_id, 30 + n), times=99, after_reading=case_id)

    outcome = record(first, a_petition(case_id, 0), attempts=3)

    assert not outcome.accepted and outcome.code == "CONFLICT"
    assert "3 attempts" in outcome.message and "record it again" in outcome.message
    assert len(second.case(UUID(case_id)).petitions) == 3  # the other writer's only


def test_an_intake_beaten_by_the_same_intake_is_refused_R07(tmp_path):
    first, second = two_writers(tmp_path)
    setup, intake = a_youth_registered()
    for command in setup:
        assert record(first, command).accepted
    # The unit is read after the case: both are read before the other desk records the same intake.
    others = beaten_each_time(first, second, lambda n: intake, times=1, after_reading=intake["unit_id"])

    outcome = record(first, intake)

    assert others[0].accepted
    assert not outcome.accepted and outcome.code == "R-07", outcome


def losing_the_connection(ledger, *, after_commit: bool, times: int = 1):
    """The connection is lost `times` times while saving: before the commit, or after it (unconfirmed)."""
    from eventsourcing.persistence import OperationalError

    insert, lost = ledger.recorder.insert_events, []

    def insert_events(stored_events, **kwargs):
        if len(lost) >= times:
            return insert(stored_events, **kwargs)
        lost.append(1)
        if after_commit:
            insert(stored_events, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    ledger.recorder.insert_events = insert_events


def test_a_write_whose_connection_was_lost_before_the_commit_is_tried_again_and_recorded_once(tmp_path):
    ledger, _ = two_writers(tmp_path)
    setup, intake = a_youth_registered()
    for command in [*setup, intake]:
        assert record(ledger, command).accepted
    losing_the_connection(ledger, after_commit=False, times=2)

    outcome = record(ledger, a_petition(intake["case_id"], 0))

    assert outcome.accepted, outcome
    assert len(ledger.case(UUID(intake["case_id"])).petitions) == 1


def test_a_write_committed_before_its_connection_was_lost_is_reported_recorded_and_not_written_twice(tmp_path):
    ledger, _ = two_writers(tmp_path)
    setup, intake = a_youth_registered()
    for command in [*setup, intake]:
        assert record(ledger, command).accepted
    losing_the_connection(ledger, after_commit=True)

    outcome = record(ledger, a_petition(intake["case_id"], 0))

    assert outcome.accepted and outcome.events[0]["event"] == "Case.PetitionFiled", outcome
    assert len(ledger.case(UUID(intake["case_id"])).petitions) == 1


def test_a_store_unreachable_on_every_attempt_is_refused_STORE_and_stops_the_run(tmp_path):
    ledger, _ = two_writers(tmp_path)
    setup, intake = a_youth_registered()
    for command in [*setup, intake]:
        assert record(ledger, command).accepted
    losing_the_connection(ledger, after_commit=False, times=99)

    outcome = record(ledger, a_petition(intake["case_id"], 0), attempts=2)

    assert not outcome.accepted and outcome.code == "STORE" and outcome.halts
    assert "the event store is unreachable" in outcome.message and "caseledger status" in outcome.message
    assert ledger.case(UUID(intake["case_id"])).petitions == {}
