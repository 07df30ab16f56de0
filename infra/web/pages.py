"""The web app for auditors and unit staff, in Portuguese: server-rendered pages, no build step.

Pages read the same read models as the API and the CLI (`projections.queries`, the legal clocks,
the bitemporal history, the inspection report); dates are shown DD/MM/AAAA in Cuiabá time and
accepted as DD/MM/AAAA or as the browser's date input (AAAA-MM-DD). A case page is the history
*as of* a day — corrections applied, marked, linked to the entry that made them — or *as recorded
at* a time, which shows what the ledger said then (later corrections not applied).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.calendar import CUIABA

TEMPLATES = Path(__file__).with_name("templates")

# Clock states as the staff say them.
STATES_PT = {"running": "em curso", "due_soon": "vence em breve", "breached": "vencido", "met": "cumprido",
             "met_late": "cumprido com atraso", "closed": "encerrado", "eligible": "direito adquirido",
             "not_yet": "ainda não", "phone_call_due": "ligação devida", "ended": "terminada"}


class BadDate(ValueError):
    pass


def parse_day(text: str | None) -> dt.date | None:
    """DD/MM/AAAA or AAAA-MM-DD; None for empty."""
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise BadDate(f"Data inválida: {text!r}. Use DD/MM/AAAA.")


def parse_moment(text: str | None) -> dt.datetime | None:
    """DD/MM/AAAA HH:MM or the browser's AAAA-MM-DDTHH:MM, in Cuiabá time; None for empty."""
    if not text:
        return None
    for fmt in ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).replace(tzinfo=CUIABA)
        except ValueError:
            continue
    raise BadDate(f"Data e hora inválidas: {text!r}. Use DD/MM/AAAA HH:MM (horário de Cuiabá).")


