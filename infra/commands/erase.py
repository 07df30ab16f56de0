"""`caseledger erase CASE`: erase a released youth's personal data (D-19; LGPD arts. 16, 18 VI).

Two steps, in this order, each safe to repeat: the erasure is recorded in the ledger (as the
principal: the gerente of the youth's last unit, after the retention period), then the youth's data
key is destroyed as the database owner. A run interrupted between them is finished by running the
same command again: an erased case whose key still exists gets its key destroyed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from infra.commands.common import CommandError, add_parser, fail
from infra.settings import Settings

EXAMPLES = """\
  CASELEDGER_TOKEN=<gerente's token> caseledger erase 0001234-56.2019.8.11.0041 \\
      --basis "LGPD art. 16; prazo de guarda da tabela de temporalidade cumprido" --decision SEJUS-2031-77

What changes: every personal value of the case (name, documents, filiation, address, free text)
reads as "(erased)" — in the history, on Kafka and in the event store — because the key that
sealed them is gone; dates and sex read as unknown. What stays: the events and their bytes (so the
tamper-evident log still verifies), who recorded what and when, the clocks and counts, and the
erasure itself, with its basis, in the case's history. Other youths' data are untouched.

Refused (exit 3) while the case is active, before the retention period after the release ends
(CASELEDGER_RETENTION_YEARS, default 5), or by a role other than the gerente of the unit.
Running processes (web server, projections) forget their cached key within 5 minutes.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "erase", "erase a released youth's personal data (destroys the youth's key)",
                   "Record the erasure of a case's personal data and destroy the youth's data key "
                   "(D-19; LGPD arts. 16, 18 VI; Lei 8.159/1991 art. 9).", EXAMPLES)
    p.add_argument("case", metavar="CASE", help="the case id, or the execution process number")
    p.add_argument("--basis", required=True, help="the legal basis (a law and article; no personal data)")
    p.add_argument("--decision", required=True, metavar="PROTOCOL",
                   help="the protocol of the controller's decision to erase (Reg. art. 14 XV)")
    p.add_argument("--as", dest="token", metavar="TOKEN",
                   help="record as the principal of TOKEN (default: CASELEDGER_TOKEN)")
    p.set_defaults(func=cmd_erase)


@fail
def cmd_erase(args, settings: Settings) -> int:
    from uuid import UUID

    from infra import bootstrap
    from infra.command_input import RawCommand
    from infra.commands.queries import _case_id
    from infra.commands.users import authenticate
    from infra.logs import get_logger
    from infra.persistence.keys import destroy_subject_key
    from infra.recording import apply_command

    principal = authenticate(settings, args.token)
    case_id = _case_id(args.case)
    log = get_logger("erase")
    ledger = bootstrap.recording_ledger(settings)
    try:
        outcome = apply_command(ledger, RawCommand(1, {
            "command": "erase_personal_data", "case_id": case_id, "basis": args.basis,
            "decision_protocol": args.decision, "occurred_at": datetime.now(timezone.utc).isoformat()}),
            settings.input_limits, attempts=settings.write_attempts, principal=principal)
        # Refused as erased already (D-19, after the role and scope checks passed): finish the key.
        finishing = not outcome.accepted and outcome.code == "D-19" and _erased_already(ledger, case_id)
    finally:
        ledger.close()
    if not outcome.accepted and not finishing:
        raise CommandError(f"refused {outcome.code}: {outcome.message}" + (f" [{outcome.source}]" if outcome.source
                                                                           else "") + ". Nothing was erased.", code=3)
    destroyed = destroy_subject_key(bootstrap.pg_connector(settings, "caseledger-erase"), UUID(case_id))
    log.info("subject_data_erased", case_id=case_id, key_destroyed=destroyed, finishing=finishing)
    if finishing:
        print(f"case {case_id} was already erased; " + ("its data key is destroyed now." if destroyed else
                                                        "its data key was destroyed before: nothing left to do."))
    else:
        version = outcome.events[0]["version"] if outcome.events else "?"
        print(f"erased: case {case_id} (entry {version}); its data key is destroyed"
              + ("" if destroyed else " (it had none)") + ".\n"
              f"Its history still reads, personal values shown as (erased): caseledger history {case_id} "
              "--purpose ...", file=sys.stdout)
    return 0


def _erased_already(ledger, case_id: str) -> bool:
    from uuid import UUID

    from domain.rules import RuleViolation

    try:
        return getattr(ledger.case(UUID(case_id)), "erased_on", None) is not None
    except RuleViolation:
        return False
