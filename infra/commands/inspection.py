"""`caseledger inspection UNIT --date D`: the data an MP inspection of a unit needs (CNMP Res. 67).

Reads the unit's occupancy rows and the audit trail of every case that passed
through the unit, computes the report with `projections.inspection` and writes
it as Markdown (default) or a self-contained HTML page. Cases appear by id only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
  caseledger inspection MT-CGB-INT-M --date 2025-06-30 --format json
the inspector's part (a promotor's token; the report and the answers become ONE event of the unit):
  caseledger inspection MT-CGB-INT-M --items > respostas.json     # the judgement items to answer
  caseledger inspection MT-CGB-INT-M --date 2025-06-30 --answers respostas.json --file
  caseledger inspection MT-CGB-INT-M --filings                    # the reports filed, in the unit's history
  caseledger inspection MT-CGB-INT-M --filed 3f2c…-… --format html --out inspecao.html   # reissued as filed
  caseledger inspection MT-CGB-INT-M --filed 3f2c…-… --verify     # computed again at its bitemporal point
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
    p.add_argument("--format", choices=("markdown", "html", "json"), default="markdown")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--coverage", action="store_true",
                   help="print, per CNMP form (Anexos I–IV, Res. 84/2012), how many items the report computes, "
                   "how many have their data recorded but not computed yet, how many need data the ledger does not "
                   "record, and how many are the inspector's judgement (projections/cnmp67_items.json)")
    g = p.add_argument_group("the inspector's part (CNMP67 art. 2: the report of each inspection)")
    g.add_argument("--answers", metavar="FILE",
                   help="the promotor's answers to the form's judgement items (JSON; see below). Alone: the report "
                   "with the answers, nothing recorded; with --file: filed")
    g.add_argument("--file", action="store_true",
                   help="file the report: the figures computed as recorded now (or at --as-recorded-at) and the "
                   "answers, as one InspectionRecorded event of the unit (immutable; an MP principal)")
    g.add_argument("--filed", metavar="ID",
                   help="reissue a filed report exactly as filed (its inspection id or its entry number in the "
                   "unit's history; --filings lists them)")
    g.add_argument("--verify", action="store_true",
                   help="with --filed: compute the report again at its bitemporal point and say whether the "
                   "figures are the same")
    g.add_argument("--filings", action="store_true", help="the reports filed in the unit's history")
    g.add_argument("--items", action="store_true",
                   help="print the judgement items of the unit's forms as an answers file to fill in")
    add_reader_args(p, personal=False)
    p.set_defaults(func=fail(cmd_inspection))
    from infra.inspection_filing import ANSWER_FILE_HELP

    p.epilog = EXAMPLES + "\n" + ANSWER_FILE_HELP


def cmd_inspection(args, settings: Settings) -> int:
    """The inspection report of a unit as of a day; filed with the inspector's answers, or reissued."""
    import datetime as dt

    from infra import inspection_filing as filing_mod
    from projections import queries

    if args.coverage:
        return _coverage(args, settings)
    if args.unit is None:
        raise CommandError("give UNIT and --date DATE (or --coverage)")
    schema = schema_of(args, settings)
    principal = authenticate(settings, args.token)
    try:
        authorise_aggregates(principal)  # counts and case ids, no personal data: oversight reads it
    except RuleViolation as exc:
        raise refused(exc) from None
    if args.items:
        with read_cursor(settings, schema) as cur:
            unit_type = queries.occupancy(cur, schema, known_unit(cur, schema, args.unit)).profile().get("unit_type")
        print(json.dumps(filing_mod.answers_template(unit_type), ensure_ascii=False, indent=2))
        return 0
    if args.filings or args.filed:
        return _filed(args, settings, schema)
    if args.date is None:
        raise CommandError("give --date DATE (the inspection day), or --filed ID to reissue a filed report")
    if args.start is not None and args.start > args.date:
        raise CommandError("--from is after --date")
    visit = None
    if args.answers:
        try:
            with open(args.answers, encoding="utf-8") as f:
                visit = filing_mod.read_answers(f.read())
        except OSError as exc:
            raise CommandError(f"cannot read {args.answers}: {exc.strerror}") from None
        except filing_mod.FilingError as exc:
            raise CommandError(str(exc)) from None
    elif args.file:
        raise CommandError("--file files the inspector's answers with the report: give --answers FILE")
    # A report is computed at a fixed recording time (now, unless given), so that computing it again
    # as recorded at that time gives the same figures: the bitemporal point it states.
    as_recorded_at = args.as_recorded_at
    if as_recorded_at is None:
        as_recorded_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    report = _compute(settings, schema, args.unit, args.date, args.start, as_recorded_at)
    filing = None
    if visit is not None:
        from projections.form_items import answer_problems

        problems = answer_problems(visit["answers"], report.identification.unit_type)
        if problems:
            raise CommandError("the answers do not fit the form (R-63; CNMP Res. 67, Annexes I–IV as worded by "
                               "Res. 84/2012): " + "; ".join(problems) + ". Nothing was recorded.")
        if args.file:
            filing = _file(settings, principal, report, visit, as_recorded_at, args.start)
        else:
            filing = filing_mod.Filing(
                inspection_id="(não arquivado)", sequence=0, kind=visit["kind"], inspected_at=visit["inspected_at"],
                promotor_id=visit["promotor_id"], filed_at=dt.datetime.now(dt.timezone.utc), answers=visit["answers"],
                facts_on=report.on, period_start=report.period_start,
                recorded_as_of=report.recorded_as_of or dt.datetime.now(dt.timezone.utc),
                snapshot="", snapshot_sha256="(não arquivado)")
    _write(args, report, filing)
    return 0


