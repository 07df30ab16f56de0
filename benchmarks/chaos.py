"""The chaos run: the whole pipeline under load while its parts are killed, round after round.

`python -m benchmarks chaos [--rounds N] [--seed S] ...` (or `python -m benchmarks.chaos`).

What runs, on a fresh event store, fresh topics and a fresh read-model schema of the stack
in the environment (CASELEDGER_*; the run kills and restarts that stack's servers, so give
it a stack of its own — see docs/RELIABILITY.md):

- writers: several processes, each with its own ledger, recording the simulated year's
  commands (`--commands` of the first `--cases` cases, seed `--seed`) at a steady rate
  through `infra.recording.apply_command`, the path of `caseledger record`. A case's
  commands all go to one writer, in their order; units are shared, so writers meet in
  optimistic-concurrency conflicts, which they retry. Each outcome is logged: accepted
  (acknowledged, with its events' ids), refused by a rule, or failed — the store was
  unreachable: the writer logs a one-line error, backs off, opens a fresh ledger and retries
  the same command. A command whose commit reached PostgreSQL just before the connection
  broke is *ambiguous*: its retry is refused as a duplicate or recorded twice. Those are
  counted apart (idempotent command ids come later).
- `caseledger relay` and one `caseledger project NAME` per read model, as processes.

Each round waits a random moment under load, then kills one of: the relay, a projection
runner, the Kafka broker (SIGKILL), PostgreSQL (immediate stop: SIGQUIT to the postmaster),
or a mix that found losses before — the broker while the relay is mid-transaction (the relay
held with SIGSTOP while a backlog builds, released, and the broker killed a moment later),
the broker and PostgreSQL together, all four at once. After a random time down it restarts
what it killed and measures: how long each part took to come back, how long until the relay
had published everything recorded before the return (writers still writing), and until the
relay and every read model had caught up (writers paused). Then, writers paused, it checks:

- every stored event is on Kafka exactly once (read_committed), in per-stream order, with
  the stored bytes (`infra.verify.verify_topics`);
- every read model equals the fold of the event store (`infra.verify.verify_projections`);
- every command acknowledged to a writer is in the store with its events, and every stored
  event belongs to an acknowledged command (a refused or failed command left nothing
  behind) — apart from the ambiguous commits, counted.

A process that exits on its own (e.g. a server it needs is still down) is restarted after a
second and counted. One line per round on standard output; the figures as JSON
(`benchmarks/results/chaos.json` unless `--out`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import traceback
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from infra.settings import REPO_ROOT, Settings

SINGLES = ("relay", "runner", "broker", "postgres")
MIXES = ("broker_mid_transaction", "broker_postgres", "all")
KINDS = SINGLES + MIXES

# Failures a writer expects while PostgreSQL is away: reported as clean, one-line errors.
EXPECTED_FAILURES = ("OperationalError", "InterfaceError", "ConnectionUnavailableError", "DatabaseError",
                     "ConnectionPoolClosedError", "PoolTimeout", "ConnectionTimeout", "AdminShutdown")
# Refusals the ledger may give for a failed write, once it turns store errors into refusals.
RETRYABLE_CODES = ("STORE", "CONFLICT")


def schedule(rounds: int, seed: int) -> list[str]:
    """What each round kills: the four parts alone (shuffled), then the mixes (shuffled), again and again."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < rounds:
        out += rng.sample(SINGLES, len(SINGLES)) + rng.sample(MIXES, len(MIXES))
    return out[:rounds]


# -- the commands -------------------------------------------------------------------------------


def command_key(command: dict) -> str | None:
    """The stream that orders a command: its case (or the unit, for unit-only commands); None: set-up."""
    from infra.simulation import case_id

    if command["command"] == "define_unit":
        return None
    if "case_id" in command:
        return command["case_id"]
    if "process_number" in command:
        return case_id(command["process_number"])
    if command.get("involved_case_ids"):
        return command["involved_case_ids"][0]
    return command["unit_id"]


def chaos_plan(seed: int, commands: int, cases: int) -> list[tuple[int, dict, str | None]]:
    """(number, command, key) of the first `commands` commands of the year's first `cases` cases, in order."""
    from infra.simulation import generate

    plan = generate(seed=seed)
    chosen: set[str] = set()
    out = []
    for planned in plan:
        key = command_key(planned.command)
        is_case = key is not None and planned.command["command"] != "correct_unit_entry"
        if is_case and key not in chosen:
            if len(chosen) >= cases:
                continue
            chosen.add(key)
        out.append((len(out) + 1, planned.command, key))
        if len(out) >= commands:
            break
    return out


