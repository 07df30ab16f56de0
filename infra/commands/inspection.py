"""`caseledger inspection UNIT --date D`: the data an MP inspection of a unit needs (CNMP Res. 67).

Reads the unit's occupancy rows and the audit trail of every case that passed
through the unit, computes the report with `projections.inspection` and writes
it as Markdown (default) or a self-contained HTML page. Cases appear by id only.
"""

from __future__ import annotations

import argparse
import sys

from infra.commands.common import SCHEMA_HELP, CommandError, date_arg, fail, known_unit, read_cursor, schema_of
from application.read_policy import authorise_aggregates
from domain.rules import RuleViolation
from infra.commands.users import add_reader_args, authenticate, refused
from infra.settings import Settings

EXAMPLES = """\
examples:
  caseledger inspection MT-CGB-INT-M --date 2025-06-30
  caseledger inspection MT-CGB-SL --date 2025-06-30 --from 2025-01-01
  caseledger inspection MT-CGB-INT-M --date 2025-06-30 --format html --out inspecao.html
  caseledger inspection --coverage                # per CNMP form: items computed, recorded, missing, judgement
  caseledger inspection MT-CGB-SL --coverage      # only the forms of that unit's type (Anexos II and IV)
"""


def _moment(text: str):
    from infra.commands.queries import _moment as moment

    return moment(text)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inspection", help="the data of an MP inspection of a unit on a day (CNMP Res. 67)",
        description="The figures an inspection by the Ministério Público asks for (CNMP Res. 67, Annexes "
        "I–IV), computed from the read models as of the end of DATE: the unit's identification, capacity "
        "and occupancy (peak and days over capacity in the period), adolescents by modality × age band × "
        "sex, separation (ECA 123), reassessment (ECA 121 §2), PIA within 45 days, disciplinary due "
        "process, visits and evasions. UNIT is the unit id or its code. Cases appear by id only.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("unit", metavar="UNIT", nargs="?")
    p.add_argument("--date", "--as-of", dest="date", type=date_arg, metavar="DATE", help="the inspection day (YYYY-MM-DD; required for a report)")
    p.add_argument("--as-recorded-at", type=_moment, metavar="TIME",
                   help="report what the ledger held at TIME (later entries and corrections not applied)")
    p.add_argument("--from", dest="start", type=date_arg, metavar="DATE",
                   help="first day of the period for peaks, discipline and evasions (default: two months)")
    p.add_argument("--format", choices=("markdown", "html"), default="markdown")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--coverage", action="store_true",
                   help="print, per CNMP form (Anexos I–IV, Res. 84/2012), how many items the report computes, "
                   "how many have their data recorded but not computed yet, how many need data the ledger does not "
                   "record, and how many are the inspector's judgement (projections/cnmp67_items.json)")
    add_reader_args(p, personal=False)
    p.set_defaults(func=fail(cmd_inspection))


def cmd_inspection(args, settings: Settings) -> int:
    """The inspection report of a unit as of a day."""
    from infra.inspection_render import to_html, to_markdown
    from projections import queries
    from projections.inspection import inspection

    if args.coverage:
        return _coverage(args, settings)
    if args.unit is None or args.date is None:
        raise CommandError("give UNIT and --date DATE (or --coverage)")
    if args.start is not None and args.start > args.date:
        raise CommandError("--from is after --date")
    schema = schema_of(args, settings)
    principal = authenticate(settings, args.token)
    try:
        authorise_aggregates(principal)  # counts and case ids, no personal data: oversight reads it
    except RuleViolation as exc:
        raise refused(exc) from None
    with read_cursor(settings, schema) as cur:
        unit_id = known_unit(cur, schema, args.unit)
        data = queries.occupancy(cur, schema, unit_id, as_recorded_at=args.as_recorded_at)
        case_ids = sorted({m["case_id"] for m in data.movements})
        entries = {case_id: queries.stream_entries(cur, schema, case_id) for case_id in case_ids}
        entries[unit_id] = queries.stream_entries(cur, schema, unit_id)  # roster and inspections (CNMP67 2.1)
        try:  # E54: the checklist's schooling items; a stack whose schooling model has not run yet omits them
            schooling = queries.schooling_data(cur, schema, unit_id, case_ids)
        except queries.NotProjectedYet:
            schooling = None
    if args.as_recorded_at is not None:
        # The bitemporal point (--date is the valid day): only the entries recorded by then.
        entries = {k: [r for r in rows if r["recorded_at"] <= args.as_recorded_at] for k, rows in entries.items()}
    from infra.tamper.service import inspection_checkpoint

    report = inspection(unit_id, args.date, data, entries, args.start, inspection_checkpoint(settings, schema),
                        schooling)
    text = to_html(report) if args.format == "html" else to_markdown(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"inspection report written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _coverage(args, settings: Settings) -> int:
    """How the catalogue answers each form's items; with UNIT, only the forms of its unit type."""
    from projections import form_items, queries

    annexes = form_items.ANNEX_ORDER
    if args.unit is not None:
        schema = schema_of(args, settings)
        with read_cursor(settings, schema) as cur:
            unit_type = queries.occupancy(cur, schema, known_unit(cur, schema, args.unit)).profile().get("unit_type")
        annexes = form_items.annexes_for(unit_type)
    counts = form_items.coverage(annexes)
    rows = [(f"Anexo {annex}", c) for annex, c in counts.items()]
    rows.append(("total", {k: sum(c[k] for c in counts.values()) for k in form_items.ANSWERS}))
    rows.append(("distinct", {k: form_items.distinct(annexes)[k] for k in form_items.ANSWERS}))
    print(f"{'form':<10}{'computed':>10}{'recorded':>10}{'missing':>10}{'inspector':>11}{'items':>7}")
    for name, c in rows:
        print(f"{name:<10}{c['computed']:>10}{c['recorded']:>10}{c['missing']:>10}{c['inspector']:>11}"
              f"{sum(c.values()):>7}")
    print("computed: the report computes it; recorded: the ledger records the data, not computed yet; missing: the "
          "ledger does not record the data; inspector: the inspector's judgement. distinct: a question asked by "
          "several forms counted once. Each row of a checklist table is an item (\"3.13 #1\"); headings "
          "answered by their sub-items are not counted.")
    return 0
