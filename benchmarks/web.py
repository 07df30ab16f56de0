"""The HTTP service under a bounded load on loopback: `python -m benchmarks.web [--url URL]`.

Against a running `caseledger serve --demo` (after `caseledger demo`), it measures, each with
`--clients` concurrent clients (default 50) sending `--requests` requests in all per kind:

- the case page (`/casos/ID`, server-rendered HTML) and the history query (`/api/cases/ID/history`),
  over the demo's cases;
- command submission (`POST /api/commands`): staff-roster changes of the demo's units, each a new
  fact that is recorded (the demo store grows by that many events);
- the live feed's fan-out: `--subscribers` (default 100) SSE clients each reading the last
  `--backlog` events (default 1,000) from `Last-Event-ID`, then the time for one new event to reach
  all of them.

Every request is counted; anything but the expected status is reported as an error. Figures:
requests/s and p50/p99 latency per kind, printed as Markdown rows and saved to
benchmarks/results/web.json. The load goes to loopback only and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from pathlib import Path

import httpx

RESULTS = Path(__file__).resolve().parent / "results"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _load(client: httpx.AsyncClient, requests: list, clients: int, expect: tuple[int, ...]) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def worker() -> None:
        while True:
            try:
                method, url, body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            try:
                response = await client.request(method, url, content=body)
                status = str(response.status_code)
                await response.aread()
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            if status not in {str(s) for s in expect}:
                errors[status] = errors.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"requests": len(requests), "clients": clients, "seconds": round(elapsed, 2),
            "per_second": round(len(requests) / elapsed, 1), "p50_ms": round(_percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1), "errors": errors}


async def _subscriber(url: str, after: int, want: int, ready: asyncio.Event | None, got_at: list) -> int:
    received = 0
    async with httpx.AsyncClient(timeout=120) as client:
        async with client.stream("GET", f"{url}/api/events", headers={"Last-Event-ID": str(after)}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    received += 1
                    if received == want:
                        got_at.append(time.perf_counter())
                        return received
    return received


async def _fan_out(url: str, subscribers: int, backlog: int, roster: dict) -> dict:
    async with httpx.AsyncClient(timeout=60) as client:
        head = (await client.get(f"{url}/api/status")).json()["stages"][0]["position"]
        after = max(0, head - backlog)
        got_backlog: list[float] = []
        t0 = time.perf_counter()
        await asyncio.gather(*(_subscriber(url, after, head - after, None, got_backlog) for _ in range(subscribers)))
        backlog_s = max(got_backlog) - t0
        # One new event while every subscriber waits at the head.
        got_new: list[float] = []
        tasks = [asyncio.create_task(_subscriber(url, head, 1, None, got_new)) for _ in range(subscribers)]
        await asyncio.sleep(2.0)  # all connected and idle at the head
        posted = time.perf_counter()
        answer = await client.post(f"{url}/api/commands", json=roster)
        assert answer.status_code == 200, answer.text[:500]
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    delays = [g - posted for g in got_new]
    return {"subscribers": subscribers, "backlog_events": head - after, "backlog_all_received_s": round(backlog_s, 2),
            "backlog_events_per_s": round(subscribers * (head - after) / backlog_s),
            "new_event_p50_ms": round(_percentile(delays, 0.5) * 1000, 1),
            "new_event_max_ms": round(max(delays) * 1000, 1)}


def _roster_change(unit_id: str) -> dict:
    staff = f"bench-{uuid.uuid4().hex[:10]}"
    return {"command": "change_staff_roster", "unit_id": unit_id, "staff_id": staff, "name": "Servidor de teste",
            "category": "agente_socioeducativo", "status": "ativo", "weekly_hours": 40,
            "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S-04:00", time.gmtime(time.time() - 4 * 3600 - 60)),
            "actor": {"id": "bench-gerente", "role": "gerente"}}


async def main_async(args) -> dict:
    async with httpx.AsyncClient(base_url=args.url, timeout=120,
                                 limits=httpx.Limits(max_connections=args.clients)) as client:
        cases = (await client.get("/api/cases", params={"limit": 500})).json()["cases"]
        case_ids = [c["case_id"] for c in cases]
        units = sorted({c["unit_id"] for c in cases if c.get("unit_id")})
        assert case_ids and units, "no cases: run `caseledger demo` first, then `caseledger serve --demo`"
        n = args.requests
        pages = [("GET", f"/casos/{case_ids[i % len(case_ids)]}?data=31/12/2025", None) for i in range(n)]
        history = [("GET", f"/api/cases/{case_ids[i % len(case_ids)]}/history?as_of=2025-12-31", None) for i in range(n)]
        commands = [("POST", "/api/commands", json.dumps(_roster_change(units[i % len(units)])).encode())
                    for i in range(n)]
        result = {"case page": await _load(client, pages, args.clients, (200,)),
                  "history query": await _load(client, history, args.clients, (200,)),
                  "command submission": await _load(client, commands, args.clients, (200,))}
    result["sse fan-out"] = await _fan_out(args.url, args.subscribers, args.backlog, _roster_change(units[0]))
    return result


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__.split("\n\n")[0],
                                epilog="start the server first: caseledger demo && caseledger serve --demo")
    p.add_argument("--url", default="http://127.0.0.1:8400", help="the running server (loopback only)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=1000, help="requests per kind (bounded)")
    p.add_argument("--subscribers", type=int, default=100)
    p.add_argument("--backlog", type=int, default=1000)
    args = p.parse_args()
    if not args.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        p.error("the load goes to this machine only: give a loopback URL")
    result = asyncio.run(main_async(args))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(result, indent=2))
    print("| kind | requests | clients | requests/s | p50 | p99 | errors |\n| --- | --- | --- | --- | --- | --- | --- |")
    for kind in ("case page", "history query", "command submission"):
        r = result[kind]
        print(f"| {kind} | {r['requests']} | {r['clients']} | {r['per_second']} | {r['p50_ms']} ms | "
              f"{r['p99_ms']} ms | {sum(r['errors'].values())} {r['errors'] or ''} |")
    f = result["sse fan-out"]
    print(f"\nSSE fan-out: {f['subscribers']} subscribers × {f['backlog_events']} events in "
          f"{f['backlog_all_received_s']} s ({f['backlog_events_per_s']} events/s delivered); a new event reached "
          f"all of them in p50 {f['new_event_p50_ms']} ms, max {f['new_event_max_ms']} ms")


if __name__ == "__main__":
    main()