def writer_of(key: str, writers: int) -> int:
    return zlib.crc32(key.encode()) % writers


# -- a writer (its own process) ------------------------------------------------------------------


def chaos_ledger(settings: Settings):
    """The recording ledger, also noting the events each save attempts (stored or not)."""
    from infra import bootstrap

    ledger = bootstrap.recording_ledger(settings)
    original = ledger.save

    def save(*objs, **kwargs):
        ledger.attempted = [[str(e.originator_id), e.originator_version]
                            for obj in objs for e in getattr(obj, "pending_events", ())]
        return original(*objs, **kwargs)

    ledger.attempted = []
    ledger.save = save
    return ledger


class Pause:
    """The coordinator pauses the writers between commands: a file holding a token, acknowledged per writer."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "pause"

    def request(self) -> str:
        token = uuid.uuid4().hex
        tmp = self.folder / "pause.tmp"
        tmp.write_text(token)
        tmp.replace(self.file)
        return token

    def release(self) -> None:
        self.file.unlink(missing_ok=True)

    def acknowledged(self, writer: int, token: str) -> bool:
        try:
            return (self.folder / f"paused-{writer}").read_text() == token
        except FileNotFoundError:
            return False

    def honour(self, writer: int) -> None:
        """In a writer: wait here while a pause is requested, saying so."""
        try:
            token = self.file.read_text()
        except FileNotFoundError:
            return
        (self.folder / f"paused-{writer}").write_text(token)
        while self.file.exists():
            time.sleep(0.05)


def emit(stream, **fields) -> None:
    stream.write(json.dumps(fields, default=str) + "\n")
    stream.flush()


def run_writer(settings: Settings, folder: Path, index: int, writers: int, seed: int, commands: int,
               cases: int, rate: float) -> int:
    """Record this writer's share of the plan at `rate` commands/s; log each outcome as a JSON line."""
    from eventsourcing.persistence import IntegrityError

    from infra.command_input import RawCommand
    from infra.recording import apply_command

    mine = [(n, cmd) for n, cmd, key in chaos_plan(seed, commands, cases)
            if key is not None and writer_of(key, writers) == index]
    pause = Pause(folder)
    out = open(folder / f"writer-{index}.jsonl", "a")
    err = sys.stderr
    ledger = None
    backoff = 0.25
    interval = 1.0 / rate if rate > 0 else 0.0
    due = time.monotonic()
    for number, command in mine:
        pause.honour(index)
        now = time.monotonic()
        due = max(due, now - interval)  # after a pause or an outage, no burst to catch up
        if due > now:
            time.sleep(due - now)
        due += interval
        attempts = []
        while True:
            try:
                if ledger is None:
                    ledger = chaos_ledger(settings)
                ledger.attempted = []
                outcome = apply_command(ledger, RawCommand(number, command))
            except IntegrityError as exc:  # another writer saved the same unit first: nothing was written
                attempts.append({"conflict": type(exc).__name__})
                if sum("conflict" in a for a in attempts) < 50:
                    continue
                raise  # not a race any more: a defect to see, not to hide

            except Exception as exc:
                name = type(exc).__name__
                attempts.append({"error": name, "clean": name in EXPECTED_FAILURES,
                                 "attempted": getattr(ledger, "attempted", []),
                                 "message": str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""})
                emit(err, event="writer_store_unavailable", writer=index, command=number, error_class=name,
                     retry_in_s=backoff)
                if name not in EXPECTED_FAILURES:
                    emit(err, event="writer_unexpected_error", writer=index, command=number,
                         traceback=traceback.format_exc(limit=5))
                if ledger is not None:
                    try:
                        ledger.close()
                    except Exception:
                        pass
                ledger = None
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            if not outcome.accepted and outcome.code in RETRYABLE_CODES:
                attempts.append({"error": outcome.code, "clean": True, "attempted": ledger.attempted,
                                 "message": outcome.message[:200]})
                time.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            break
        backoff = 0.25
        emit(out, n=number, command=outcome.command, accepted=outcome.accepted, code=outcome.code,
             events=[[e["stream_id"], e["version"], e["notification_id"]] for e in outcome.events],
             attempts=attempts, at=time.time())
    (folder / f"done-{index}").write_text(str(len(mine)))
    if ledger is not None:
        ledger.close()
    return 0


