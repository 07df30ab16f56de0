"""`caseledger replay`: rebuild read models from offset 0 into new generations, compare, switch."""

from __future__ import annotations

import argparse
import os

from infra.commands.common import SCHEMA_HELP, START_STACK, CommandError, add_parser, chosen_read_models, fail, \
    pg_unreachable, print_json, schema_of
from infra.settings import Settings
from infra.tables import render_table


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "replay", "rebuild read models from offset 0 into new generations, then switch",
                   "Rebuild each PROJECTION (default: every read model) from the beginning of its topics into "
                   "a new generation of its tables while the live one keeps serving — one pass over the "
                   "topics for all of them; when caught up, show how each new generation differs from the "
                   "live one and switch them all in one transaction. An event a read model cannot project is "
                   "dead-lettered and left out, as the running projection does (see caseledger dlq list), and "
                   "the report lists it; a dry run only lists it. If a server fails, the rebuild stops and "
                   "leaves the live tables as they were.",
                   "  caseledger replay                              every read model, one pass\n"
                   "  caseledger replay case_view\n"
                   "  caseledger replay unit_occupancy --dry-run     compare only, switch nothing\n")
    p.add_argument("projections", nargs="*", metavar="PROJECTION", help="read models to rebuild (default: all)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                   help="processes sharing the topics' partitions (default: %(default)s, one per core up to 2)")
    p.add_argument("--dry-run", action="store_true", help="rebuild and compare, then drop the new tables")
    p.add_argument("--keep", action="store_true", help="with --dry-run, keep the rebuilt tables to inspect")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=fail(cmd_replay), component="projection-replay")


def cmd_replay(args, settings: Settings) -> int:
    """Rebuild read models into new generations, in one pass over the topics, and switch."""
    import psycopg2
    from kafka.errors import KafkaError

    from consumers.replay import replay
    from infra.bootstrap import consumer_factory, pg_connector, producer_factory
    from infra.progress import Progress

    built = chosen_read_models(settings, args.projections)
    decode = built[0][1]  # every read model reads the same decoded events
    bar = Progress("rebuild " + ", ".join(p.name for p, _, _ in built))
    try:
        reports = replay([(projection, topics) for projection, _, topics in built], decode,
                         schema=schema_of(args, settings), connect_pg=pg_connector(settings, "caseledger-replay"),
                         make_consumer=consumer_factory(settings, client_id="caseledger-replay"),
                         make_producer=producer_factory(settings, client_id="caseledger-replay-dead-letter"),
                         dead_letter_topic=settings.dead_letter_topic,
                         dry_run=args.dry_run, keep=args.keep, workers=max(1, args.workers), progress=bar)
    except psycopg2.OperationalError as exc:
        bar.close()
        raise pg_unreachable(settings, exc) from None
    except (KafkaError, LookupError) as exc:
        bar.close()
        raise CommandError(f"Kafka at {settings.kafka_bootstrap_servers}: {exc}.\n{START_STACK}") from None
    bar.close()
    if args.json:
        print_json([{"projection": r.projection, "generation": r.generation, "previous": r.previous,
                     "events": r.events, "elapsed_s": round(r.elapsed_s, 3), "switched": r.switched,
                     "identical": r.identical,
                     "dead_lettered": [{"origin": "{}[{}]@{}".format(*f.origin), "reason": f.reason,
                                        "error_class": f.error_class} for f in r.dead_lettered],
                     "tables": [{"table": d.table, "live_rows": d.live_rows, "rebuilt_rows": d.rebuilt_rows,
                                 "only_live": d.only_live, "only_rebuilt": d.only_rebuilt, "changed": d.changed}
                                for d in r.diffs]} for r in reports])
    else:
        print("\n\n".join(render_replay_report(r) for r in reports))
    return 0


def render_replay_report(report) -> str:
    """A replay's outcome for people: what was switched, the differences per table, the events left out."""
    what = ("switched to" if report.switched else "kept (dry run)" if report.kept else "dropped (dry run)")
    head = (f"{report.projection}: rebuilt generation {report.generation} from {report.events:,} events in "
            f"{report.elapsed_s:.1f} s; {what} generation {report.generation}"
            f"{'' if report.previous is None else f' (live was {report.previous})'}")
    rows = [{"table": d.table, "live rows": d.live_rows, "rebuilt rows": d.rebuilt_rows,
             "only live": d.only_live, "only rebuilt": d.only_rebuilt, "changed": d.changed,
             "sample keys": ", ".join("/".join(map(str, k)) for k in d.sample_keys)} for d in report.diffs]
    cols = ["table", "live rows", "rebuilt rows", "only live", "only rebuilt", "changed", "sample keys"]
    out = head + "\n" + render_table(rows, cols)
    if report.dead_lettered:
        letters = [{"origin": f"{t}[{p}]@{o}", "reason": f.reason, "error class": f.error_class}
                   for f in report.dead_lettered for t, p, o in [f.origin]]
        out += (f"\n{len(report.dead_lettered)} event(s) could not be projected and were left out"
                f"{' (dead-lettered: caseledger dlq list)' if report.switched else ' (dry run: not dead-lettered)'}:\n"
                + render_table(letters, ["origin", "reason", "error class"]))
    return out
