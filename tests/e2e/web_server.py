"""A real `caseledger serve` process for the HTTP and browser tests, on its own store and topics."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

import httpx
import psycopg2

from tests.e2e.cli import a_fresh_ledger, env_for, harness_token, run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass(frozen=True)
class Server:
    url: str
    settings: object
    env: dict[str, str]
    store: str
    token: str  # a state-wide service principal's (tests/e2e/cli.py harness_token)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw):
        return httpx.get(url, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def post(self, url: str, **kw):
        return httpx.post(url, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def head(self) -> int:
        conn = psycopg2.connect(self.settings.pg_dsn)
        try:
            with conn.cursor() as cur:
                cur.execute(f'SELECT coalesce(max(notification_id), 0) FROM "{self.store}".caseledger_events')
                return cur.fetchone()[0]
        finally:
            conn.close()


@contextmanager
def serving(stack_settings) -> Iterator[Server]:
    with a_fresh_ledger(stack_settings) as (settings, store, env):
        port = _free_port()
        process = subprocess.Popen([sys.executable, "-m", "infra.cli", "serve", "--port", str(port)],
                                   env=env_for(settings, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "caseledger serve did not answer within 30 s"
                time.sleep(0.2)
            yield Server(url, settings, env, store, harness_token(settings))
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()




def relay_and_project(server: Server) -> None:
    """Publish what the server recorded and bring every read model up to date, as operators do."""
    relayed = run(server.settings, "relay", "--once", **server.env)
    assert relayed.returncode == 0, relayed.stderr[-2000:]
    projected = run(server.settings, "project", "--until-caught-up", **server.env)
    assert projected.returncode == 0, projected.stderr[-2000:]


def principal_token(server: Server, role: str, **scope) -> str:
    """A new principal of `role` with `scope` (units=(codes), comarca=…, state=True); its token."""
    from infra.bootstrap import pg_connector
    from infra.persistence.principals import PrincipalStore

    _, token = PrincipalStore(pg_connector(server.settings, "caseledger-tests")).add(f"test {role}", role, **scope)
    return token