# -- processes -----------------------------------------------------------------------------------


@dataclass
class Proc:
    """One `caseledger` process of the pipeline (relay or runner), restarted as often as needed."""

    name: str
    args: tuple[str, ...]
    ready_event: str
    popen: subprocess.Popen | None = None
    incarnation: int = 0
    started_at: float = 0.0
    stderr: Path | None = None
    down: bool = False  # killed on purpose, not yet restarted
    restart_due: float | None = None  # exited on its own: restart at this time

    def logged(self, event: str) -> bool:
        try:
            text = self.stderr.read_text(errors="replace")
        except (FileNotFoundError, AttributeError):
            return False
        return f'"event": "{event}"' in text

    def tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.stderr.read_text(errors="replace").splitlines()[-lines:])
        except (FileNotFoundError, AttributeError):
            return ""


class Pipeline:
    """The relay and the runners as processes; restarts any that exits on its own, and counts it."""

    def __init__(self, settings: Settings, folder: Path, say) -> None:
        from projections import registry

        self.settings = settings
        self.folder = folder
        self.say = say
        self.procs = {"relay": Proc("relay", ("relay", "--batch", "500"), "relay_connected")}
        for name in registry.names():
            self.procs[f"runner:{name}"] = Proc(f"runner:{name}", ("project", name), "projection_partitions_positioned")
        self.exits: list[dict] = []  # processes that exited on their own
        self.round = 0

    def start(self, proc: Proc) -> None:
        from benchmarks.memory import cli_env

        proc.incarnation += 1
        proc.stderr = self.folder / f"{proc.name.replace(':', '-')}.{proc.incarnation}.err"
        proc.popen = subprocess.Popen([sys.executable, "-m", "infra.cli", *proc.args], cwd=REPO_ROOT,
                                      env=cli_env(self.settings), stdout=subprocess.DEVNULL,
                                      stderr=open(proc.stderr, "wb"))
        proc.started_at = time.monotonic()
        proc.down = False
        proc.restart_due = None

    def start_all(self) -> None:
        for proc in self.procs.values():
            self.start(proc)

    def kill(self, proc: Proc) -> None:
        proc.down = True
        if proc.popen and proc.popen.poll() is None:
            proc.popen.send_signal(signal.SIGKILL)
            proc.popen.wait()

    def wait_ready(self, procs: list[Proc], timeout: float) -> dict[str, float]:
        """Seconds from each one's start until it logged that it serves."""
        out: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        while len(out) < len(procs):
            self.tend()
            for p in procs:
                if p.name not in out and p.logged(p.ready_event):
                    out[p.name] = time.monotonic() - p.started_at
            if time.monotonic() > deadline:
                missing = [p.name for p in procs if p.name not in out]
                raise TimeoutError(f"not serving within {timeout:.0f} s: {', '.join(missing)}")
            time.sleep(0.1)
        return out

    def tend(self) -> None:
        """Restart, a second later, any process that exited without being killed."""
        now = time.monotonic()
        for p in self.procs.values():
            if p.down or p.popen is None:
                continue
            if p.restart_due is not None:
                if now >= p.restart_due:
                    self.start(p)
                continue
            code = p.popen.poll()
            if code is not None:
                tail = p.tail(4)
                self.exits.append({"round": self.round, "process": p.name, "exit_code": code,
                                   "after_s": round(now - p.started_at, 1), "traceback": "Traceback" in tail,
                                   "last_lines": tail[-600:]})
                self.say(f"      {p.name} exited {code} on its own after {now - p.started_at:.1f} s; "
                         "restarting it in 1 s")
                p.restart_due = now + 1.0

    def stop(self) -> dict[str, int | None]:
        codes = {}
        for p in self.procs.values():
            if p.popen and p.popen.poll() is None:
                p.popen.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            if p.popen is None:
                continue
            try:
                codes[p.name] = p.popen.wait(60)
            except subprocess.TimeoutExpired:
                p.popen.kill()
                codes[p.name] = p.popen.wait()
        return codes


