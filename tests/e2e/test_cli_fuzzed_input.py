"""Generated input to `caseledger record`: every command is recorded whole or refused naming its
field or rule, never a traceback, and the store holds exactly the events of the commands recorded.

Commands are mutations of the simulated year's valid commands (infra/simulation.py): a field
dropped or added, a value of the wrong type, text with control characters, lone surrogates, odd
Unicode or tens of kilobytes, dates at the ledger's limits, naive date-times, deep nesting,
unknown commands and ids. Each generated batch is one JSON-lines file for one `record --json`
run, on a schema of its own. Hypothesis runs derandomised and without its example database, so
every run of the suite feeds the same inputs.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import re
import subprocess
import sys
import time
import unicodedata
import uuid
from datetime import date, datetime, timezone
from typing import Any

import psycopg2
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from psycopg2 import sql

from infra import bootstrap
from infra.simulation import generate, unit_id
from tests.e2e.cli import env_for, run

PREFIX = 120  # the simulated year's first commands: units, youths, intakes, rooms, visitors
BATCH = 200  # mutated commands per `record` run
RUNS = 8  # `record` runs (hypothesis examples)

ODD_TEXT = [
    "\u202eadinU\u202c",  # right-to-left override
    "Joa\u0303o Conceic\u0327a\u0303o",  # NFD: combining tilde and cedilla
    "João Conceição",  # NFC
    "e\u0301\u0301\u0301\u0301\u0301\u0301",  # stacked combining marks
    "\U0001F600\U0001F469\u200d\U0001F467\u200d\U0001F466",  # emoji, zero-width joiners
    "\ufeffBOM inside",  # byte-order mark in the middle of a value
    "Ｆｕｌｌｗｉｄｔｈ",  # full-width forms
    "عربي עברית",  # right-to-left scripts
    "line\u2028separator\u2029paragraph",  # Unicode line and paragraph separators
    "tab\tand\nnew\r\nlines",  # allowed whitespace
    "\U0010FFFF\U000E0001",  # last code point, a tag character
    "'; DROP TABLE caseledger_events; --",
    "",
    " ",
]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[2J", "\x1f", "\x7f", "\x85", "\x9b"]
SURROGATES = ["\ud800", "\udfff", "\udc00x", "a\ud83d"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")
UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Mutant:
    """A valid command changed in one place."""

    def __init__(self, command: dict, kind: str, path: str, invalid: bool, text: str | None = None,
                 code: str = "INPUT") -> None:
        self.code = code  # how the input check refuses it: INPUT, or the rule it checks (D-01: no UTC offset)
        self.command = command
        self.kind = kind
        self.path = path  # where the change is, as `record` names it: `actor.id`, `documents_presented[2]`
        self.invalid = invalid  # whatever the command, this value does not fit: refused INPUT naming the path
        self.text = text  # odd text that, if recorded, must be stored as given

    def __repr__(self) -> str:  # short: hypothesis prints failing examples, and values may be megabytes deep
        return f"Mutant({self.command.get('command')!r:.60}, {self.kind}, {self.path!r:.60})"

    @property
    def root(self) -> str:
        return root_of(self.path)


def root_of(where: str) -> str:
    return re.split(r"[.\[]", where, maxsplit=1)[0]


def leaves(value: Any, steps: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every value inside a command with the steps (keys, indices) to reach it; `command` aside."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if steps == () and key == "command":
                continue
            found.append(((*steps, key), item))
            found.extend(leaves(item, (*steps, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.append(((*steps, i), item))
            found.extend(leaves(item, (*steps, i)))
    return found


def shown(steps: tuple) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def replaced(command: dict, steps: tuple, value: Any) -> dict:
    copy = json.loads(json.dumps(command))
    target = copy
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value
    return copy


def dropped(command: dict, steps: tuple) -> dict:
    copy = json.loads(json.dumps(command))
    target = copy
    for step in steps[:-1]:
        target = target[step]
    del target[steps[-1]]
    return copy


def latest_date() -> date:
    today = datetime.now(timezone.utc).date()
    return today.replace(year=today.year + 10, day=28 if (today.month, today.day) == (2, 29) else today.day)


def nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


# The kinds of mutation, each a strategy of Mutant given a valid command.

@st.composite
def mutants(draw, commands: list[dict], command_names: frozenset[str]) -> tuple[int, Mutant]:
    index = draw(st.integers(0, len(commands) - 1))
    command = commands[index]
    spots = leaves(command)
    texts = [(s, v) for s, v in spots if isinstance(v, str)]
    kind = draw(st.sampled_from(["drop", "extra", "retype", "odd_text", "control", "surrogate", "huge", "deep",
                                 "dates", "big_int", "unknown_id", "unknown_command", "null"]))
    steps, value = draw(st.sampled_from(spots))
    path = shown(steps)
    if kind == "drop":
        return index, Mutant(dropped(command, steps), kind, path, invalid=False)
    if kind == "extra":
        dicts = [((), command)] + [(s, v) for s, v in spots if isinstance(v, dict)]
        at, holder = draw(st.sampled_from(dicts))
        key = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
                   .filter(lambda k: k not in holder and k != "command"))
        extra = draw(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)))
        return index, Mutant(replaced(command, (*at, key), extra), kind, shown((*at, key)), invalid=True)
    if kind == "retype":
        other = st.one_of(st.booleans(), st.integers(-10, 10), st.floats(allow_nan=False, allow_infinity=False),
                          st.text(max_size=8), st.lists(st.integers(), max_size=2),
                          st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
        new = draw(other.filter(lambda v: type(v) is not type(value)))
        return index, Mutant(replaced(command, steps, new), kind, path, invalid=False)
    if kind in ("odd_text", "control", "surrogate") and texts:
        steps, value = draw(st.sampled_from(texts))
        path = shown(steps)
        where = draw(st.sampled_from(["replace", "prefix", "suffix"]))
        pool = {"odd_text": ODD_TEXT, "control": CONTROL, "surrogate": SURROGATES}[kind]
        piece = draw(st.sampled_from(pool))
        new = {"replace": piece, "prefix": piece + value, "suffix": value + piece}[where]
        return index, Mutant(replaced(command, steps, new), kind, path, invalid=kind != "odd_text",
                             text=new if kind == "odd_text" else None)
    if kind == "huge":
        size = draw(st.sampled_from([8 * 1024 + 1, 20_000, 70_000, 300_000]))
        char = draw(st.sampled_from(["x", "é", "\U0001F600"]))
        new = char * (size // len(char.encode("utf-8")) + 1)
        if draw(st.booleans()):  # a big object instead of a big string: the command is too large
            new = {f"k{i}": "v" * 100 for i in range(size // 100 + 1)} if size > 65_536 else new
        return index, Mutant(replaced(command, steps, new), kind, path, invalid=True)
    if kind == "deep":
        depth = draw(st.integers(17, 600))
        leaf = draw(st.sampled_from([[], {}, 1, "x"]))
        return index, Mutant(replaced(command, steps, nested(depth, leaf)), kind, path, invalid=True)
    if kind == "dates":
        dated = [(s, v) for s, v in texts if ISO_DATE.match(v) or ISO_DATETIME.match(v)]
        if dated:
            steps, value = draw(st.sampled_from(dated))
            path = shown(steps)
            latest = latest_date()
            if ISO_DATE.match(value):
                choices = [("1900-01-01", False), (latest.isoformat(), False), ("2024-02-29", False),
                           ("1899-12-31", True), (date.fromordinal(latest.toordinal() + 2).isoformat(), True),
                           ("0001-01-01", True), ("9999-12-31", True), ("2025-02-29", True), ("2025-13-01", True),
                           ("2025-1-5", True), ("20250105", False)]
            else:
                choices = [("1900-01-01T04:00:00-04:00", False), ("2025-01-02T09:00:00Z", False),
                           ("2025-01-02T09:00:00.999999+14:00", False), ("2025-01-02 09:00:00-12:00", False),
                           (f"{latest.isoformat()}T00:00:00-04:00", False),
                           ("2025-01-02T09:00:00", True), ("2025-01-02", True),
                           ("1899-12-31T23:59:59-04:00", True), ("0001-01-01T00:00:00+14:00", True),
                           ("9999-12-31T23:59:59-12:00", True), ("2025-01-02T24:00:00-04:00", True),
                           ("2025-01-02T09:00:00+25:00", True),
                           (f"{date.fromordinal(latest.toordinal() + 2).isoformat()}T09:00:00-04:00", True)]
            new, invalid = draw(st.sampled_from(choices))
            if new == "20250105":  # ISO 8601 basic format: a date Python 3.11 reads; no claim either way
                invalid = False
            return index, Mutant(replaced(command, steps, new), kind, path, invalid=invalid,
                                 code="D-01" if new in ("2025-01-02T09:00:00", "2025-01-02") else "INPUT")
    if kind == "big_int":
        ints = [(s, v) for s, v in spots if isinstance(v, int) and not isinstance(v, bool)]
        if ints:
            steps, value = draw(st.sampled_from(ints))
            new = draw(st.sampled_from([2**31, -(2**31) - 1, 2**63, 10**300]))
            return index, Mutant(replaced(command, steps, new), kind, shown(steps), invalid=True)
    if kind == "unknown_id":
        ids = [(s, v) for s, v in texts if UUID_TEXT.match(v)]
        if ids:
            steps, value = draw(st.sampled_from(ids))
            new = str(draw(st.uuids()))
            return index, Mutant(replaced(command, steps, new), kind, shown(steps), invalid=False)
    if kind == "unknown_command":
        name = draw(st.one_of(st.sampled_from(["drop_table", "RECORD_INTAKE", "record_intake ", "__init__",
                                               "_record", "save", "case", "clock", "close", "x" * 5000]),
                              st.text(max_size=30)).filter(lambda n: n not in command_names))
        return index, Mutant({**command, "command": name}, kind, "command", invalid=True)
    # null in place of any value (valid for an optional argument)
    return index, Mutant(replaced(command, steps, None), "null", path, invalid=False)


# --- the run: files, the store ------------------------------------------------------------

def create_schema(settings) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    return name


def drop_schema(settings, name: str) -> None:
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
    conn.close()


def stored(settings, schema: str) -> dict[tuple[str, int], tuple[int, bytes]]:
    """Every event in the store: (stream, version) → (notification id, stored bytes)."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (f'"{schema}".caseledger_events',))
            if cur.fetchone()[0] is None:
                return {}
            cur.execute(sql.SQL("SELECT originator_id, originator_version, notification_id, state FROM {}.caseledger_events")
                        .format(sql.Identifier(schema)))
            return {(str(o), v): (n, bytes(s)) for o, v, n, s in cur.fetchall()}
    finally:
        conn.close()