def _compute(settings: Settings, schema: str, unit: str, on, start, as_recorded_at):
    """The report of UNIT at the end of ON, from what the ledger held at AS_RECORDED_AT (None: all)."""
    from infra.tamper.service import inspection_checkpoint
    from projections import queries
    from projections.inspection import inspection

    with read_cursor(settings, schema) as cur:
        unit_id = known_unit(cur, schema, unit)
        data = queries.occupancy(cur, schema, unit_id, as_recorded_at=as_recorded_at)
        case_ids = sorted({m["case_id"] for m in data.movements})
        entries = {case_id: queries.stream_entries(cur, schema, case_id) for case_id in case_ids}
        entries[unit_id] = queries.stream_entries(cur, schema, unit_id)  # roster and inspections (CNMP67 2.1)
        try:  # E54: the checklist's schooling items; a stack whose schooling model has not run yet omits them
            schooling = queries.schooling_data(cur, schema, unit_id, case_ids)
        except queries.NotProjectedYet:
            schooling = None
    if as_recorded_at is not None:
        # The bitemporal point (--date is the valid day): only the entries recorded by then.
        entries = {k: [r for r in rows if r["recorded_at"] <= as_recorded_at] for k, rows in entries.items()}
    report = inspection(unit_id, on, data, entries, start, inspection_checkpoint(settings, schema), schooling)
    return dataclasses.replace(report, recorded_as_of=as_recorded_at)