class Writers:
    def __init__(self, settings: Settings, folder: Path, count: int, seed: int, commands: int, cases: int,
                 rate: float) -> None:
        self.settings, self.folder, self.count = settings, folder, count
        self.args = (seed, commands, cases, rate / count)
        self.popens: list[subprocess.Popen] = []
        self.pause = Pause(folder)

    def start(self) -> None:
        from benchmarks.memory import cli_env

        seed, commands, cases, rate = self.args
        for i in range(self.count):
            self.popens.append(subprocess.Popen(
                [sys.executable, "-m", "benchmarks.chaos", "writer", "--index", str(i), "--of", str(self.count),
                 "--folder", str(self.folder), "--seed", str(seed), "--commands", str(commands),
                 "--cases", str(cases), "--rate", str(rate)],
                cwd=REPO_ROOT, env=cli_env(self.settings), stdout=subprocess.DEVNULL,
                stderr=open(self.folder / f"writer-{i}.err", "ab")))

    def finished(self) -> bool:
        return all(p.poll() is not None for p in self.popens)

    def hold(self, tend, timeout: float = 180.0) -> None:
        """Pause every writer between two commands (a finished writer counts as paused)."""
        token = self.pause.request()
        deadline = time.monotonic() + timeout
        while not all(self.pause.acknowledged(i, token) or p.poll() is not None for i, p in enumerate(self.popens)):
            tend()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the writers did not pause within {timeout:.0f} s")
            time.sleep(0.05)

    def resume(self) -> None:
        self.pause.release()

    def outcomes(self) -> list[dict]:
        out = []
        for path in sorted(self.folder.glob("writer-*.jsonl")):
            for line in path.read_text().splitlines():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass  # a line being written
        return out

    def stop(self) -> None:
        self.pause.release()
        for p in self.popens:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.popens:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# -- measuring and checking ------------------------------------------------------------------------


def retrying(what, timeout: float, tend=lambda: None):
    """Call `what()` until it succeeds (a server may still be coming back)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return what()
        except Exception:
            if time.monotonic() > deadline:
                raise
            tend()
            time.sleep(0.5)


def store_head(settings: Settings) -> int:
    from infra import bootstrap

    app = bootstrap.ledger(settings)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def relay_position(settings: Settings) -> int:
    from infra.relay import read_position
    from infra.topics import relay_position_topic

    return read_position(settings, relay_position_topic(settings), timeout=10)


def read_model_lags(settings: Settings) -> dict[str, int]:
    from infra.commands.status import projection_rows

    return {row["stage"]: row["lag"] for row in projection_rows(settings) if row["stage"].startswith("projection")}


def wait_for(condition, timeout: float, tend, interval: float = 0.3) -> float | None:
    """Seconds until `condition()` held (errors count as not yet), None past the timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if condition():
                return time.monotonic() - t0
        except Exception:
            pass
        tend()
        time.sleep(interval)
    return None


def check_writers(settings: Settings, outcomes: list[dict], sample: int = 5) -> dict:
    """Acknowledged commands against the store; every stored event accounted for."""
    from infra import bootstrap

    app = bootstrap.ledger(settings)
    try:
        stored = {(str(n.originator_id), n.originator_version): n.id
                  for n in app.recorder.select_notifications(start=None, limit=10**9)}
    finally:
        app.close()
    acked: dict[tuple[str, int], int] = {}
    lost = []
    for o in outcomes:
        for stream, version, notification in o["events"]:
            acked[(stream, version)] = notification
            if stored.get((stream, version)) != notification:
                lost.append({"command": o["n"], "stream_id": stream, "version": version})
    unaccounted = set(stored) - set(acked)
    ambiguous, twice, refused_on_retry = [], 0, 0
    for o in outcomes:
        committed = [tuple(e) for a in o["attempts"] for e in a.get("attempted", ()) if tuple(e) in unaccounted]
        if committed:
            unaccounted -= set(committed)
            ambiguous.append({"command": o["n"], "name": o["command"], "accepted_on_retry": o["accepted"],
                              "code": o["code"], "events": len(committed)})
            twice += o["accepted"]
            refused_on_retry += not o["accepted"]
    failures = [a for o in outcomes for a in o["attempts"] if "error" in a]
    by_class: dict[str, int] = {}
    for a in failures:
        by_class[a["error"]] = by_class.get(a["error"], 0) + 1
    return {
        "commands": len(outcomes),
        "accepted": sum(o["accepted"] for o in outcomes),
        "refused": sum(not o["accepted"] for o in outcomes),
        "refused_by_code": _count(o["code"] for o in outcomes if not o["accepted"]),
        "events_acknowledged": len(acked),
        "events_stored": len(stored),
        "acknowledged_missing": len(lost),
        "acknowledged_missing_sample": lost[:sample],
        "left_behind": len(unaccounted),  # stored, but no acknowledged (or ambiguous) command wrote it
        "left_behind_sample": sorted(unaccounted)[:sample],
        "ambiguous": len(ambiguous),
        "ambiguous_recorded_twice": twice,
        "ambiguous_refused_on_retry": refused_on_retry,
        "ambiguous_sample": ambiguous[:sample],
        "retried_commands": sum(1 for o in outcomes if any("error" in a for a in o["attempts"])),
        "failed_attempts": len(failures),
        "failed_attempts_by_error": by_class,
        "failed_attempts_unclean": sum(1 for a in failures if not a["clean"]),
        "conflicts_retried": sum(1 for o in outcomes for a in o["attempts"] if "conflict" in a),
    }


