"""`caseledger users add|list|revoke`: principals and their tokens; and how a command authenticates."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from infra.commands.common import CommandError, add_parser, fail, pg_unreachable
from infra.settings import Settings

HOW_TO_AUTHENTICATE = ("give your token with --as TOKEN or CASELEDGER_TOKEN=TOKEN; "
                       "an administrator issues one with: caseledger users add NAME --role ROLE --unit CODE")

EXAMPLES = """\
  caseledger users add "Ana Souza" --role gerente --unit MT-CGB-SL
                                  a gerente of one unit; prints her id and token ONCE
  caseledger users add "Promotoria Cuiabá" --role ministerio_publico --comarca Cuiabá
  caseledger users add "Superintendência" --role gestor_estadual --state --days 30
  caseledger users list           every principal: id, role, scope, active, expiry
  caseledger users revoke p-3f2a9c01b7e4
                                  the token stops working at once; the principal stays listed

Then record as that principal:
  CASELEDGER_TOKEN=<token> caseledger record commands.jsonl
  caseledger record --as <token> commands.jsonl

Tokens are random (256 bits), stored only as their SHA-256, and expire (default 90 days).
Roles: the domain's (gerente, psicologo, agente_socioeducativo, ministerio_publico,
defensor, …) and juiz, gestor_estadual, gestor_federal, conselho_de_direitos,
administrador, servico_de_transcricao. See docs/ACCESS.md for what each may record.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "users", help="principals (users, service accounts) and their tokens",
                   description="Add, list and revoke the principals commands are recorded as.", examples=EXAMPLES)
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="add a principal and print its token once")
    add.add_argument("name", help="the person's or service's name (shown in the list only)")
    add.add_argument("--role", required=True, help="its role (see `caseledger users --help`)")
    add.add_argument("--unit", action="append", default=[], metavar="CODE",
                     help="a unit code of its scope (repeat for several)")
    add.add_argument("--comarca", help="every unit of this comarca")
    add.add_argument("--state", action="store_true", help="every unit of the state")
    add.add_argument("--days", type=int, default=90, help="days until the token expires (default 90)")
    verbs.add_parser("list", help="list the principals")
    revoke = verbs.add_parser("revoke", help="revoke a principal's token")
    revoke.add_argument("id", help="the principal's id (from `users list`)")
    p.set_defaults(func=cmd_users)


def store(settings: Settings):
    from infra.bootstrap import pg_connector
    from infra.persistence.principals import PrincipalStore

    return PrincipalStore(pg_connector(settings, "caseledger-users"))


@fail
def cmd_users(args, settings: Settings) -> int:
    import psycopg2

    from application.principals import ROLES
    from infra.logs import get_logger

    try:
        if args.verb == "add":
            if args.role not in ROLES:
                raise CommandError(f"unknown role {args.role!r}; roles: {', '.join(ROLES)}")
            if not (args.unit or args.comarca or args.state):
                raise CommandError("give the principal's scope: --unit CODE (repeatable), --comarca NAME or --state")
            if args.days < 1:
                raise CommandError("--days must be at least 1")
            pid, token = store(settings).add(args.name, args.role, units=tuple(u.upper() for u in args.unit),
                                             comarca=args.comarca, state=args.state,
                                             valid_for=timedelta(days=args.days))
            # Never the name (personal data) nor the token: the id, role and scope size only.
            get_logger("users").info("principal_added", principal=pid, role=args.role, units=len(args.unit),
                                     comarca=bool(args.comarca), state=args.state, days=args.days)
            print(f"id:    {pid}\ntoken: {token}")
            print("The token is shown only now; it is stored hashed and cannot be shown again.", file=sys.stderr)
        elif args.verb == "list":
            for row in store(settings).list():
                principal = _principal(row)
                state = "active" if principal.active else "revoked"
                print(f"{principal.id}  {principal.role.value:<26} {state:<8} "
                      f"expires {principal.expires:%Y-%m-%d}  {principal.scope}  {principal.name}")
        else:
            if not store(settings).revoke(args.id):
                raise CommandError(f"no principal {args.id!r}; see: caseledger users list")
            get_logger("users").info("principal_revoked", principal=args.id)
            print(f"revoked {args.id}")
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    return 0


def _principal(row: dict):
    from application.principals import Principal

    return Principal(**row)


def authenticate(settings: Settings, token: str | None):
    """The principal of ``token`` (else of CASELEDGER_TOKEN); refused with how to authenticate."""
    import psycopg2

    token = token or os.environ.get("CASELEDGER_TOKEN") or ""
    if not token.strip():
        raise CommandError(f"no credential: {HOW_TO_AUTHENTICATE}")
    try:
        row = store(settings).by_token(token.strip())
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    if row is None:
        raise CommandError(f"the token is not known: {HOW_TO_AUTHENTICATE}")
    principal = _principal(row)
    if not principal.active:
        raise CommandError(f"the token of {principal.id} was revoked: {HOW_TO_AUTHENTICATE}")
    if not principal.valid_at():
        raise CommandError(f"the token of {principal.id} expired on {principal.expires:%Y-%m-%d}: "
                           f"{HOW_TO_AUTHENTICATE}")
    return principal


# -- the queries' principal ----------------------------------------------------------------------

PURPOSE_HELP = ("why you read this record (default: CASELEDGER_PURPOSE); it goes into the case's access log "
                "with who and when (ECA arts. 143–144), e.g. 'inspeção bimestral'")


def add_reader_args(p, *, personal: bool) -> None:
    """--as TOKEN for every query; --purpose too where the query reads a youth's record."""
    p.add_argument("--as", dest="token", metavar="TOKEN",
                   help="read as the principal of TOKEN (default: CASELEDGER_TOKEN)")
    if personal:
        p.add_argument("--purpose", metavar="TEXT", help=PURPOSE_HELP)


def refused(exc) -> CommandError:
    """A read refused by the read policy (R-61), as the CLI says it: code, what to do, the law; exit 3."""
    return CommandError(f"refused {exc.code}: {exc.message} [{exc.source}]", code=3)


def purpose_of(args) -> str:
    """The purpose of a read of a youth's record: --purpose, else CASELEDGER_PURPOSE; refused if neither."""
    purpose = (getattr(args, "purpose", None) or os.environ.get("CASELEDGER_PURPOSE") or "").strip()
    if not purpose:
        raise CommandError("say why you read this record: --purpose TEXT (or CASELEDGER_PURPOSE=TEXT), e.g. "
                           "--purpose 'inspeção bimestral'; it goes into the case's access log (ECA arts. 143–144)")
    return purpose
