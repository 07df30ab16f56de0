"""`caseledger serve`: the ledger as an HTTP service on loopback (commands, queries, live feed)."""

from __future__ import annotations

import argparse

from infra import logs
from infra.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the ledger over HTTP: commands, read models, the live event feed",
        description="Start the HTTP API (FastAPI on uvicorn). POST /api/commands takes what `caseledger "
        "record` takes (one command, an array, or JSON lines) and answers each with the same outcome: "
        "200 all recorded, 422 refused by a rule (code, message and legal source per command), 409 a "
        "write conflict that outlived the retries, 400 unreadable input, 413 too large, 503 a server "
        "down. GET /api/cases, /api/cases/ID, /api/cases/ID/history?as_of=|as_recorded_at=, "
        "/api/clocks, /api/units/UNIT/occupancy, /api/status serve the read models; GET /api/events is "
        "a server-sent-events feed of every recorded event (id = notification id; reconnect with "
        "Last-Event-ID to resume without loss or duplicate). The OpenAPI description is at /docs and "
        "/openapi.json. Listens on 127.0.0.1 unless told otherwise: put a TLS proxy in front of it for "
        "anything beyond this machine.",
        epilog="examples:\n  caseledger serve                       # http://127.0.0.1:8400/ (web app), /docs (API)\n"
        "  caseledger serve --demo                # the demo's year, after `caseledger demo`\n"
        "  caseledger serve --port 9000\n"
        "  curl -s localhost:8400/api/cases?unit=MT-CGB-SL | jq .total\n"
        "  curl -N localhost:8400/api/events -H 'Last-Event-ID: 1200'\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8400, help="port (default 8400)")
    p.add_argument("--demo", action="store_true", help="serve the data of the last `caseledger demo` "
                   "(its own schemas and topics) instead of the configured ledger")
    p.set_defaults(func=cmd_serve, component="serve")


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from infra.web.api import create_app

    if args.demo:
        from infra.commands.demo import demo_settings

        settings = demo_settings(settings)
    log = logs.get_logger("serve")
    log.info("serve_starting", host=args.host, port=args.port)
    print(f"CaseLedger on http://{args.host}:{args.port}/ — the web app at /, the API's OpenAPI at /docs; "
          "Ctrl-C stops it", flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=5)
    return 0