def _count(items) -> dict:
    out: dict = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


def check_everything(settings: Settings, writers: Writers) -> dict:
    from infra.commands.status import projection_rows
    from infra.verify import verify_projections, verify_topics

    topics = verify_topics(settings)
    models = verify_projections(settings)
    w = check_writers(settings, writers.outcomes())
    dead_letters = sum(row["position"] for row in projection_rows(settings) if row["stage"] == "dead letters")
    checks = {
        "dead_letters": dead_letters,
        "topics": {"stored": topics.stored, "published": topics.published, "aborted_records": topics.aborted,
                   **topics.counts, "samples": {k: getattr(topics, k) for k, n in topics.counts.items() if n}},
        "read_models": {m.name: {"rows": m.rows, "equal": m.equal, "missing": m.missing, "extra": m.extra,
                                 "different": m.different} for m in models},
        "writers": w,
    }
    checks["lost"] = topics.counts["missing"] + w["acknowledged_missing"]
    checks["doubled"] = topics.counts["doubled"]
    checks["passed"] = (topics.equal and all(m.equal for m in models) and w["acknowledged_missing"] == 0
                        and w["left_behind"] == 0 and dead_letters == 0)
    return checks


def verdict(checks: dict) -> str:
    t, w = checks["topics"], checks["writers"]
    models = checks["read_models"]
    parts = ["topics " + ("ok" if not any(t[k] for k in ("missing", "doubled", "unexpected", "out_of_order",
                                                         "different")) else
                          "FAIL " + ", ".join(f"{k} {t[k]}" for k in ("missing", "doubled", "unexpected",
                                                                       "out_of_order", "different") if t[k])),
             "read models " + ("ok" if all(m["equal"] for m in models.values()) else
                               "FAIL " + ", ".join(n for n, m in models.items() if not m["equal"])),
             "writers " + ("ok" if not (w["acknowledged_missing"] or w["left_behind"]) else
                           f"FAIL missing {w['acknowledged_missing']} left behind {w['left_behind']}")]
    return "; ".join(parts) + (f" ({w['accepted']:,} accepted, {w['refused']:,} refused, "
                               f"{w['retried_commands']} retried, {w['ambiguous']} ambiguous; "
                               f"{t['stored']:,} events)")


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class Options:
    rounds: int = 21
    seed: int = 1
    commands: int = 5000
    cases: int = 200
    writers: int = 3
    rate: float = 15.0  # commands per second, all writers together
    wait: tuple[float, float] = (2.0, 8.0)  # the random moment of the kill, after the load resumed
    down: tuple[float, float] = (0.5, 4.0)  # how long what was killed stays down
    deadline: float = 240.0  # for coming back and catching up, each
    keep: bool = False


@dataclass
class Round:
    number: int
    kind: str
    killed: list[str] = field(default_factory=list)
    at_s: float = 0.0  # since the start of the run
    after_load_s: float = 0.0  # the random moment: seconds of load before the kill
    down_s: float = 0.0
    back_s: dict = field(default_factory=dict)  # component -> seconds from restart to serving
    relay_resumed_s: float | None = None  # from back to the relay having published what was recorded by then
    caught_up_s: float | None = None  # from back to relay and every read model caught up (writers paused)
    note: str = ""
    checks: dict = field(default_factory=dict)
    passed: bool = False


def fresh(settings: Settings) -> Settings:
    suffix = uuid.uuid4().hex[:8]
    return dataclasses.replace(
        settings, case_events_topic=f"caseledger.chaos.{suffix}.case", unit_events_topic=f"caseledger.chaos.{suffix}.unit",
        dead_letter_topic=f"caseledger.chaos.{suffix}.dead-letter", projection_schema=f"chaos_{suffix}",
        eventsourcing_overrides={**settings.eventsourcing_overrides, "POSTGRES_SCHEMA": f"chaos_{suffix}_store"})


