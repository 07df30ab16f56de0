"""`caseledger stack up | down | status`: the local Kafka and PostgreSQL servers."""

from __future__ import annotations

import argparse
import json
import sys

from infra import stack
from infra.settings import Settings
from infra.tables import render_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stack",
        help="start, stop or inspect the local Kafka and PostgreSQL servers",
        description="The local stack: a real Apache Kafka broker (KRaft, from Maven Central jars) — or a "
        "cluster of them — and a real PostgreSQL server, all on 127.0.0.1, started and stopped by pid. "
        "No Docker.",
        epilog="examples:\n  caseledger stack up\n  caseledger stack up --brokers 3   # RF 3, min ISR 2, as in "
        "production\n  caseledger stack status --json\n  caseledger stack down",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ss = p.add_subparsers(dest="stack_command", metavar="ACTION", required=True)
    up = ss.add_parser("up", help="start both servers (harmless if they already run)",
                       description="Start PostgreSQL and Kafka if they are not running, then wait until "
                       "each really serves: SELECT 1, and a Kafka produce+consume round trip. The first "
                       "run fetches the broker jars from Maven Central and formats the storage.")
    up.add_argument("--brokers", type=int, metavar="N",
                    help="combined broker+controller nodes (default: as remembered in the state dir, else "
                    "CASELEDGER_KAFKA_BROKERS, else 1). With 3, node i listens on the first node's ports + "
                    "10·(i-1), and topics get replication factor 3, min ISR 2. The count is remembered: "
                    "later commands use every node")
    up.set_defaults(func=cmd_up)
    down = ss.add_parser("down", help="stop the servers this stack started",
                         description="Stop the servers `stack up` started, by their recorded pids "
                         "(SIGTERM/fast shutdown, then SIGKILL after a grace period; the Kafka nodes of a "
                         "cluster all at once). Data is kept.")
    down.set_defaults(func=cmd_down)
    st = ss.add_parser("status", help="show whether each server is up and where it listens",
                       description="Show each server's state (up, starting, down, or foreign: another "
                       "process holds the port), pid and address — each Kafka node of a cluster on its own "
                       "row. Exit code 0 only if all are up.")
    st.add_argument("--json", action="store_true", help="print JSON instead of a table")
    st.set_defaults(func=cmd_status)


def cmd_up(args, settings: Settings) -> int:
    if args.brokers is not None:
        if args.brokers < 1:
            print("error: --brokers needs 1 or more", file=sys.stderr)
            return 2
        settings = settings.with_brokers(args.brokers)
    try:
        timings = stack.up(settings, echo=lambda m: print(m, file=sys.stderr))
    except stack.StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from infra.tamper.log import load_or_create_key
    load_or_create_key(settings.tlog_key_path)  # the transparency log's signing key (0600), once
    for row in stack.status(settings):
        took = timings.get(row["server"], 0.0)
        how = "already running" if took == 0 else f"started in {took:.1f} s"
        print(f"{row['server']:<9} up   {row['listens']:<28} pid {row['pid']}  ({how})")
    _first_administrator(settings)
    return 0


FIRST_ADMIN = "Administrador local"


def _first_administrator(settings: Settings) -> None:
    """A local stack with no administrator gets one, state-wide, whose token is printed this once
    (it is stored only hashed): with it, `caseledger users add` issues everyone else's."""
    import psycopg2

    from infra.persistence.principals import PrincipalStore

    principals = PrincipalStore(lambda: psycopg2.connect(settings.pg_dsn, connect_timeout=5))
    if any(p["role"] == "administrador" and p["active"] for p in principals.list()):
        return
    principal_id, token = principals.add(FIRST_ADMIN, "administrador", state=True)
    print(f"\nfirst administrator {principal_id} ({FIRST_ADMIN}); its token, shown this once:\n  {token}\n"
          "keep it safe: it acts as the administrator (--as TOKEN or CASELEDGER_TOKEN=TOKEN); add the other "
          "users with: caseledger users add NAME --role ROLE --unit CODE")


def cmd_down(args, settings: Settings) -> int:
    stopped = stack.down(settings)
    for name, was_running in stopped.items():
        print(f"{name:<9} {'stopped' if was_running else 'was not running'}")
    return 0


def cmd_status(args, settings: Settings) -> int:
    rows = stack.status(settings)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(render_table(rows, ["server", "state", "pid", "listens", "log"]))
        if any(r["state"] != "up" for r in rows):
            print("\nstart the stack with: caseledger stack up", file=sys.stderr)
    return 0 if all(r["state"] == "up" for r in rows) else 3
