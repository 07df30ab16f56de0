"""Tamper evidence: `caseledger log`, `caseledger verify`, `caseledger audit bundle` (docs/TAMPER-EVIDENCE.md)."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import psycopg2

from infra import bootstrap
from infra.commands.common import CommandError, add_parser, fail, pg_unreachable
from infra.commands.users import add_reader_args
from infra.settings import Settings

VERIFIER = Path(__file__).resolve().parents[1] / "tamper" / "verifier.py"


def register(sub) -> None:
    p = add_parser(sub, "log", "build the transparency log and sign checkpoints (long-running, or --once)",
                   "Follow the event store's notification log: one leaf per event (a hash of its stored "
                   "bytes, its stream, sequence, type and recorded time, chained to the previous event of "
                   "its stream — no personal data), a Merkle tree over all leaves, and an Ed25519-signed "
                   "checkpoint every N events or S seconds (CASELEDGER_LOG_CHECKPOINT_EVENTS, _S), stored "
                   "and published on the checkpoint topic. `log key` prints the verifier key auditors pin.",
                   "  caseledger log --once      # catch up, sign a checkpoint, exit\n"
                   "  caseledger log             # follow the ledger (a service)\n"
                   "  caseledger log key         # the public key, as a signed-note verifier key\n")
    p.add_argument("action", nargs="?", choices=("follow", "key"), default="follow")
    p.add_argument("--once", action="store_true", help="catch up, sign a checkpoint of it, then exit")
    p.set_defaults(func=fail(cmd_log), component="tlog")

    p = add_parser(sub, "verify", "check event store, transparency log, checkpoints and Kafka against each other",
                   "Re-hash every stored event and compare it with its leaf; check each stream's chain; "
                   "re-compute each checkpoint's root and stream map at its size, check its signature and "
                   "that the published copies agree; compare every Kafka record with its leaf. Names each "
                   "event or checkpoint that differs (first one first); exit status 1 if any.",
                   "  caseledger verify\n  caseledger verify --no-kafka\n")
    p.add_argument("--no-kafka", action="store_true", help="skip reading the event topics")
    p.set_defaults(func=fail(cmd_verify))


def register_audit(au) -> None:
    """`audit bundle`, beside `audit export` (infra/commands/queries.py)."""
    p = add_parser(au, "bundle", "a self-contained proof of one case's history, checkable offline",
                   "Export CASE's stored events, each with its leaf and inclusion proof, the signed "
                   "checkpoints up to the chosen one with consistency proofs between them, the case's entry "
                   "in the checkpoint's stream map (its completeness) and the public key. Check it anywhere "
                   f"with `python {VERIFIER.relative_to(VERIFIER.parents[2])} FILE` (standard library and "
                   "`cryptography` only).",
                   "  caseledger audit bundle 6f1c…-… --out case.json\n"
                   "  caseledger audit bundle 6f1c…-… --checkpoint 2000 --out case-at-2000.json\n"
                   "  python infra/tamper/verifier.py case.json\n")
    p.add_argument("case", metavar="CASE", help="the case (stream) id")
    p.add_argument("--checkpoint", type=int, metavar="N", help="tree size of the checkpoint (default: the latest)")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the bundle (JSON)")
    add_reader_args(p, personal=True)
    p.set_defaults(func=fail(cmd_audit_bundle))


def _store_schema(settings: Settings) -> str | None:
    return settings.eventsourcing_env().get("POSTGRES_SCHEMA") or None


def _open(settings: Settings):
    from infra.tamper import service
    try:
        app = bootstrap.ledger(settings)
        tlog = service.open_log(settings, _store_schema(settings))
        tlog.ensure()
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    return app, tlog


def cmd_log(args, settings: Settings) -> int:
    from infra.tamper import service
    from infra.tamper.log import LogIntegrityError, follow
    if args.action == "key":
        print(service.public_key_line(settings))
        return 0
    app, tlog = _open(settings)
    publish = service.publisher(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    import time
    t0 = time.monotonic()
    try:
        added = follow(tlog, app.recorder, bootstrap.codec().peek, once=args.once, publish=publish,
                       every_events=settings.tlog_checkpoint_events, every_s=settings.tlog_checkpoint_s,
                       stop=stop.is_set)
    except LogIntegrityError as exc:
        raise CommandError(f"{exc}. Run `caseledger verify` to see what differs.", code=1) from None
    finally:
        publish.close()
        app.close()
    cps = tlog.checkpoints()
    took = time.monotonic() - t0
    print(f"log: {tlog.tree.size:,} leaves ({added:,} new in {took:.1f} s, {added / max(took, 1e-9):,.0f}/s); "
          f"latest checkpoint: {cps[-1].size if cps else 'none'}")
    return 0


def cmd_verify(args, settings: Settings) -> int:
    from infra.tamper import service
    from infra.tamper.audit import verify_online
    app, tlog = _open(settings)
    try:
        stored, _ = service.stored_reader(app.recorder)
        report = verify_online(tlog, stored, bootstrap.codec().peek,
                               published=service.published_checkpoints(settings),
                               kafka=None if args.no_kafka else service.event_records(settings))
    finally:
        app.close()
    print(f"checked {report.events} stored events, {report.checkpoints} checkpoints (stored and published)"
          + ("" if args.no_kafka else f", {report.kafka_records} Kafka records"))
    for f in report.findings:
        print(f"DIFFERS: {f.message}")
    print("verified: store, log, checkpoints" + ("" if args.no_kafka else " and Kafka") + " agree"
          if report.ok else f"{len(report.findings)} differences; the first: {report.findings[0].message}")
    return 0 if report.ok else 1


def _authorise_bundle(args, settings: Settings, app) -> None:
    """The bundle holds the case's events as stored: a read of a youth's record (R-61), logged.

    Scoped from the store itself (the units the case is or was in), so a bundle needs no read model."""
    from uuid import UUID

    from application.read_policy import authorise_aggregates, authorise_case_read
    from domain.rules import RuleViolation
    from infra.commands.users import authenticate, purpose_of, refused
    from infra.reading import Reading

    principal = authenticate(settings, args.token)
    purpose = purpose_of(args)
    try:
        case = app.case(UUID(args.case))
    except (ValueError, RuleViolation):
        case = None
    try:
        if case is None:  # a unit's stream: its roster and inspections, no youth's record
            authorise_aggregates(principal)
            return
        units = []
        for unit_id in dict.fromkeys([*(s.unit_id for s in case.stays), case.unit_id]):
            if unit_id is not None:
                try:
                    units.append((str(unit_id), app.unit(unit_id).comarca))
                except RuleViolation:
                    units.append((str(unit_id), None))
        authorise_case_read(principal, args.case, units)
    except RuleViolation as exc:
        raise refused(exc) from None
    Reading(settings, "caseledger-audit-bundle").log(principal, [args.case], "audit bundle", purpose, "cli")


def cmd_audit_bundle(args, settings: Settings) -> int:
    from infra.tamper import service
    from infra.tamper.audit import BundleError, bundle
    app, tlog = _open(settings)
    try:
        _, by_id = service.stored_reader(app.recorder)
        b = bundle(tlog, by_id, args.case, args.checkpoint, published=service.published_checkpoints(settings))
        _authorise_bundle(args, settings, app)  # before the file is written
    except BundleError as exc:
        raise CommandError(str(exc)) from None
    finally:
        app.close()
    Path(args.out).write_text(json.dumps(b, indent=1) + "\n", encoding="utf-8")
    print(f"bundle of {args.case}: {len(b['events'])} events at checkpoint {b['checkpoint']} → {args.out}\n"
          f"check it offline: python {VERIFIER} {args.out}")
    return 0