def run(settings: Settings, options: Options, folder: Path, say=print) -> dict:
    """The chaos run on the stack of `settings` (started if it is not running). Returns the figures."""
    from benchmarks.data import drop_schema
    from infra import stack
    from infra.command_input import RawCommand
    from infra.recording import apply_command
    from infra.stack import KafkaServer, PostgresServer
    from infra.topics import ensure_topics

    stack.up(settings, echo=lambda *_: None)
    target = fresh(settings)
    rng = random.Random(options.seed)
    kinds = schedule(options.rounds, options.seed)
    t_start = time.monotonic()
    plan = chaos_plan(options.seed, options.commands, options.cases)
    say(f"chaos run: {options.rounds} rounds (seed {options.seed}); {len(plan):,} commands of "
        f"{options.cases} cases by {options.writers} writers at {options.rate:g}/s; store schema "
        f"{target.eventsourcing_overrides['POSTGRES_SCHEMA']}, topics caseledger.chaos.*; logs in {folder}")
    ensure_topics(target)
    # The units are defined before the writers start (every case needs its unit).
    ledger = chaos_ledger(target)
    with open(folder / "writer-setup.jsonl", "w") as out:
        for number, command, key in plan:
            if key is None:
                o = apply_command(ledger, RawCommand(number, command))
                emit(out, n=number, command=o.command, accepted=o.accepted, code=o.code, attempts=[],
                     events=[[e["stream_id"], e["version"], e["notification_id"]] for e in o.events], at=time.time())
    ledger.close()
    pipeline = Pipeline(target, folder, say)
    writers = Writers(target, folder, options.writers, options.seed, options.commands, options.cases, options.rate)
    kafka, postgres = KafkaServer(target), PostgresServer(target)
    rounds: list[Round] = []
    result: dict = {"options": dataclasses.asdict(options), "rounds": []}
    try:
        pipeline.start_all()
        pipeline.wait_ready(list(pipeline.procs.values()), options.deadline)
        writers.start()
        for number, kind in enumerate(kinds, start=1):
            pipeline.round = number
            r = Round(number, kind)
            rounds.append(r)
            r.after_load_s = rng.uniform(*options.wait)
            r.down_s = rng.uniform(*options.down)
            _sleep(r.after_load_s, pipeline.tend)
            r.at_s = time.monotonic() - t_start
            runners = [p for n, p in pipeline.procs.items() if n.startswith("runner:")]
            victims: list[Proc] = []
            servers: list[str] = []
            if kind == "relay":
                victims = [pipeline.procs["relay"]]
            elif kind == "runner":
                victims = [rng.choice(runners)]
            elif kind == "broker":
                servers = ["broker"]
            elif kind == "postgres":
                servers = ["postgres"]
            elif kind == "broker_mid_transaction":
                servers = ["broker"]
                _relay_mid_transaction(pipeline.procs["relay"], rng)
            elif kind == "broker_postgres":
                servers = ["broker", "postgres"]
            elif kind == "all":
                victims = [pipeline.procs["relay"], *runners]
                servers = ["broker", "postgres"]
            for p in victims:
                pipeline.kill(p)
            if "broker" in servers:
                _kill_server(kafka, signal.SIGKILL)
            if "postgres" in servers:
                _kill_server(postgres, signal.SIGQUIT)  # immediate stop: no checkpoint, crash recovery at start
            r.killed = [p.name for p in victims] + servers
            _sleep(r.down_s, pipeline.tend)
            # Servers first (PostgreSQL, then the broker), then the processes.
            for name, server in (("postgres", postgres), ("broker", kafka)):
                if name in servers:
                    t0 = time.monotonic()
                    server.start(timeout=options.deadline)
                    r.back_s[name] = round(time.monotonic() - t0, 2)
            for p in victims:
                pipeline.start(p)
            if victims:
                r.back_s.update({k: round(v, 2) for k, v in pipeline.wait_ready(victims, options.deadline).items()})
            back = time.monotonic()
            head = retrying(lambda: store_head(target), options.deadline, pipeline.tend)
            resumed = wait_for(lambda: relay_position(target) >= head, options.deadline, pipeline.tend)
            r.relay_resumed_s = None if resumed is None else round(time.monotonic() - back, 2)
            writers.hold(pipeline.tend)
            final = retrying(lambda: store_head(target), options.deadline, pipeline.tend)
            caught = wait_for(lambda: relay_position(target) >= final
                              and not any(read_model_lags(target).values()), options.deadline, pipeline.tend)
            r.caught_up_s = None if caught is None else round(time.monotonic() - back, 2)
            if resumed is None or caught is None:
                r.note = f"did not catch up within {options.deadline:.0f} s"
            r.checks = check_everything(target, writers)
            r.passed = r.checks["passed"] and caught is not None
            say(round_line(r, options.rounds))
            writers.resume()
            if not r.passed:
                break
        # The end: every writer done, everything caught up, checked once more.
        finals = wait_for(writers.finished, 3600, pipeline.tend, interval=1.0)
        writers.hold(pipeline.tend)
        head = retrying(lambda: store_head(target), options.deadline, pipeline.tend)
        wait_for(lambda: relay_position(target) >= head and not any(read_model_lags(target).values()),
                 options.deadline, pipeline.tend)
        end = check_everything(target, writers)
        result["end"] = end
        result["writers_finished"] = finals is not None
        say(f"end: {verdict(end)}")
    finally:
        writers.stop()
        exit_codes = pipeline.stop()
        if not options.keep:
            for schema in (target.projection_schema, target.eventsourcing_overrides["POSTGRES_SCHEMA"]):
                try:
                    drop_schema(settings, schema)
                except Exception:
                    pass
    result["rounds"] = [dataclasses.asdict(r) for r in rounds]
    result["process_exits"] = pipeline.exits
    result["exit_codes_at_stop"] = exit_codes
    result["seconds"] = round(time.monotonic() - t_start, 1)
    result["summary"] = summary(rounds, result)
    return result


