"""`caseledger demo`: a year of Mato Grosso's units, end to end, on the real stack."""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import dataclasses
import sys
import datetime as dt
import time

from infra.settings import Settings

EPILOG = """\
examples:
  caseledger demo                 the default year (seed 2025), about 9,000 commands
  caseledger demo --seed 7        another, equally deterministic year
  caseledger demo --scale 3       more arrivals per month (the units' capacities still apply)

The demo keeps to its own PostgreSQL schemas (demo, demo_projections) and Kafka topics
(caseledger.demo.*), which it resets at the start: your other data is never touched.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="record a realistic year for the 8 MT units, publish it, project it and check it",
        description="Generate a deterministic year for the eight socio-educational units of Mato Grosso "
        "(refused intakes, transfers, discipline, visits and refusals, leave, an evasion, releases, "
        "corrections); record it through the same path as `caseledger record`; publish it with the relay; "
        "run the projections; print a case history, occupancy, breached clocks; and check that every "
        "projection equals the fold of the event store.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=2025, help="seed of the generated year (default 2025)")
    p.add_argument("--scale", type=float, default=1.0, help="arrivals multiplier (default 1.0)")
    p.add_argument("--verbose", action="store_true", help="show the components' info logs too")
    p.set_defaults(func=cmd_demo, component="demo")


def demo_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        case_events_topic="caseledger.demo.case-events",
        unit_events_topic="caseledger.demo.unit-events",
        dead_letter_topic="caseledger.demo.dead-letter",
        projection_schema="demo_projections",
        sipia_schema="demo_sipia",
        eventsourcing_overrides={**settings.eventsourcing_overrides, "POSTGRES_SCHEMA": "demo"},
    )


def reset(settings: Settings) -> None:
    """Drop the demo's schemas and topics, so every run starts from nothing."""
    import psycopg2
    from kafka import KafkaAdminClient

    from infra.tamper.service import checkpoint_topic
    from infra.topics import ledger_topics

    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        for schema in ("demo", settings.projection_schema, "demo_tlog", settings.sipia_schema):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        cur.execute('CREATE SCHEMA "demo"')
    conn.close()
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, client_id="caseledger-demo")
    try:
        names = [t.name for t in ledger_topics(settings)] + [checkpoint_topic(settings)]
        existing = [n for n in names if n in set(admin.list_topics())]
        if existing:
            admin.delete_topics(existing)
            # Deletion is asynchronous: wait until the names are free again.
            deadline = time.monotonic() + 30
            while set(existing) & set(admin.list_topics()) and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        admin.close()


CORRECTION_RECORDED: list = []  # (case id, when the first correction was recorded)


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"== {text} " + "=" * max(0, 70 - len(text)))