def as_line(command: dict, raw_utf8: bool) -> str:
    """One JSON line: raw UTF-8 or ASCII escapes (lone surrogates can only travel escaped)."""
    if raw_utf8:
        try:
            text = json.dumps(command, ensure_ascii=False)
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            pass
    return json.dumps(command)


def record_file(settings, path, schema: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infra.cli", "record", str(path), "--json"],
                          env=env_for(settings, POSTGRES_SCHEMA=schema), capture_output=True, text=True,
                          timeout=timeout)


RULE_CODE = re.compile(r"^(R|D)-\d\d$")


@pytest.fixture(scope="module")
def simulated_year() -> list[dict]:
    return [p.command for p in generate(seed=2025)]


@pytest.fixture(scope="module")
def command_names(stack_settings) -> frozenset[str]:
    listed = run(stack_settings, "record", "--list")
    assert listed.returncode == 0, listed.stderr
    return frozenset(line.split()[0] for line in listed.stdout.splitlines() if line.strip())


def test_fuzzed_commands_are_recorded_whole_or_refused_naming_the_field_and_never_traceback(
        stack_settings, simulated_year, command_names, tmp_path):
    # Valid commands to mutate: the year's first ones (recorded in order, so mutants of them can be
    # recorded too), and one of each other kind from later in the year (refused by the state, if
    # their input fits: the binding of every kind of command is exercised).
    prefix = simulated_year[:PREFIX]
    kinds = {c["command"] for c in prefix}
    later = []
    for c in simulated_year[PREFIX:]:
        if c["command"] not in kinds:
            kinds.add(c["command"])
            later.append(c)
    bases = prefix + later
    counts: collections.Counter = collections.Counter()
    by_kind: collections.Counter = collections.Counter()
    slowest = [0.0]

    @settings(max_examples=RUNS, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(batch=st.lists(st.tuples(mutants(bases, command_names), st.booleans()), min_size=BATCH, max_size=BATCH))
    def one_run(batch):
        # The file: each valid command of the prefix, after the mutants of it; then the later ones.
        placed: dict[int, list[tuple[Mutant, bool]]] = collections.defaultdict(list)
        for (index, mutant), raw in batch:
            placed[index].append((mutant, raw))
        lines: list[tuple[dict, Mutant | None, bool]] = []
        for index, base in enumerate(bases):
            lines.extend((m.command, m, raw) for m, raw in placed[index])
            if index < len(prefix):
                lines.append((base, None, True))
        path = tmp_path / f"batch-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("\n".join(as_line(c, raw) for c, _, raw in lines) + "\n", encoding="utf-8")
        schema = create_schema(stack_settings)
        try:
            started = time.monotonic()
            result = record_file(stack_settings, path, schema)
            slowest[0] = max(slowest[0], time.monotonic() - started)
            check_run(result, lines, stored(stack_settings, schema))
        finally:
            drop_schema(stack_settings, schema)

    def check_run(result, lines, store):
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        assert result.returncode in (0, 1), result.stderr[-3000:]
        outcomes = [json.loads(line) for line in result.stdout.split("\n") if line]
        assert [o["line"] for o in outcomes] == list(range(1, len(lines) + 1)), "one outcome per line, in order"
        recorded: dict[tuple[str, int], int] = {}
        for outcome, (command, mutant, _) in zip(outcomes, lines):
            what = (mutant.kind, mutant.path, outcome) if mutant else ("valid", outcome)
            counts["generated" if mutant else "valid"] += 1
            if mutant:
                by_kind[(mutant.kind, "accepted" if outcome["accepted"] else outcome["code"])] += 1
            if outcome["accepted"]:
                counts["accepted"] += 1
                assert not (mutant and mutant.invalid), ("an invalid value was recorded", what)
                assert outcome["events"], what
                for event in outcome["events"]:
                    key = (event["stream_id"], event["version"])
                    assert key in store and store[key][0] == event["notification_id"], ("not in the store", what)
                    recorded[key] = event["notification_id"]
                if mutant and mutant.text and mutant.text.strip():
                    states = b"".join(store[(e["stream_id"], e["version"])][1] for e in outcome["events"])
                    given_bytes = mutant.text.encode("utf-8")
                    altered = {unicodedata.normalize(f, mutant.text).encode("utf-8") for f in ("NFC", "NFD")}
                    altered |= {mutant.text.strip().encode("utf-8")}
                    altered.discard(given_bytes)
                    assert given_bytes in states or not any(a in states for a in altered), \
                        ("odd text stored altered", what)
                continue
            code = outcome["code"]
            counts[f"refused {code}"] += 1
            assert outcome["message"].strip(), what
            assert "Traceback" not in outcome["message"], what
            assert code in ("INPUT", "SCHEMA") or RULE_CODE.match(code), ("unexpected code", what)
            if code == "INPUT" or (mutant and mutant.invalid and code == mutant.code):
                assert outcome["where"], ("an INPUT refusal names the field", what)
                if mutant:
                    assert root_of(outcome["where"]) == mutant.root, ("names another field than the one changed", what)
            elif code == "SCHEMA":
                assert outcome["where"], ("a SCHEMA refusal names the field", what)
            else:
                assert outcome["source"].strip(), ("a rule refusal cites its source", what)
            if mutant and mutant.invalid:
                assert code == mutant.code, ("an invalid value refused by something else than the input check", what)
        # Nothing else: the store holds the events of the recorded commands and no other.
        assert recorded == {key: n for key, (n, _) in store.items()}
        assert result.returncode == (1 if any(not o["accepted"] for o in outcomes) else 0)

    one_run()
    accepted_mutants = sum(v for (kind, outcome), v in by_kind.items() if outcome == "accepted")
    print(f"\nfuzzed record: {RUNS} runs, {counts['generated']} generated commands ({accepted_mutants} recorded) "
          f"among {counts['valid']} valid ones; {counts['accepted']} recorded in all; refused by code: "
          + ", ".join(f"{k[8:]} {v}" for k, v in sorted(counts.items()) if k.startswith("refused ")))
    print("by mutation: " + ", ".join(f"{k[0]}→{k[1]} {v}" for k, v in sorted(by_kind.items())))
    print(f"slowest run: {slowest[0]:.1f} s")
    assert counts["generated"] == RUNS * BATCH
    # The generator reaches both sides: some mutants are recorded, most are refused at the door.
    assert accepted_mutants > 0 and counts["refused INPUT"] > counts["generated"] // 3


def test_a_json_line_holding_a_raw_line_separator_is_one_command_not_invalid_json(stack_settings, simulated_year,
                                                                                   tmp_path):
    """U+2028, U+2029 and U+0085 may stand unescaped in a JSON string: they do not end a JSON line."""
    registration = next(c for c in simulated_year if c["command"] == "register_adolescent")
    unit = next(c for c in simulated_year if c["command"] == "define_unit"
                and unit_id(c["unit_code"]) == registration["unit_id"])
    lines = [unit,
             {**registration, "filiation": "Mãe fictícia\u2028Pai fictício\u2029"},  # recorded as given
             {**unit, "unit_code": "MT-OTHER", "name": "Unidade\x85"}]  # a C1 control: refused naming the field
    path = tmp_path / "separators.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in lines) + "\n", encoding="utf-8")
    assert "\u2028" in path.read_text(encoding="utf-8")
    schema = create_schema(stack_settings)
    try:
        result = record_file(stack_settings, path, schema)
        store = stored(stack_settings, schema)
        registered = next(json.loads(line) for line in result.stdout.split("\n")
                          if line and json.loads(line)["line"] == 2)["events"][0]
        ledger = bootstrap.ledger(dataclasses.replace(stack_settings, eventsourcing_overrides={
            **stack_settings.eventsourcing_overrides, "POSTGRES_SCHEMA": schema}))
        try:
            filiation = next(iter(ledger.events.get(uuid.UUID(registered["stream_id"])))).filiation
        finally:
            ledger.close()
    finally:
        drop_schema(stack_settings, schema)
    assert "Traceback" not in result.stderr and "invalid JSON" not in result.stderr, result.stderr
    outcomes = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert [(o["line"], o["accepted"]) for o in outcomes] == [(1, True), (2, True), (3, False)], result.stdout
    assert (outcomes[2]["code"], outcomes[2]["where"]) == ("INPUT", "name") and "U+0085" in outcomes[2]["message"]
    assert result.returncode == 1
    assert filiation == "Mãe fictícia\u2028Pai fictício\u2029"  # read back as given
    stored_bytes = store[(registered["stream_id"], registered["version"])][1]
    assert "Mãe fictícia".encode() not in stored_bytes  # sealed: personal (ECA art. 143)


def test_a_40_megabyte_value_is_refused_naming_its_field_and_the_commands_around_it_are_recorded(
        stack_settings, simulated_year, tmp_path):
    units = [c for c in simulated_year if c["command"] == "define_unit"][:2]
    path = tmp_path / "giant-value.jsonl"
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(units[0]) + "\n")
        f.write(json.dumps({**units[1], "name": "Unidade " + "ç" * (20 * 1024 * 1024)}, ensure_ascii=False) + "\n")
        f.write(json.dumps(units[1]) + "\n")
    assert 40 * 1024 * 1024 < path.stat().st_size < 64 * 1024 * 1024  # within CASELEDGER_MAX_INPUT_BYTES
    schema = create_schema(stack_settings)
    try:
        started = time.monotonic()
        result = record_file(stack_settings, path, schema, timeout=120)
        took = time.monotonic() - started
        store = stored(stack_settings, schema)
    finally:
        drop_schema(stack_settings, schema)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    outcomes = [json.loads(line) for line in result.stdout.split("\n") if line]
    assert [(o["line"], o["accepted"]) for o in outcomes] == [(1, True), (2, False), (3, True)]
    assert (outcomes[1]["code"], outcomes[1]["where"]) == ("INPUT", "name")
    assert "CASELEDGER_MAX_TEXT_BYTES" in outcomes[1]["message"] and len(result.stdout) < 5000  # not echoed back
    assert result.returncode == 1
    assert len(store) == sum(len(o["events"]) for o in outcomes if o["accepted"])
    assert took < 60, f"{took:.1f} s for 40 MB"
    print(f"\n40 MB value: refused in {took:.1f} s")


def test_a_30_megabyte_file_whose_middle_line_is_invalid_json_records_nothing_and_names_the_line(
        stack_settings, simulated_year, tmp_path):
    unit = simulated_year[0]
    valid = json.dumps(unit, ensure_ascii=False)
    count = 30 * 1024 * 1024 // (len(valid.encode("utf-8")) + 1) + 2
    middle = count // 2 + 1
    path = tmp_path / "bad-middle.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for number in range(1, count + 1):
            f.write((valid[:-40] if number == middle else valid) + "\n")  # the middle line cut short
    assert path.stat().st_size > 30 * 1024 * 1024
    schema = create_schema(stack_settings)
    try:
        started = time.monotonic()
        result = record_file(stack_settings, path, schema, timeout=120)
        took = time.monotonic() - started
        store = stored(stack_settings, schema)
    finally:
        drop_schema(stack_settings, schema)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 2 and result.stdout == ""
    assert f"error: line {middle}, column " in result.stderr and "invalid JSON" in result.stderr, result.stderr
    assert "Nothing was recorded" in result.stderr
    assert store == {}
    assert took < 60, f"{took:.1f} s for 30 MB"
    print(f"\n30 MB, bad line {middle} of {count}: refused in {took:.1f} s")