def _sleep(seconds: float, tend) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tend()
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def _kill_server(server, sig: int) -> None:
    from infra.stack.process import is_alive

    pid = server.running_pid()
    if not pid:
        raise RuntimeError(f"{type(server).__name__} is not running: nothing to kill")
    os.kill(pid, sig)
    deadline = time.monotonic() + 60
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _relay_mid_transaction(relay: Proc, rng: random.Random) -> None:
    """Hold the relay while a backlog builds, release it, and return while it is publishing the backlog."""
    if relay.popen is None or relay.popen.poll() is not None:
        return  # being restarted: the broker is killed under whatever the relay is doing
    relay.popen.send_signal(signal.SIGSTOP)
    time.sleep(2.0)
    relay.popen.send_signal(signal.SIGCONT)
    time.sleep(rng.uniform(0.02, 0.2))


def round_line(r: Round, total: int) -> str:
    back = ", ".join(f"{k} {v:.1f} s" for k, v in r.back_s.items())
    resumed = "—" if r.relay_resumed_s is None else f"{r.relay_resumed_s:.1f} s"
    caught = "—" if r.caught_up_s is None else f"{r.caught_up_s:.1f} s"
    aborted = r.checks.get("topics", {}).get("aborted_records", 0)
    return (f"round {r.number:>2}/{total} {r.kind:<23} killed {'+'.join(r.killed)} at +{r.at_s:.0f} s "
            f"(after {r.after_load_s:.1f} s of load), down {r.down_s:.1f} s; back: {back}; relay resumed "
            f"{resumed}, all caught up {caught}; aborted records so far {aborted}; "
            f"{'PASS' if r.passed else 'FAIL'}: {verdict(r.checks) if r.checks else r.note} {r.note}").rstrip()