def _file(settings: Settings, principal, report, visit, as_recorded_at, start):
    """Record the report and the answers as one InspectionRecorded event, through `execute` as the principal."""
    import datetime as dt
    import hashlib

    from infra import bootstrap
    from infra import inspection_filing as filing_mod
    from infra.command_input import RawCommand
    from infra.recording import apply_command

    snapshot = filing_mod.encode(report)
    digest = hashlib.sha256(snapshot.encode("utf-8")).hexdigest()
    answers = [{"item": a.item, "choices": list(a.choices), "text": a.text} for a in visit["answers"]]
    payload = {
        "command": "record_inspection", "unit_id": report.unit_id, "kind": visit["kind"],
        "inspected_at": visit["inspected_at"].isoformat(), "promotor_id": visit["promotor_id"],
        "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(), "answers": answers,
        "report": {"facts_on": report.on.isoformat(), "period_start": report.period_start.isoformat(),
                   "recorded_as_of": as_recorded_at.isoformat(), "snapshot": snapshot, "snapshot_sha256": digest},
        # Filing the same answers for the same figures twice records one event (D-17).
        "command_id": "inspection-report:" + hashlib.sha256(
            json.dumps([report.unit_id, digest, answers, visit["inspected_at"].isoformat()],
                       sort_keys=True).encode()).hexdigest()[:32],
    }
    if visit.get("inspection_id"):
        payload["inspection_id"] = visit["inspection_id"]
    # The snapshot is one text far longer than a typed command's: this path computed it itself.
    limits = dataclasses.replace(settings.input_limits, max_command_bytes=1024 * 1024,
                                 max_text_bytes=1024 * 1024)
    ledger = bootstrap.recording_ledger(settings)
    try:
        outcome = apply_command(ledger, RawCommand(1, payload), limits, attempts=settings.write_attempts,
                                principal=principal)
    finally:
        ledger.close()
    if not outcome.accepted:
        raise CommandError(f"{outcome.code}: {outcome.message}" + (f" ({outcome.source})" if outcome.source else "")
                           + ". Nothing was recorded.")
    inspection_id = str(outcome.result)
    print(f"inspection report filed: inspection {inspection_id}, facts of {report.on.isoformat()} as recorded at "
          f"{as_recorded_at.isoformat()}, sha256 {digest}" + (" (already filed)" if outcome.replayed else ""),
          file=sys.stderr)
    return filing_mod.Filing(
        inspection_id=inspection_id, sequence=0, kind=visit["kind"], inspected_at=visit["inspected_at"],
        promotor_id=visit["promotor_id"], filed_at=dt.datetime.now(dt.timezone.utc), answers=visit["answers"],
        facts_on=report.on, period_start=report.period_start, recorded_as_of=as_recorded_at, snapshot=snapshot,
        snapshot_sha256=digest)


def _filed(args, settings: Settings, schema: str) -> int:
    """List the filed reports of the unit, or reissue one as filed (and, with --verify, check it)."""
    from infra import inspection_filing as filing_mod
    from infra.tables import render_table
    from projections import queries

    with read_cursor(settings, schema) as cur:
        unit_id = known_unit(cur, schema, args.unit)
        rows = queries.stream_entries(cur, schema, unit_id)
    if args.filings:
        found = filing_mod.filings(rows)
        if not found:
            print("no inspection report filed in the unit's history (`--answers FILE --file` files one)")
            return 0
        print(render_table([{"seq": f.sequence, "inspection": f.inspection_id, "facts_on": f.facts_on.isoformat(),
                             "recorded_as_of": f.recorded_as_of.isoformat(), "filed_at": f.filed_at.isoformat(),
                             "answers": len(f.answers), "sha256": f.snapshot_sha256[:16]} for f in found],
                           ["seq", "inspection", "facts_on", "recorded_as_of", "filed_at", "answers", "sha256"]))
        return 0
    try:
        filing = filing_mod.find_filing(rows, args.filed)
    except filing_mod.FilingError as exc:
        raise CommandError(str(exc)) from None
    report = filing_mod.decode(filing.snapshot)
    if args.verify:
        again = _compute(settings, schema, unit_id, filing.facts_on, filing.period_start, filing.recorded_as_of)
        same = filing_mod.figures(again) == filing_mod.figures(report)
        print(f"filed report {filing.inspection_id}: computed again as recorded at {filing.recorded_as_of.isoformat()}, "
              f"the figures are {'the same' if same else 'DIFFERENT'}"
              + ("" if same else " (the read models or the report's code changed since the filing)"))
        return 0 if same else 1
    _write(args, report, filing)
    return 0


def _write(args, report, filing) -> None:
    from infra.inspection_filing import filing_blocks, to_json
    from infra.inspection_render import to_html, to_markdown

    extra = filing_blocks(filing, report.identification.unit_type) if filing is not None else ()
    text = (to_html(report, extra) if args.format == "html" else to_json(report, filing) if args.format == "json"
            else to_markdown(report, extra))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"inspection report written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


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
