"""`caseledger schemas generate | check | list | publish | vectors`: the event contract.

The Avro schemas live in `schemas/avsc/<EventType>/v<N>.avsc`, generated from
the domain event classes; see docs/EVENT-CONTRACT.md.
"""

from __future__ import annotations

import argparse
import json
import sys

from infra.settings import Settings
from infra.tables import render_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schemas",
        help="generate, check, list and publish the Avro schemas of the events",
        description="The event contract: one Avro schema per event type, generated from the domain event "
        "classes, versioned as files, fully transitively compatible, published on a compacted Kafka topic.",
        epilog="examples:\n  caseledger schemas generate\n  caseledger schemas check\n"
        "  caseledger schemas list --json\n  caseledger schemas publish\n  caseledger schemas vectors",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ss = p.add_subparsers(dest="schemas_command", metavar="ACTION", required=True)

    def leaf(name: str, help: str, description: str, example: str, func) -> argparse.ArgumentParser:
        parser = ss.add_parser(name, help=help, description=description, epilog=f"example:\n  {example}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.set_defaults(func=func)
        return parser

    gen = leaf("generate", "write a new schema version for every event whose schema changed",
               "Generate the Avro schema of every domain event type from its class and write "
               "schemas/avsc/<EventType>/v<N+1>.avsc when it differs from the latest version. A change that "
               "is not backward and forward compatible with every earlier version is refused, with the "
               "event, version, field path and reason; nothing is written then.",
               "caseledger schemas generate --check", cmd_generate)
    gen.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 if a new version is due (for CI)")

    leaf("check", "verify the contract: no drift, full-transitive compatibility, golden vectors",
         "Fail (exit 1) if a domain event has no schema or differs from its latest version, if any version "
         "is not backward and forward compatible with all earlier ones, or if a golden vector no longer "
         "decodes.", "caseledger schemas check", cmd_check)

    ls = leaf("list", "show event types, versions and fingerprints",
              "List every schema version on disk (or, with --from-topic, on the catalogue topic): event "
              "type, version, fingerprint (CRC-64-AVRO, hex in wire order) and the number of personal fields.",
              "caseledger schemas list --json", cmd_list)
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.add_argument("--from-topic", action="store_true",
                    help="read the catalogue topic (settings.schema_catalogue_topic) instead of the files")

    leaf("publish", "write every schema version to the compacted catalogue topic",
         "Create the catalogue topic if needed (one partition, cleanup.policy=compact, retention.ms=-1) and "
         "write every schema version to it, keyed by fingerprint, with an idempotent acks=all producer. "
         "Safe to run again: compaction keeps one record per fingerprint.",
         "CASELEDGER_KAFKA_BOOTSTRAP=127.0.0.1:19092 caseledger schemas publish", cmd_publish)

    vec = leaf("vectors", "regenerate the golden vectors (example messages with their decoded JSON)",
               "Add to schemas/golden/vectors.json an example message of the latest version of every event "
               "type (hex) with its decoded JSON; vectors of earlier versions are kept.",
               "caseledger schemas vectors --check", cmd_vectors)
    vec.add_argument("--check", action="store_true", help="only verify the file; exit 1 on a problem")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_generate(args, settings: Settings) -> int:
    from schemas.errors import SchemaError
    from schemas.generate import generate_schemas, write_new_versions
    from schemas.store import default_store

    store = default_store()
    try:
        if args.check:
            due = [name for name, schema in generate_schemas().items() if store.differs_from_latest(name, schema)]
            for name in due:
                print(f"new version due: {name}")
            print("schemas are up to date" if not due else f"{len(due)} event type(s) need a new version; "
                  "run `caseledger schemas generate`")
            return 1 if due else 0
        written = write_new_versions(store)
    except SchemaError as exc:
        return _fail(str(exc))
    for version in written:
        print(f"wrote {version.label}  {version.fingerprint_hex}  {version.path}")
    if not written:
        print("schemas are up to date")
    return 0


def cmd_check(args, settings: Settings) -> int:
    from schemas.compatibility import check_store
    from schemas.errors import SchemaError
    from schemas.generate import generate_schemas
    from schemas.golden import VECTORS_PATH, verify_vectors
    from schemas.store import default_store

    store = default_store()
    problems: list[str] = []
    try:
        for name, schema in generate_schemas().items():
            if name not in store.event_types():
                problems.append(f"{name}: no schema; run `caseledger schemas generate`")
            elif store.differs_from_latest(name, schema):
                problems.append(f"{name}: the domain class differs from v{store.latest(name).version}; "
                                f"run `caseledger schemas generate`")
        problems += [str(p) for p in check_store(store)]
        if VECTORS_PATH.exists():
            problems += verify_vectors(store)
        else:
            problems.append(f"{VECTORS_PATH} is missing; run `caseledger schemas vectors`")
    except SchemaError as exc:
        problems.append(str(exc))
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {len(store.event_types())} event types, {len(store.all_versions())} versions, "
          "fully transitively compatible, golden vectors decode")
    return 0