def cmd_demo(args, settings: Settings) -> int:
    from kafka.errors import KafkaError
    import psycopg2

    import logging

    if not args.verbose:
        # The demo prints its own account; components log warnings and errors only, and the
        # Kafka client's start-up chatter (group joins, metadata) not at all.
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("kafka").setLevel(logging.ERROR)
    settings = demo_settings(settings)
    try:
        reset(settings)
    except (psycopg2.OperationalError, KafkaError) as exc:
        print(f"error: the local stack is not reachable ({exc}).\nStart it with: caseledger stack up",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    plan, who, ok = record_year(settings, args.seed, args.scale)
    show_refusals(settings, plan, who)
    ok = publish(settings) and ok
    ok = project_and_check(settings, plan, who) and ok
    ok = prove_a_case(settings, who) and ok
    ok = erase_a_case(settings, plan, who) and ok
    heading("10. the web app on the demo's data")
    corrected, _ = CORRECTION_RECORDED[0]
    token = who.promotor_token
    say("$ caseledger serve --demo")
    say("then open, in a browser on this machine, and sign in with this credential of a promotor de")
    say("justiça of the comarca of Cuiabá (valid one day; `caseledger users add --help` makes others):")
    say(f"  {token}")
    say("  http://127.0.0.1:8400/                                 the units")
    say(f"  http://127.0.0.1:8400/casos/{corrected}?data=31/12/2025   the corrected case above")
    say("  http://127.0.0.1:8400/unidades/MT-CGB-INT-M/inspecao?data=30/06/2025   the inspection report")
    say("  http://127.0.0.1:8400/docs                             the HTTP API for downstream systems")
    ok = sipia_reconciliation(settings, who) and ok
    heading("done")
    say(f"the demo took {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


@dataclasses.dataclass
class DemoPrincipals:
    """Who the demo records and reads as (issue tokens once per run; `caseledger users` makes real ones)."""

    staff: dict  # staff id of the simulation -> Principal (one unit each: Reg. art. 14)
    promotor: object  # MP of the comarca of Cuiabá (reads its comarca's cases: ECA arts. 143–144)
    promotor_token: str
    manager: object  # state manager: aggregates only (SISPETI profiles, seed 002)
    manager_token: str
    staff_tokens: dict = dataclasses.field(default_factory=dict)  # token -> Principal, of the staff above


def demo_principals(settings: Settings, plan) -> DemoPrincipals:
    """A principal per member of staff the year names (scoped to their unit), a promotor de justiça
    of Cuiabá and a state manager. Ids are stable across runs (a run reissues their tokens)."""
    from datetime import timedelta

    from application.principals import Principal
    from infra.bootstrap import pg_connector
    from infra.persistence.principals import PrincipalStore
    from infra.simulation import UNITS

    store = PrincipalStore(pg_connector(settings, "caseledger-demo"))

    def issue(principal_id: str, name: str, role: str, **scope) -> tuple[object, str]:
        token = store.reissue(principal_id, timedelta(days=1))
        if token is None:
            _, token = store.add(name, role, valid_for=timedelta(days=1), principal_id=principal_id, **scope)
        return Principal(**store.by_token(token)), token

    prefixes = sorted(((u.code.lower() + "-", u.code) for u in UNITS), key=lambda p: -len(p[0]))
    staff, staff_tokens = {}, {}
    for actor in sorted({(c.command["actor"]["id"], c.command["actor"]["role"]) for c in plan}):
        unit = next(code for prefix, code in prefixes if actor[0].startswith(prefix))
        staff[actor[0]], token = issue(actor[0], f"demo: {actor[1]} of {unit}", actor[1], units=(unit,))
        staff_tokens[token] = staff[actor[0]]
    promotor, promotor_token = issue("demo-mp-cuiaba", "demo: promotor de justiça de Cuiabá", "ministerio_publico",
                                     comarca="Cuiabá")
    manager, manager_token = issue("demo-gestor-estadual", "demo: gestor estadual (SESP/MT)", "gestor_estadual",
                                   state=True)
    return DemoPrincipals(staff, promotor, promotor_token, manager, manager_token, staff_tokens)


def record_year(settings: Settings, seed: int, scale: float) -> bool:
    from infra import bootstrap
    from infra.command_input import RawCommand
    from infra.progress import Progress
    from infra.recording import apply_command
    from infra.simulation import UNITS, generate

    heading(f"1. recording a year of {len(UNITS)} units of Mato Grosso (seed {seed})")
    plan = generate(seed=seed, scale=scale)
    who = demo_principals(settings, plan)
    say(f"each command recorded as its author: {len(who.staff)} staff principals, each scoped to their unit")
    cuiaba = {u.code for u in UNITS if u.city == "Cuiabá"}
    ledger = bootstrap.recording_ledger(settings)
    progress = Progress("record", total=len(plan), unit="commands")
    accepted = 0
    refusals: collections.Counter = collections.Counter()
    unexpected = []
    t0 = time.monotonic()
    try:
        for i, planned in enumerate(plan, start=1):
            author = planned.command["actor"]["id"]
            if planned.command["command"] == "correct_case_entry" and not CORRECTION_RECORDED \
                    and who.staff[author].units[0] in cuiaba:
                # Transaction time of the first correction in Cuiabá (the promotor reads it below):
                # the demo shows the ledger just before it.
                CORRECTION_RECORDED.append((planned.command["case_id"], dt.datetime.now(dt.timezone.utc)))
            outcome = apply_command(ledger, RawCommand(i, planned.command), principal=who.staff[author])
            progress.advance()
            if outcome.accepted:
                accepted += 1
                if planned.expect_refusal:
                    unexpected.append((planned, f"accepted, but should break {planned.expect_refusal}"))
            elif planned.expect_refusal == outcome.code:
                refusals[(outcome.code, outcome.source, outcome.command)] += 1
            else:
                unexpected.append((planned, f"refused {outcome.code}: {outcome.message}"))
    finally:
        progress.close()
        ledger.close()
    took = time.monotonic() - t0
    say(f"{len(plan):,} commands in {took:.0f} s ({len(plan) / took:,.0f}/s): {accepted:,} recorded as "
        f"{len(ledger.recordings):,} events; {sum(refusals.values())} refused as the law requires:")
    for (code, source, command), count in sorted(refusals.items()):
        say(f"  {count:>4} × {command:<30} refused {code} ({source})")
    for planned, what in unexpected[:10]:
        say(f"  UNEXPECTED: {planned.command['command']} at {planned.when:%Y-%m-%d %H:%M}: {what}")
    return plan, who, not unexpected


def publish(settings: Settings, quiet: bool = False) -> bool:
    from infra import bootstrap, logs
    from infra.progress import Progress
    from infra.relay import lag
    from infra.topics import ensure_topics

    if not quiet:
        heading("2. publishing every event to Kafka (relay, exactly once)")
    ensure_topics(settings)
    app = bootstrap.ledger(settings)
    relay = bootstrap.relay(settings, logs.get_logger("relay"), batch_size=2000, app=app)
    todo = lag(settings, app.recorder)["lag"]
    progress = Progress("relay", total=todo)
    t0 = time.monotonic()
    try:
        published = relay.run(once=True, progress=lambda n, _pos: progress.advance(n))
        took = time.monotonic() - t0
        after = lag(settings, app.recorder)
    finally:
        progress.close()
        app.close()
    say(f"{published:,} events published in {took:.1f} s ({published / max(took, 1e-9):,.0f}/s) to "
        f"{settings.case_events_topic} and {settings.unit_events_topic}; relay lag now {after['lag']}")
    return after["lag"] == 0


@contextlib.contextmanager
def acting_as(token: str, purpose: str = "demonstração do CaseLedger"):
    """Run the in-process commands as a principal, as `CASELEDGER_TOKEN=… caseledger …` would."""
    saved = {k: os.environ.get(k) for k in ("CASELEDGER_TOKEN", "CASELEDGER_PURPOSE")}
    os.environ.update(CASELEDGER_TOKEN=token, CASELEDGER_PURPOSE=purpose)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def show_refusals(settings: Settings, plan, who: DemoPrincipals) -> None:
    """One refusal of each kind: no credential, a role that records nothing, staff of another unit,
    and a reader who oversees aggregates asking for a youth's record. Nothing is written."""
    from infra import bootstrap
    from infra.command_input import RawCommand
    from infra.commands.common import CommandError
    from infra.commands.users import authenticate
    from infra.recording import apply_command

    heading("1b. who may record and read what (one policy: docs/ACCESS.md)")
    here = next(c.command for c in plan if c.command["actor"]["id"].startswith("mt-cgb-int-m-")
                and c.command.get("case_id") and c.command["command"] == "assign_room")
    other = next(p for pid, p in who.staff.items() if pid.startswith("mt-snp-int-") and p.role.value == "gerente")
    move = {k: v for k, v in here.items() if k != "actor"}
    with acting_as(""):
        try:
            authenticate(settings, None)
        except CommandError as exc:
            say(f"$ caseledger record room.json            (no token)\n  error: {exc}")
    ledger = bootstrap.recording_ledger(settings)
    try:
        for principal, title in ((who.manager, "the state manager"), (other, "the gerente of Sinop")):
            outcome = apply_command(ledger, RawCommand(1, move), principal=principal)
            say(f"{title} ({principal.role.value}, {principal.scope}) moves a youth of Cuiabá to another room:")
            say(f"  refused {outcome.code}: {outcome.message}" if not outcome.accepted
                else "  ACCEPTED — the policy did NOT hold")
    finally:
        ledger.close()


def project_and_check(settings: Settings, plan, who: DemoPrincipals) -> bool:
    """Run the read models, show what auditors and staff see, and verify them against the store."""
    from infra.cli import build_parser
    from infra.commands.project import run_projections
    from infra.verify import verify_projections
    from projections import registry

    heading("3. projecting the topics into the read models (" + ", ".join(registry.names()) + ")")
    t0 = time.monotonic()
    code = run_projections(settings, until_caught_up=True)
    say(f"every read model caught up in {time.monotonic() - t0:.1f} s (exit {code})")

    def show(title: str, *argv: str, token: str = who.promotor_token) -> int:
        heading(title)
        say(f"$ caseledger {' '.join(argv)}")
        args = build_parser().parse_args(list(argv))
        with acting_as(token):
            code = args.func(args, settings)
        sys.stdout.flush()
        return code

    corrected, recorded = CORRECTION_RECORDED[0]
    say("\nthe reads below are the promotor de justiça of Cuiabá's (CASELEDGER_TOKEN of step 10): the cases of")
    say("the comarca of Cuiabá only, each read of a youth's record in the access log (ECA arts. 143–144)")
    show("4. a case's history as of the end of the year (corrections applied)",
         "history", corrected, "--as-of", "2025-12-31")
    show("4b. the same history asked by the state manager (aggregates only)",
         "history", corrected, "--as-of", "2025-12-31", token=who.manager_token)
    show("4c. who read that youth's record", "access-log", corrected)
    show("5. the same case as the ledger said just before its correction was recorded",
         "history", corrected, "--as-recorded-at", (recorded - dt.timedelta(seconds=1)).isoformat(timespec="seconds"))
    show("6. occupancy of the Cuiabá internação unit on 30 June (CNMP: modality × age band × sex)",
         "unit", "occupancy", "MT-CGB-INT-M", "--as-of", "2025-06-30", "--from", "2025-06-24")
    show("7. legal clocks breached or due in Cuiabá, as of 31 December", "clocks", "--alert", "--as-of", "2025-12-31")
    show("7b. the MP inspection report of the Cuiabá internação unit as of 30 June (CNMP Res. 67)",
         "inspection", "MT-CGB-INT-M", "--date", "2025-06-30")
    show("7c. the monthly frequency of school and courses at the Cuiabá semiliberdade unit, June (SISPETI 85 %)",
         "unit", "frequency", "MT-CGB-SL", "--month", "2025-06")

    heading("8. checking every read model against the fold of the event store")
    checks = verify_projections(settings)
    for check in checks:
        verdict = "equal" if check.equal else "DIFFERENT"
        say(f"{check.name:<16} {check.rows:>7,} rows  {verdict}")
        for what in (check.missing, check.extra, check.different):
            for item in what:
                say(f"    {item}")
    ok = all(c.equal for c in checks) and code == 0
    say("every projection equals the fold of the event store" if ok
        else "the read models do NOT match the event store: see the differences above")
    return ok


SIPIA_UNIT = "MT-CGB-INT-M"


def sipia_reconciliation(settings: Settings, who: DemoPrincipals) -> bool:
    """The SIPIA/SINASE feed (docs/SIPIA.md): one unit's November report, its export recorded by the
    unit's administrative sector, then December's report saying what differs from that export."""
    import tempfile
    from datetime import timedelta

    from consumers.runner import supervise
    from infra.bootstrap import pg_connector
    from infra.cli import build_parser
    from infra.commands.sipia import feed_runner
    from infra.persistence.principals import PrincipalStore

    heading(f"11. the SIPIA/SINASE reconciliation feed: unit {SIPIA_UNIT} (a downstream consumer, no key)")
    out = tempfile.mkdtemp(prefix="caseledger-demo-sipia-")

    def feed() -> int:
        return supervise(feed_runner(settings), until_caught_up=True)

    def run(token: str, *argv: str) -> int:
        say(f"$ caseledger {' '.join(argv)}")
        args = build_parser().parse_args(list(argv))
        with acting_as(token, "envio mensal ao SIPIA/SINASE"):
            code = args.func(args, settings)
        sys.stdout.flush()
        return code

    # The export is the administrative sector's (Reg. art. 22): the unit's assistente administrativo.
    clerk = next((pid for pid, p in sorted(who.staff.items()) if p.role.value == "assistente_administrativo"
                  and SIPIA_UNIT in p.units), None)
    clerk_token = PrincipalStore(pg_connector(settings, "caseledger-demo")).reissue(clerk, timedelta(days=1)) \
        if clerk else None
    ok = feed() == 0
    ok = ok and run(who.promotor_token, "sipia", "report", SIPIA_UNIT, "--period", "2025-11-01..2025-11-30",
                    "--output-dir", out) == 0
    if clerk_token:
        ok = ok and run(clerk_token, "sipia", "submit", SIPIA_UNIT, "--period", "2025-11-01..2025-11-30",
                        "--receipt", "SIPIA-MT-2025-11-0001", "--at", "2025-12-05T10:00-04:00") == 0
        ok = ok and publish(settings, quiet=True) and feed() == 0
    ok = ok and run(who.promotor_token, "sipia", "report", SIPIA_UNIT, "--period", "2025-12-01..2025-12-31",
                    "--output-dir", out) == 0
    say("the feed read the published contract with no key; the report opened the ids for the promotor" if ok
        else "the SIPIA feed did NOT behave as expected")
    return ok


def prove_a_case(settings: Settings, who: DemoPrincipals) -> bool:
    """Sign the log, export one case's audit bundle, check it offline; an altered copy must fail."""
    import base64
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    from infra.cli import build_parser
    from infra.commands.tamper import VERIFIER

    heading("9. tamper evidence: the case's bundle, checked offline, and an altered copy")

    def run(*argv: str) -> int:
        say(f"$ caseledger {' '.join(argv)}")
        args = build_parser().parse_args(list(argv))
        with acting_as(who.promotor_token):
            code = args.func(args, settings)
        sys.stdout.flush()
        return code

    case = CORRECTION_RECORDED[0][0]
    out = Path(tempfile.mkdtemp(prefix="caseledger-demo-")) / "case.json"
    ok = run("log", "--once") == 0 and run("audit", "bundle", case, "--out", str(out)) == 0

    def offline(path: Path) -> int:
        say(f"$ python infra/tamper/verifier.py {path.name}")
        done = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True)
        for line in done.stdout.splitlines()[-3:]:
            say("  " + line)
        return done.returncode

    ok = ok and offline(out) == 0
    bundle = json.loads(out.read_text())
    event = bundle["events"][min(1, len(bundle["events"]) - 1)]
    stored = bytearray(base64.b64decode(event["stored"]))
    stored[-1] ^= 1  # one bit of one stored event
    event["stored"] = base64.b64encode(bytes(stored)).decode()
    altered = out.with_name("case-altered.json")
    altered.write_text(json.dumps(bundle))
    say("a copy with one bit of one stored event flipped:")
    ok = ok and offline(altered) == 1
    say("the bundle proves the case complete and unaltered; the altered copy is refused" if ok
        else "the tamper-evidence check did NOT behave as expected")
    return ok


def erase_a_case(settings: Settings, plan, who: DemoPrincipals) -> bool:
    """Erase the first youth released in the year (D-19) as the gerente of the unit, then read the history."""
    from uuid import UUID

    from infra import bootstrap
    from infra.cli import build_parser
    from schemas.sealing import ERASED

    heading("9b. erasure of a released youth's personal data (LGPD arts. 16, 18 VI; D-19)")
    # The demo's year is 2025: a retention of 1 year (CASELEDGER_RETENTION_YEARS; 5 by default) has passed.
    settings = dataclasses.replace(settings, retention_years=1)
    case = next(c.command["case_id"] for c in plan if c.command["command"] == "release")
    ledger = bootstrap.ledger(settings)
    try:
        unit = ledger.unit(UUID(ledger.case(UUID(case)).stays[-1].unit_id)).unit_code
    finally:
        ledger.close()
    token = next(t for t, p in who.staff_tokens.items() if p.role.value == "gerente" and p.units == (unit,))

    def run(*argv: str) -> int:
        say(f"$ caseledger {' '.join(argv)}")
        args = build_parser().parse_args(list(argv))
        with acting_as(token, purpose="eliminação: conferência do histórico"):
            code = args.func(args, settings)
        sys.stdout.flush()
        return code

    ok = run("erase", case, "--basis", "LGPD art. 16; prazo de guarda cumprido", "--decision", "SEJUS-DEMO-1") == 0
    ok = ok and run("relay", "--once") == 0 and run("project", "--until-caught-up") == 0
    ok = ok and run("history", case, "--as-of", "2026-12-31") == 0
    ledger = bootstrap.ledger(settings)
    try:
        registration = ledger.mapper.to_domain_event(ledger.recorder.select_events(UUID(case), limit=1)[0])
    finally:
        ledger.close()
    ok = ok and registration.name == ERASED
    say(f"the stored registration's name now reads {registration.name!r}: the key is gone, the bytes are the same"
        if ok else "the erasure did NOT behave as expected")
    return ok