def _br(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.astimezone(CUIABA).date()
    return value.strftime("%d/%m/%Y")


def _brtime(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        return _br(value)
    return value.astimezone(CUIABA).strftime("%d/%m/%Y %H:%M")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters.update(br=_br, brtime=_brtime)
    return env


def _chart(series: list, width: int = 640, height: int = 160) -> str:
    """Population (line) against capacity (dashed) per day, as inline SVG: no script, prints well."""
    if not series:
        return "<p class='muted'>Sem dados de ocupação.</p>"
    top = max([d.population for d in series] + [d.capacity or 0 for d in series] + [1])
    step = width / max(len(series) - 1, 1)

    def y(v: float) -> float:
        return round(height - 10 - (height - 20) * v / top, 1)

    line = " ".join(f"{round(i * step, 1)},{y(d.population)}" for i, d in enumerate(series))
    cap = " ".join(f"{round(i * step, 1)},{y(d.capacity)}" for i, d in enumerate(series) if d.capacity is not None)
    return (f"<svg role='img' aria-label='ocupação diária' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' style='background:#fff;border:1px solid #d3d8de'>"
            f"<polyline fill='none' stroke='#a11' stroke-dasharray='4 3' points='{cap}'/>"
            f"<polyline fill='none' stroke='#123a5c' stroke-width='2' points='{line}'/>"
            f"<text x='4' y='12' font-size='11'>máx. {top}</text>"
            f"<text x='4' y='{height - 2}' font-size='11'>{_br(series[0].day)}</text>"
            f"<text x='{width - 70}' y='{height - 2}' font-size='11'>{_br(series[-1].day)}</text></svg>")


def _clock_row(clock: Any) -> dict:
    row = clock.as_row()
    row["state_pt"] = STATES_PT.get(row["state"], row["state"])
    return row


def _amendment(row: dict) -> dict:
    """A correction or void as the case page lists it (its fields' names; new values stay in the audit trail)."""
    import json

    fields = [f["field"] for f in json.loads(row.get("corrected_fields") or "[]")]
    recorded = row["recorded_at"]
    if isinstance(recorded, str):
        recorded = dt.datetime.fromisoformat(recorded)
    return {"sequence": int(row["sequence"]), "kind": "retificação" if row["amendment"] == "corrected" else "anulação",
            "target": int(row["amends_sequence"]), "recorded_at": recorded, "fields": fields,
            "actor": f"{row.get('actor_role') or ''} {row.get('actor_id') or ''}".strip(),
            "authorised_by": row.get("authorised_by_role") or "", "summary": row.get("summary") or ""}


def add_pages(app: FastAPI, settings: Any, cursor: Callable, today: Callable[[], dt.date], who_asks: Callable) -> None:
    """The pages, on the app of `infra.web.api` (same cursor, same `who_asks`)."""
    from projections import queries
    from projections.legal_clocks import clocks_for

    from application.read_policy import authorise_aggregates, authorise_case_read
    from domain.rules import RuleViolation
    from infra.web import SESSION_COOKIE

    env = _environment()
    schema = settings.projection_schema

    def signed_in(request: Request) -> Any:
        """The principal of the sign-in cookie, or None (the page then asks to sign in)."""
        from fastapi import HTTPException

        if not request.cookies.get(SESSION_COOKIE):
            return None
        try:
            return who_asks(request, None)
        except HTTPException:
            return None

    def to_sign_in(request: Request) -> RedirectResponse:
        from urllib.parse import quote

        return RedirectResponse(f"/entrar?volta={quote(str(request.url.path) + ('?' + request.url.query if request.url.query else ''))}",
                                status_code=303)

    def refused(exc: RuleViolation) -> HTMLResponse:
        return render("units.html", status=403, units=[], on=today(),
                      error=f"Acesso recusado — {exc.code}: {exc.message} ({exc.source})")

    @app.get("/entrar", response_class=HTMLResponse, include_in_schema=False)
    def sign_in_page(volta: str = "/", erro: str | None = None) -> HTMLResponse:
        return render("signin.html", back=volta if volta.startswith("/") else "/", error=erro)

    @app.post("/entrar", include_in_schema=False)
    async def sign_in(request: Request) -> Any:
        from urllib.parse import parse_qs, quote

        from fastapi import HTTPException

        form = parse_qs((await request.body())[:4096].decode("utf-8", "replace"))
        token, back = (form.get("token") or [""])[0].strip(), (form.get("volta") or ["/"])[0]
        back = back if back.startswith("/") and not back.startswith("//") else "/"
        try:
            principal = who_asks(request, f"Bearer {token}")
        except HTTPException as exc:
            return RedirectResponse(f"/entrar?volta={quote(back)}&erro={quote('Credencial recusada: ' + str(exc.detail))}",
                                    status_code=303)
        response = RedirectResponse(back, status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
        return response

    @app.get("/sair", include_in_schema=False)
    def sign_out() -> RedirectResponse:
        response = RedirectResponse("/entrar", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(today=today(), **context), status_code=status)


    def error_page(message: str, status: int) -> HTMLResponse:
        return render("units.html", status=status, error=message, units=[], on=today())

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def units_page(request: Request, data: str | None = None, principal: Any = Depends(signed_in)) -> Any:
        if principal is None:
            return to_sign_in(request)
        try:
            authorise_aggregates(principal)
        except RuleViolation as exc:
            return refused(exc)
        try:
            on = parse_day(data) or today()
        except BadDate as exc:
            return error_page(str(exc), 400)
        rows = []
        with cursor() as cur:
            for unit_id in queries.unit_ids(cur, schema):
                occ = queries.occupancy(cur, schema, unit_id)
                profile, day = occ.profile(), occ.on(on)
                rate = f"{day.occupancy_rate:.1%}".replace(".", ",") if day.occupancy_rate is not None else "—"
                rows.append({"unit_id": unit_id, "code": profile.get("unit_code"), "name": profile.get("name"),
                             "unit_type": profile.get("unit_type"), "comarca": profile.get("comarca"),
                             "population": day.population, "capacity": day.capacity, "rate": rate,
                             "over_capacity": day.over_capacity})
        rows.sort(key=lambda r: r["code"] or r["unit_id"])
        return render("units.html", units=rows, on=on)

    @app.get("/unidades/{unit}", response_class=HTMLResponse, include_in_schema=False)
    def unit_page(unit: str, request: Request, data: str | None = None, principal: Any = Depends(signed_in)) -> Any:
        if principal is None:
            return to_sign_in(request)
        try:
            authorise_aggregates(principal)
        except RuleViolation as exc:
            return refused(exc)
        try:
            on = parse_day(data) or today()
        except BadDate as exc:
            return error_page(str(exc), 400)
        with cursor() as cur:
            try:
                unit_id = queries.find_unit(cur, schema, unit)
            except KeyError:
                return error_page(f"Unidade {unit!r} não encontrada.", 404)
            occ = queries.occupancy(cur, schema, unit_id)
            views = queries.cases(cur, schema)
        day, profile = occ.on(on), occ.profile()
        series = occ.series(on - dt.timedelta(days=89), on)
        residents = []
        for r in sorted(day.residents, key=lambda r: r.case_id):
            view = views.get(r.case_id)
            alerts = [_clock_row(c) for c in clocks_for(view, on) if c.alert] if view else []
            residents.append({"case_id": r.case_id, "modality": r.modality, "age_band": r.age_band, "sex": r.sex,
                              "alerts": alerts})
        rate = f"{day.occupancy_rate:.1%}".replace(".", ",") if day.occupancy_rate is not None else "—"
        return render("unit.html", code=profile.get("unit_code") or unit_id, profile=profile, day=day, rate=rate,
                      on=on, series=series, chart=_chart(series), residents=residents)

    @app.get("/casos/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def case_page(case_id: str, request: Request, data: str | None = None, registrado_em: str | None = None,
                  finalidade: str | None = None, principal: Any = Depends(signed_in)) -> Any:
        if principal is None:
            return to_sign_in(request)
        try:
            on, recorded = parse_day(data), parse_moment(registrado_em)
        except BadDate as exc:
            return error_page(str(exc), 400)
        if on is None and recorded is None:
            on = today()
        with cursor() as cur:
            try:
                view = queries.case(cur, schema, case_id)
            except KeyError:
                return error_page(f"Caso {case_id} não encontrado no registro.", 404)
            try:
                authorise_case_read(principal, case_id, app.state.case_units(cur, view))
            except RuleViolation as exc:
                return refused(exc)
            app.state.logged(principal, [case_id], "case page", finalidade or "consulta no aplicativo web", "web")
            h = queries.case_history(cur, schema, case_id, as_of=None if recorded else on, as_recorded_at=recorded)
            amendments = [_amendment(r) for r in queries.stream_entries(cur, schema, case_id) if r.get("amendment")]
        if recorded is not None:
            amendments = [a for a in amendments if a["recorded_at"] <= recorded]
        entries = list(h.entries)
        if recorded is not None and on is not None:  # both axes: what the ledger said at T about day D
            entries = [e for e in entries if e.occurred_at.astimezone(CUIABA).date() <= on]
        axis = (f"Como registrado até {_brtime(recorded)} (correções posteriores não aplicadas)" if recorded else
                f"Como era ao fim de {_br(on)}, com todas as correções registradas")
        state = queries.with_withheld(h.state, view) if h.state else None
        clocks = [_clock_row(c) for c in clocks_for(state, on or today())] if state else []
        return render("case.html", case_id=case_id, on=on, entries=entries, axis_text=axis, state=state,
                      clocks=clocks, amendments=amendments, purpose=finalidade or "",
                      recorded_input=recorded.astimezone(CUIABA).strftime("%Y-%m-%dT%H:%M:%S") if recorded else "")

    @app.get("/unidades/{unit}/inspecao", response_class=HTMLResponse, include_in_schema=False)
    def inspection_page(unit: str, request: Request, data: str | None = None, principal: Any = Depends(signed_in)) -> Any:
        from infra.inspection_render import to_html
        from projections.inspection import inspection

        if principal is None:
            return to_sign_in(request)
        try:
            authorise_aggregates(principal)
        except RuleViolation as exc:
            return refused(exc)
        try:
            on = parse_day(data) or today()
        except BadDate as exc:
            return error_page(str(exc), 400)
        with cursor() as cur:
            try:
                unit_id = queries.find_unit(cur, schema, unit)
            except KeyError:
                return error_page(f"Unidade {unit!r} não encontrada.", 404)
            occ = queries.occupancy(cur, schema, unit_id)
            entries = {c: queries.stream_entries(cur, schema, c) for c in sorted({m["case_id"] for m in occ.movements})}
            entries[unit_id] = queries.stream_entries(cur, schema, unit_id)
        from infra.tamper.service import inspection_checkpoint

        return HTMLResponse(to_html(inspection(unit_id, on, occ, entries, None, inspection_checkpoint(settings, schema))))

    @app.get("/operacao", response_class=HTMLResponse, include_in_schema=False)
    def operations_page(request: Request, principal: Any = Depends(signed_in)) -> Any:
        if principal is None:
            return to_sign_in(request)
        from infra.commands.status import collect

        rows = collect(settings)
        columns = list(dict.fromkeys(k for r in rows for k in r))
        return render("operations.html", rows=rows, columns=columns)

    @app.get("/unidades", include_in_schema=False)
    def units_redirect() -> RedirectResponse:
        return RedirectResponse("/")
