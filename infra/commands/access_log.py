"""`caseledger access-log CASE`: who read a youth's record, when, and why (ECA arts. 143–144; R-61)."""

from __future__ import annotations

import argparse
import json
import sys

from infra.commands.common import add_parser, fail, jsonable, pg_unreachable
from infra.settings import Settings



def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "access-log", help="who read a youth's record, when and for what purpose",
                   description="List every read of a case's personal data (case view, history, case "
                   "lists) made through the CLI, the HTTP service and the web app, oldest first: when, who "
                   "(principal id and role), what was read, the purpose given and the channel. The log "
                   "is append-only. Acts as the principal of --as / CASELEDGER_TOKEN: the MP, the "
                   "Defensoria, judges, the unit's manager and the administrator may list it.",
                   examples="  caseledger access-log 3f2c…-…\n  caseledger access-log 3f2c…-… --json\n")
    p.add_argument("case", help="the case id")
    p.add_argument("--as", dest="token", metavar="TOKEN", help="act as the principal of TOKEN (default: CASELEDGER_TOKEN)")
    p.add_argument("--json", action="store_true", help="one JSON array, for machines")
    p.set_defaults(func=cmd_access_log)


@fail
def cmd_access_log(args, settings: Settings) -> int:
    import psycopg2

    from infra.bootstrap import pg_connector
    from infra.commands.users import authenticate
    from infra.persistence.access_log import AccessLog
    from infra.tables import render_table

    from application.read_policy import authorise_access_log
    from domain.rules import RuleViolation
    from infra.commands.users import refused

    principal = authenticate(settings, args.token)
    try:
        authorise_access_log(principal)
    except RuleViolation as exc:
        raise refused(exc) from None
    try:
        rows = AccessLog(pg_connector(settings, "caseledger-access-log")).of_case(args.case)
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    if args.json:
        print(json.dumps([{k: jsonable(v) for k, v in r.items()} for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print(f"no read of case {args.case} is on record", file=sys.stderr)
        return 0
    from domain.calendar import CUIABA

    shown = [{**r, "at": r["at"].astimezone(CUIABA).strftime("%Y-%m-%d %H:%M:%S")} for r in rows]
    print("times in Cuiabá; the log is append-only, so it keeps every read ever made")
    print(render_table(shown, ["at", "principal_id", "role", "what", "purpose", "channel"]))
    return 0
