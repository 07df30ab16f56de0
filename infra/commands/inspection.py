"""`caseledger inspection UNIT --date D`: the data an MP inspection of a unit needs (CNMP Res. 67).

Reads the unit's occupancy rows and the audit trail of every case that passed
through the unit, computes the report with `projections.inspection` and writes
it as Markdown (default) or a self-contained HTML page. Cases appear by id only.
"""

from __future__ import annotations

import argparse
import sys

from infra.commands.common import SCHEMA_HELP, CommandError, date_arg, fail, known_unit, read_cursor, schema_of
from infra.settings import Settings

EXAMPLES = """\
examples:
  caseledger inspection MT-CGB-INT-M --date 2025-06-30
  caseledger inspection MT-CGB-SL --date 2025-06-30 --from 2025-01-01
  caseledger inspection MT-CGB-INT-M --date 2025-06-30 --format html --out inspecao.html
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inspection", help="the data of an MP inspection of a unit on a day (CNMP Res. 67)",
        description="The figures an inspection by the Ministério Público asks for (CNMP Res. 67, Annexes "
        "I–IV), computed from the read models as of the end of DATE: the unit's identification, capacity "
        "and occupancy (peak and days over capacity in the period), adolescents by modality × age band × "
        "sex, separation (ECA 123), reassessment (ECA 121 §2), PIA within 45 days, disciplinary due "
        "process, visits and evasions. UNIT is the unit id or its code. Cases appear by id only.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--date", type=date_arg, required=True, metavar="DATE", help="the inspection day (YYYY-MM-DD)")
    p.add_argument("--from", dest="start", type=date_arg, metavar="DATE",
                   help="first day of the period for peaks, discipline and evasions (default: two months)")
    p.add_argument("--format", choices=("markdown", "html"), default="markdown")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.set_defaults(func=fail(cmd_inspection))


def cmd_inspection(args, settings: Settings) -> int:
    """The inspection report of a unit as of a day."""
    from infra.inspection_render import to_html, to_markdown
    from projections import queries
    from projections.inspection import inspection

    if args.start is not None and args.start > args.date:
        raise CommandError("--from is after --date")
    schema = schema_of(args, settings)
    with read_cursor(settings, schema) as cur:
        unit_id = known_unit(cur, schema, args.unit)
        data = queries.occupancy(cur, schema, unit_id)
        case_ids = sorted({m["case_id"] for m in data.movements})
        entries = {case_id: queries.stream_entries(cur, schema, case_id) for case_id in case_ids}
    report = inspection(unit_id, args.date, data, entries, args.start)
    text = to_html(report) if args.format == "html" else to_markdown(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"inspection report written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