def cmd_list(args, settings: Settings) -> int:
    from schemas.errors import SchemaError

    try:
        rows = _rows_from_topic(settings) if args.from_topic else _rows_from_files()
    except SchemaError as exc:
        return _fail(str(exc))
    except Exception as exc:  # broker unreachable, ...
        return _fail(f"cannot read {settings.schema_catalogue_topic} on {settings.kafka_bootstrap_servers}: {exc}")
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(render_table(rows, ["event_type", "version", "fingerprint", "fields", "personal_fields"],
                           ["EVENT TYPE", "VERSION", "FINGERPRINT", "FIELDS", "PERSONAL"]))
    return 0


def _count_fields(schema: dict) -> tuple[int, int]:
    """(top-level payload fields, personal fields anywhere) of an event schema."""
    personal = 0

    def walk(node) -> None:
        nonlocal personal
        if isinstance(node, list):
            for branch in node:
                walk(branch)
        elif isinstance(node, dict):
            for f in node.get("fields", []):
                personal += bool(f.get("personal"))
                walk(f["type"])
            if "items" in node:
                walk(node["items"])

    walk(schema)
    return len([f for f in schema.get("fields", []) if f["name"] != "envelope"]), personal


def _row(event_type: str, version: int, fingerprint: str, schema: dict) -> dict:
    fields, personal = _count_fields(schema)
    return {"event_type": event_type, "version": version, "fingerprint": fingerprint,
            "fields": fields, "personal_fields": personal}


def _rows_from_files() -> list[dict]:
    from schemas.store import default_store

    return [_row(v.event_type, v.version, v.fingerprint_hex, v.schema) for v in default_store().all_versions()]


def _rows_from_topic(settings: Settings) -> list[dict]:
    from schemas.catalogue import read_catalogue

    entries = read_catalogue(settings.kafka_bootstrap_servers, settings.schema_catalogue_topic).values()
    rows = [_row(e.event_type, e.version, e.fingerprint, e.schema) for e in entries]
    return sorted(rows, key=lambda r: (r["event_type"], r["version"]))


def cmd_publish(args, settings: Settings) -> int:
    from schemas.catalogue import publish_schemas
    from schemas.errors import SchemaError
    from schemas.store import default_store

    try:
        entries = publish_schemas(
            default_store(),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            topic=settings.schema_catalogue_topic,
            replication_factor=settings.topic_replication_factor,
            min_insync_replicas=settings.topic_min_insync_replicas,
        )
    except SchemaError as exc:
        return _fail(str(exc))
    except Exception as exc:  # kafka errors: say where we tried
        return _fail(f"publishing to {settings.schema_catalogue_topic} on {settings.kafka_bootstrap_servers} "
                     f"failed: {type(exc).__name__}: {exc}. Is the stack up? (`caseledger stack status`)")
    types = len({e.event_type for e in entries})
    print(f"published {len(entries)} schema versions of {types} event types to {settings.schema_catalogue_topic}")
    from infra.tamper.service import checkpoint_topic, publish_verifier_key
    line = publish_verifier_key(settings)  # the key that checks the ledger's checkpoints, with its contract
    print(f"published the transparency log's verifier key to {checkpoint_topic(settings)}: {line}")
    return 0


def cmd_vectors(args, settings: Settings) -> int:
    from schemas.errors import SchemaError
    from schemas.events import domain_events
    from schemas.golden import VECTORS_PATH, verify_vectors, write_vectors
    from schemas.store import default_store

    store = default_store()
    try:
        if not args.check:
            count = write_vectors(store, domain_events())
            print(f"wrote {count} vectors to {VECTORS_PATH}")
        problems = verify_vectors(store)
    except SchemaError as exc:
        return _fail(str(exc))
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    if args.check and not problems:
        print(f"ok: every vector in {VECTORS_PATH} decodes to its recorded datum")
    return 1 if problems else 0
