"""The ledger over HTTP: the commands of `caseledger record`, the read models' queries, and a live feed.

One ASGI app (FastAPI), served by `caseledger serve` on loopback. It adds no rule and no query of
its own: a command goes through `infra.recording.apply_command` — the path of `caseledger record`,
hence `application.commands.execute` — and answers with the same outcome (rule code, message,
legal source); the queries are `projections.queries` and the legal clocks, as the CLI prints them.

Who asks: every request passes `who_asks` (one dependency, below); that is where the principal of
the identity and access policy is authenticated, and `execute` authorises it.

The live feed (`GET /api/events`) is server-sent events of the event store's notification log: the
SSE id is the notification id, so a client that reconnects with `Last-Event-ID` (or `?after=`) gets
every later event once, in commit order; the data is what Kafka carries (type, stream, sequence and
the Avro single-object bytes, base64), decodable with the published .avsc files alone.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import json
import threading
from contextlib import contextmanager
from typing import Any, AsyncIterator, Iterator

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.rules import RuleViolation
from infra.command_input import CommandInputError, decode_input, parse_commands
from infra.commands.common import jsonable
from application.read_policy import authorise_aggregates, authorise_case_read, entry_filtered
from infra.reading import PurposeRequired, Reading
from infra.settings import Settings
from infra.web import SESSION_COOKIE

KEEP_ALIVE_S = 15.0  # an SSE comment this often, so proxies and clients keep an idle feed open
FEED_BATCH = 500
PAGE_MAX = 500


def _problem(status: int, code: str, message: str, **more: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **more}}, status_code=status)


def create_app(settings: Settings, ledger: Any = None) -> FastAPI:
    """The app on these settings; `ledger` is the recording ledger (made from the settings if None)."""
    from infra import bootstrap

    app = FastAPI(title="CaseLedger", version="1", summary="The SINASE case ledger of Mato Grosso: "
                  "commands checked against the law, read models, and the live event feed.")
    state: dict[str, Any] = {"ledger": ledger}
    write_lock = threading.Lock()  # one ledger, one writer at a time (its aggregate cache is not shared)

    def the_ledger() -> Any:
        if state["ledger"] is None:
            state["ledger"] = bootstrap.recording_ledger(settings)
        return state["ledger"]

    @app.on_event("shutdown")
    def _close() -> None:
        if state["ledger"] is not None:
            state["ledger"].close()

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return _problem(400, "INPUT", f"{where or 'request'}: {first.get('msg', 'invalid')}", where=where)

    @app.exception_handler(RuleViolation)
    async def _refused(request: Request, exc: RuleViolation) -> JSONResponse:
        return _problem(403, exc.code, exc.message, source=exc.source)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "INPUT", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD",
                503: "UNAVAILABLE"}.get(exc.status_code, "HTTP")
        return _problem(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a traceback to a client: the class names what failed; the log has the rest.
        from infra.startup import server_away

        away = server_away(exc)
        if away:
            return _problem(503, "UNAVAILABLE", f"{away}; try again in a moment (`caseledger status` shows which)")
        return _problem(500, "INTERNAL", f"the server failed ({type(exc).__name__}); nothing partial was recorded")

    def who_asks(request: Request, authorization: str | None = Header(default=None)) -> Any:
        """The principal of the request: its bearer token, or the web app's sign-in cookie.

        The one place a request is authenticated; `execute` (commands) and `application.read_policy`
        (queries) authorise that principal. The server's own environment never lends a token."""
        from infra.commands.common import CommandError
        from infra.commands.users import authenticate

        token = ""
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        token = token or request.cookies.get(SESSION_COOKIE, "").strip()
        if not token:
            raise HTTPException(401, "no credential: send 'Authorization: Bearer <token>' — an administrator "
                                "issues tokens with `caseledger users add`")
        try:
            return authenticate(settings, token)
        except CommandError as exc:
            raise HTTPException(401, str(exc)) from None

    app.state.who_asks = who_asks
    reading = Reading(settings, "caseledger-serve")

    def logged(principal: Any, case_ids: list[str], what: str, purpose: str | None, channel: str = "api") -> None:
        """Every read of a youth's record is logged with who, when, which case and why (R-61)."""
        try:
            reading.log(principal, case_ids, what, purpose, channel)
        except PurposeRequired as exc:
            raise HTTPException(400, f"purpose: {exc} (`?purpose=...`, e.g. 'inspeção bimestral')") from None

    app.state.logged = logged
    case_units, readable = reading.case_units, reading.readable
    app.state.case_units, app.state.readable = case_units, readable

    # -- commands ----------------------------------------------------------------------------

    @app.post("/api/commands", tags=["commands"],
              summary="Record one command, an array of commands, or JSON lines — as `caseledger record`")
    async def record(request: Request, principal: Any = Depends(who_asks),
                     idempotency_key: str | None = Header(
                         default=None, alias="Idempotency-Key",
                         description="a retry key: a command sent again with it is answered with its first "
                                     "result and recorded once (a command's own \"command_id\" field does the same)"),
                     ) -> JSONResponse:
        from infra.recording import apply_command

        limits = settings.input_limits
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limits.max_input_bytes:
            return _problem(413, "INPUT", f"the request holds {declared} bytes; at most "
                            f"{limits.max_input_bytes} are accepted: send fewer commands per request")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limits.max_input_bytes:
                return _problem(413, "INPUT", f"the request is larger than {limits.max_input_bytes} bytes: "
                                "send fewer commands per request")
        try:
            commands = parse_commands(decode_input(bytes(body), limits))
        except CommandInputError as exc:
            return _problem(400, "INPUT", f"{exc.where + ': ' if exc.where else ''}{exc.message}; nothing was recorded",
                            where=exc.where)

        key = idempotency_key
        if key is not None:
            # A client's retry key (D-17): the command id of each command that has none; with more
            # than one command, suffixed by its rank, so a retried request gives every command its id again.
            from application.idempotency import valid_command_id

            problem = valid_command_id(key) if len(key) <= 190 else "an Idempotency-Key has at most 190 characters"
            if problem:
                return _problem(400, "INPUT", f"Idempotency-Key: {problem}; nothing was recorded", where="Idempotency-Key")
            commands = [c if "command_id" in c.payload else
                        dataclasses.replace(c, payload={**c.payload, "command_id": key if len(commands) == 1
                                                        else f"{key}#{n}"})
                        for n, c in enumerate(commands, 1)]

        def apply_all() -> list[dict]:
            outcomes = []
            with write_lock:
                ledger = the_ledger()
                for raw in commands:
                    outcome = apply_command(ledger, raw, limits, attempts=settings.write_attempts,
                                            principal=principal)
                    outcomes.append(outcome)
                    if outcome.halts:
                        break
            return [o.as_dict() | ({"halts": True} if o.halts else {}) for o in outcomes]

        outcomes = await asyncio.to_thread(apply_all)
        refused = [o for o in outcomes if not o["accepted"]]
        status = 200
        if any(o.get("halts") for o in outcomes):
            status = 503
        elif any(o.get("code") == "CONFLICT" for o in refused):
            status = 409
        elif refused:
            status = 422  # understood, and refused by the law or the schema: see each outcome's code and source
        return JSONResponse(jsonable({"recorded": len(outcomes) - len(refused), "refused": len(refused),
                                      "not_tried": len(commands) - len(outcomes), "outcomes": outcomes}),
                            status_code=status)

    @app.get("/api/commands", tags=["commands"], summary="The commands, with a one-line summary each")
    def command_list() -> dict:
        from application.commands import COMMANDS

        return {"commands": [{"name": n, "summary": COMMANDS[n].summary} for n in sorted(COMMANDS)]}

    @app.get("/api/commands/{name}/example", tags=["commands"], summary="A complete example of a command")
    def command_example(name: str) -> dict:
        from application.commands import COMMANDS
        from infra.recording import command_example as example

        if name not in COMMANDS:
            raise HTTPException(404, f"no command {name!r}; GET /api/commands lists them")
        return example(name)

    # -- queries -------------------------------------------------------------------------------

    @contextmanager
    def cursor() -> Iterator[Any]:
        from infra.commands.common import CommandError, read_cursor

        try:
            with read_cursor(settings, settings.projection_schema) as cur:
                yield cur
        except CommandError as exc:
            raise HTTPException(503, str(exc)) from None

    def today() -> dt.date:
        from domain.calendar import CUIABA

        return dt.datetime.now(CUIABA).date()

    @app.get("/api/cases", tags=["queries"], summary="Cases of the case view, filtered and paginated")
    def cases(unit: str | None = None, status: str | None = None, modality: str | None = None,
              alert: bool = False, as_of: dt.date | None = None, limit: int = Query(100, ge=1, le=PAGE_MAX),
              offset: int = Query(0, ge=0), purpose: str | None = None, principal: Any = Depends(who_asks)) -> dict:
        from projections import queries
        from projections.legal_clocks import clocks_for

        on = as_of or today()
        with cursor() as cur:
            views = readable(cur, principal, queries.cases(cur, settings.projection_schema))
            unit_id = _unit_or_none(cur, settings.projection_schema, unit)
        rows = []
        for view in sorted(views, key=lambda v: (v.unit_id or "", v.case_id)):
            if unit_id and (view.unit_id or view.released_from_unit_id) != unit_id:
                continue
            if (status and view.status != status) or (modality and view.modality != modality):
                continue
            alerts = [c.clock for c in clocks_for(view, on) if c.alert]
            if alert and not alerts:
                continue
            rows.append({**view.as_row(on), "alerts": alerts})
        page = rows[offset:offset + limit]
        logged(principal, [r["case_id"] for r in page], "case list", purpose)
        return jsonable({"as_of": on, "total": len(rows), "offset": offset, "limit": limit, "cases": page})

    @app.get("/api/cases/{case_id}", tags=["queries"], summary="One case, with its legal clocks")
    def case(case_id: str, as_of: dt.date | None = None, purpose: str | None = None,
             principal: Any = Depends(who_asks)) -> dict:
        from projections import queries
        from projections.legal_clocks import clocks_for

        on = as_of or today()
        with cursor() as cur:
            try:
                view = queries.case(cur, settings.projection_schema, case_id)
            except KeyError:
                raise HTTPException(404, f"no case {case_id} in the case view; GET /api/cases lists them") from None
            authorise_case_read(principal, case_id, case_units(cur, view))
        logged(principal, [case_id], "case view", purpose)
        return jsonable({"as_of": on, "case": view.as_row(on), "clocks": [c.as_row() for c in clocks_for(view, on)]})

    @app.get("/api/cases/{case_id}/history", tags=["queries"],
             summary="A case's history as of a date, or as recorded at a time (bitemporal)")
    def case_history(case_id: str, as_of: dt.date | None = None, as_recorded_at: dt.datetime | None = None,
                     purpose: str | None = None, principal: Any = Depends(who_asks)) -> dict:
        from projections import queries

        if as_of is None and as_recorded_at is None:
            as_of = today()
        if as_recorded_at is not None and as_recorded_at.tzinfo is None:
            raise HTTPException(400, "as_recorded_at: give the time with its offset, e.g. 2026-03-31T18:00:00-04:00")
        with cursor() as cur:
            try:
                view = queries.case(cur, settings.projection_schema, case_id)
            except KeyError:
                raise HTTPException(404, f"no case {case_id} in the case view") from None
            authorise_case_read(principal, case_id, case_units(cur, view))
            logged(principal, [case_id], "history", purpose)
            h = queries.case_history(cur, settings.projection_schema, case_id, as_of=as_of if as_recorded_at is None else None,
                                     as_recorded_at=as_recorded_at)
        return jsonable({"case_id": case_id, "axis": h.axis, "at": h.at,
                         "entries": [_entry(e, principal) for e in h.entries]})

    @app.get("/api/clocks", tags=["queries"], summary="Legal clocks of every case, as of a day")
    def clocks(unit: str | None = None, alert: bool = False, as_of: dt.date | None = None,
               principal: Any = Depends(who_asks)) -> dict:
        from projections import queries
        from projections.legal_clocks import clocks_for

        on = as_of or today()
        with cursor() as cur:
            views = readable(cur, principal, queries.cases(cur, settings.projection_schema))
            unit_id = _unit_or_none(cur, settings.projection_schema, unit)
        out = [c.as_row() for v in views if not unit_id or v.unit_id == unit_id
               for c in clocks_for(v, on) if c.alert or not alert]
        return jsonable({"as_of": on, "clocks": out})

    @app.get("/api/units/{unit}/occupancy", tags=["queries"], summary="A unit's occupancy on a day, CNMP breakdown")
    def occupancy(unit: str, as_of: dt.date | None = None, days: int = Query(30, ge=0, le=366),
                  principal: Any = Depends(who_asks)) -> dict:
        from projections import queries
        from projections.unit_occupancy import summarise

        authorise_aggregates(principal)
        on = as_of or today()
        with cursor() as cur:
            try:
                unit_id = queries.find_unit(cur, settings.projection_schema, unit)
            except KeyError:
                raise HTTPException(404, f"no unit {unit!r} in the occupancy read model") from None
            data = queries.occupancy(cur, settings.projection_schema, unit_id)
        day, series, profile = data.on(on), data.series(on - dt.timedelta(days=days), on), data.profile()
        return jsonable({
            "unit": {"unit_id": unit_id, "unit_code": profile.get("unit_code"), "unit_type": profile.get("unit_type"),
                     "as_of": on, "population": day.population, "capacity": day.capacity,
                     "occupancy_rate": day.occupancy_rate, "over_capacity": day.over_capacity,
                     "reserved": day.reserved, "free_places": day.free_places, **summarise(series)},
            "breakdown": [{"modality": m, "age_band": a, "sex": x, "count": n}
                          for (m, a, x), n in day.breakdown().items()],
            "series": [{"day": d.day, "population": d.population, "capacity": d.capacity,
                        "occupancy_rate": d.occupancy_rate, "over_capacity": d.over_capacity} for d in series]})

    @app.get("/api/units/{unit}/inspection", tags=["queries"],
             summary="The CNMP Res. 67 inspection report of a unit on a date (HTML, printable, or JSON)")
    def inspection_report(unit: str, date: dt.date, format: str = Query("html", pattern="^(html|json)$"),
                          start: dt.date | None = None, principal: Any = Depends(who_asks)) -> Response:
        import dataclasses

        from infra.inspection_render import to_html
        from projections import queries
        from projections.inspection import inspection

        authorise_aggregates(principal)
        with cursor() as cur:
            try:
                unit_id = queries.find_unit(cur, settings.projection_schema, unit)
            except KeyError:
                raise HTTPException(404, f"no unit {unit!r} in the occupancy read model") from None
            occ = queries.occupancy(cur, settings.projection_schema, unit_id)
            entries = {c: queries.stream_entries(cur, settings.projection_schema, c)
                       for c in sorted({m["case_id"] for m in occ.movements})}
            entries[unit_id] = queries.stream_entries(cur, settings.projection_schema, unit_id)
        from infra.tamper.service import inspection_checkpoint

        report = inspection(unit_id, date, occ, entries, start,
                            inspection_checkpoint(settings, settings.projection_schema))
        if format == "json":
            return JSONResponse(jsonable(_plain(dataclasses.asdict(report))))
        return Response(to_html(report), media_type="text/html; charset=utf-8")

    @app.get("/api/audit", tags=["queries"], response_class=StreamingResponse,
             summary="The audit trail in recorded order, streamed as CSV or JSON lines (state-wide readers)")
    def audit_export(format: str = Query("jsonl", pattern="^(csv|jsonl)$"), purpose: str | None = None,
                     principal: Any = Depends(who_asks)) -> StreamingResponse:
        import csv
        import io

        from infra.commands.queries import EXPORT_COLUMNS
        from projections import queries

        reading.authorise_audit_export(principal)
        logged(principal, ["*"], "audit export", purpose)

        def rows() -> Iterator[bytes]:
            with cursor() as cur:
                if format == "csv":
                    buffer = io.StringIO()
                    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
                    writer.writeheader()
                for row in queries.all_entries(cur, settings.projection_schema):
                    row = {k: jsonable(v) for k, v in row.items()}
                    row["payload"] = entry_filtered(principal, row.get("event_type") or "", row.get("payload"))
                    if format == "csv":
                        writer.writerow(row)
                        yield buffer.getvalue().encode()
                        buffer.seek(0)
                        buffer.truncate()
                    else:
                        yield (json.dumps({k: row.get(k) for k in EXPORT_COLUMNS + ["payload"]},
                                          ensure_ascii=False) + "\n").encode()

        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        return StreamingResponse(rows(), media_type=media,
                                 headers={"Content-Disposition": f"attachment; filename=audit.{format}"})

    @app.get("/api/status", tags=["operations"], summary="Store head, relay and read models' positions and lag")
    def status(principal: Any = Depends(who_asks)) -> dict:
        from infra.commands.status import collect

        return {"stages": jsonable(collect(settings))}

    # -- the live feed -------------------------------------------------------------------------

    @app.get("/api/events", tags=["feed"], summary="Server-sent events of the notification log, resumable",
             response_class=StreamingResponse)
    async def events(request: Request, after: int | None = Query(None, ge=0),
                     last_event_id: str | None = Header(default=None),
                     principal: Any = Depends(who_asks)) -> StreamingResponse:
        from application.read_policy import CASE_READERS_BY_COMARCA, CASE_READERS_BY_UNIT

        # The events a principal may see: a state-wide reader of records all of them; unit
        # staff those concerning their units, the MP, the Defensoria and judges those of their
        # comarca — by the unit each event's envelope names. Managers and councils read aggregates.
        if principal.role not in CASE_READERS_BY_UNIT | CASE_READERS_BY_COMARCA:
            raise RuleViolation("R-61", f"the feed carries youths' records: not for a {principal.role.value}; "
                                "the occupancy and inspection endpoints serve oversight",
                                "ECA arts. 143–144; SINASE art. 59")
        comarcas: dict[str, Any] = {}

        def visible(value: bytes) -> bool:
            if principal.state:
                return True
            unit_id = (codec.decode(value).datum.get("envelope") or {}).get("unit_id") or ""
            if not unit_id:
                return False
            if unit_id not in comarcas:
                from projections import queries

                try:
                    with cursor() as cur:
                        comarcas[unit_id] = queries.occupancy(cur, settings.projection_schema, unit_id).profile().get("comarca")
                except (KeyError, HTTPException):
                    comarcas[unit_id] = None
            return principal.covers(unit_id, comarcas[unit_id])
        start = after or 0
        if last_event_id:
            if not last_event_id.isdigit():
                raise HTTPException(400, "Last-Event-ID: give the notification id of the last event received")
            start = max(start, int(last_event_id))
        recorder = the_ledger().recorder
        codec = bootstrap.codec()

        async def stream() -> AsyncIterator[bytes]:
            position, idle = start, 0.0
            yield b"retry: 2000\n\n"
            while not await request.is_disconnected():
                notifications = await asyncio.to_thread(
                    recorder.select_notifications, start=position + 1, limit=FEED_BATCH)
                for n in notifications:
                    value = bytes(n.state)
                    position = n.id
                    if not await asyncio.to_thread(visible, value):
                        continue  # not this principal's to see; the next id it gets is still in order
                    head = codec.peek(value)  # the envelope's leading fields, as the relay's headers
                    data = {"notification_id": n.id, "stream_id": str(n.originator_id), "sequence": n.originator_version,
                            "type": head.event_type, "event_id": str(head.event_id),
                            "occurred_at": head.occurred_at.isoformat(), "recorded_at": head.recorded_at.isoformat(),
                            "fingerprint": head.writer.fingerprint_hex,
                            "avro_base64": base64.b64encode(value).decode("ascii")}
                    yield f"id: {n.id}\nevent: ledger-event\ndata: {json.dumps(data)}\n\n".encode()
                if notifications:
                    idle = 0.0
                    continue
                await asyncio.sleep(0.2)
                idle += 0.2
                if idle >= KEEP_ALIVE_S:
                    idle = 0.0
                    yield b": keep-alive\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    from infra.web.pages import add_pages

    add_pages(app, settings, cursor, today, who_asks)

    @app.get("/healthz", include_in_schema=False)
    def health() -> Response:
        return Response("ok\n", media_type="text/plain")

    return app


def _plain(value: Any) -> Any:
    """Dicts with tuple keys (the CNMP table's modality × age band × sex) as 'a|b|c' keys, for JSON."""
    if isinstance(value, dict):
        return {("|".join(map(str, k)) if isinstance(k, tuple) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _unit_or_none(cur, schema: str, unit: str | None) -> str | None:
    from projections import queries

    if unit is None:
        return None
    try:
        return queries.find_unit(cur, schema, unit)
    except KeyError:
        return unit


def _entry(e: Any, principal: Any) -> dict:
    return {"sequence": e.sequence, "event": e.event_type, "occurred_at": e.occurred_at, "recorded_at": e.recorded_at,
            "actor_id": e.actor_id, "actor_role": e.actor_role, "summary": e.summary, "status": e.status,
            "amended_by": list(e.amended_by), "corrected_fields": list(e.corrected_fields),
            "source_document": e.source_document, "unit_id": e.unit_id,
            "data": entry_filtered(principal, e.event_type, e.data)}