def spread(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    return {"count": len(values), "min": round(min(values), 2), "median": round(statistics.median(values), 2),
            "max": round(max(values), 2)}


def summary(rounds: list[Round], result: dict) -> dict:
    component_back: dict[str, list[float]] = {}
    for r in rounds:
        for k, v in r.back_s.items():
            component_back.setdefault(k.split(":")[0], []).append(v)
    by_kind: dict[str, dict] = {}
    for kind in KINDS:
        rs = [r for r in rounds if r.kind == kind]
        if rs:
            by_kind[kind] = {
                "rounds": len(rs),
                "relay_resumed_s": spread([r.relay_resumed_s for r in rs if r.relay_resumed_s is not None]),
                "caught_up_s": spread([r.caught_up_s for r in rs if r.caught_up_s is not None]),
            }
    end = result.get("end", {})
    w = end.get("writers", {})
    return {
        "rounds": len(rounds),
        "rounds_passed": sum(r.passed for r in rounds),
        "commands": w.get("commands"),
        "accepted": w.get("accepted"),
        "refused": w.get("refused"),
        "events": end.get("topics", {}).get("stored"),
        "lost": end.get("lost"),
        "doubled": end.get("doubled"),
        "left_behind": w.get("left_behind"),
        "ambiguous": w.get("ambiguous"),
        "ambiguous_recorded_twice": w.get("ambiguous_recorded_twice"),
        "ambiguous_refused_on_retry": w.get("ambiguous_refused_on_retry"),
        "retried_commands": w.get("retried_commands"),
        "failed_attempts_by_error": w.get("failed_attempts_by_error"),
        "conflicts_retried": w.get("conflicts_retried"),
        "aborted_records": end.get("topics", {}).get("aborted_records"),
        "read_models_equal": all(m["equal"] for m in end.get("read_models", {}).values()) if end else None,
        "back_s": {k: spread(v) for k, v in component_back.items()},
        "by_kind": by_kind,
        "process_exits": len(result.get("process_exits", [])),
        "passed": bool(end) and end.get("passed") and all(r.passed for r in rounds),
    }


def main(argv=None) -> int:
    from benchmarks.__main__ import RESULTS, machine
    from infra import logs

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["writer"]:
        return writer_main(argv[1:])
    d = Options()
    parser = argparse.ArgumentParser(prog="python -m benchmarks chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=d.rounds, help=f"rounds (default {d.rounds}: each kind 3 times)")
    parser.add_argument("--seed", type=int, default=d.seed, help="seed of the schedule, the moments and the year")
    parser.add_argument("--commands", type=int, default=d.commands, help=f"commands in all (default {d.commands})")
    parser.add_argument("--cases", type=int, default=d.cases, help=f"cases they belong to (default {d.cases})")
    parser.add_argument("--writers", type=int, default=d.writers, help=f"writer processes (default {d.writers})")
    parser.add_argument("--rate", type=float, default=d.rate, help=f"commands/s, all writers (default {d.rate:g})")
    parser.add_argument("--wait", type=float, nargs=2, default=d.wait, metavar=("MIN", "MAX"),
                        help="seconds of load before each kill, drawn between MIN and MAX")
    parser.add_argument("--down", type=float, nargs=2, default=d.down, metavar=("MIN", "MAX"),
                        help="seconds down before the restart, drawn between MIN and MAX")
    parser.add_argument("--deadline", type=float, default=d.deadline, help="seconds allowed to come back and catch up")
    parser.add_argument("--keep", action="store_true", help="keep the run's store and read-model schemas")
    parser.add_argument("--out", type=Path, default=RESULTS / "chaos.json", help="the JSON result file")
    parser.add_argument("--logs", type=Path, default=None, help="folder for the processes' logs (default: a new one in /tmp)")
    args = parser.parse_args(argv)
    logs.configure("json", "WARNING", component="chaos")
    options = Options(rounds=args.rounds, seed=args.seed, commands=args.commands, cases=args.cases,
                      writers=args.writers, rate=args.rate, wait=tuple(args.wait), down=tuple(args.down),
                      deadline=args.deadline, keep=args.keep)
    import tempfile

    folder = args.logs or Path(tempfile.mkdtemp(prefix="caseledger-chaos-"))
    folder.mkdir(parents=True, exist_ok=True)
    result = run(Settings.from_env(), options, folder)
    result = {"machine": machine(), "logs": str(folder), **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    s = result["summary"]
    print(f"{s['rounds_passed']}/{s['rounds']} rounds passed; {s['commands']:,} commands, {s['events']:,} events; "
          f"lost {s['lost']}, doubled {s['doubled']}, left behind {s['left_behind']}, ambiguous {s['ambiguous']}; "
          f"{s['process_exits']} process exits restarted; figures in {args.out}")
    return 0 if s["passed"] else 1


def writer_main(argv) -> int:
    from infra import logs

    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos writer")
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--of", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--commands", type=int, required=True)
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    args = parser.parse_args(argv)
    logs.configure("json", "ERROR", component="chaos-writer")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return run_writer(Settings.from_env(), args.folder, args.index, args.of, args.seed, args.commands, args.cases,
                      args.rate)


if __name__ == "__main__":
    sys.exit(main())
