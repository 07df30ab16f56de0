"""A throw-away PostgreSQL cluster for the ledger, from Debian's server packages.

`initdb` makes a cluster in `.stack/postgres/data` (git-ignored) listening on
127.0.0.1 at a non-default port; its bootstrap superuser is the ledger's role.
Every connection, over TCP and over the local socket, authenticates with a
SCRAM-SHA-256 password (no `trust`: a minor's record is not open to whoever has
a shell on the machine — ECA arts. 143–144); the password is generated once and
kept in `state_dir/secrets/` (0600 files in a 0700 folder), where Settings finds
it. The socket lives in a 0700 folder with mode 0700, so no other OS user reaches
it. PostgreSQL refuses to run as root, so when we are root the server runs as
the `postgres` system user that the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from infra.settings import SECRETS_DIR, Settings, read_secret
from infra.stack.process import PidFile, StackError, port_open, port_released, tail, terminate

INSTALL_HINT = "Install the server with: apt-get update && apt-get install -y postgresql"

# Password authentication only: the local socket and loopback, nothing else, no `trust`.
PG_HBA = """# Written by caseledger stack up (infra/stack/postgres.py): every role authenticates with a password.
local   all   all                 scram-sha-256
host    all   all   127.0.0.1/32  scram-sha-256
host    all   all   ::1/128       scram-sha-256
"""


def ensure_secret(state_dir: Path, name: str) -> str:
    """The secret `name` of the local stack, generated (random, URL-safe) the first time."""
    existing = read_secret(state_dir, name)
    if existing:
        return existing
    folder = state_dir / SECRETS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    value = secrets.token_urlsafe(24)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def find_bin(name: str) -> str | None:
    """A PostgreSQL server binary: on PATH, or in Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0,
                        reverse=True)
    return candidates[0] if candidates else None


@dataclass(frozen=True)
class PostgresServer:
    settings: Settings
    name = "postgres"

    @property
    def home(self) -> Path:
        return self.settings.state_dir / "postgres"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"

    @property
    def pidfile(self) -> PidFile:
        # The postmaster's command line names its data directory.
        return PidFile(self.home / "postgres.pid", signature=str(self.data_dir))

    def _run_as(self) -> list[str]:
        """Prefix that runs a server command as the postgres user when we are root."""
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise StackError("running as root, and there is no `postgres` user to run the server as. "
                             + INSTALL_HINT) from None
        runuser = shutil.which("runuser")
        if not runuser:
            raise StackError("running as root needs `runuser` (package util-linux) to start PostgreSQL as "
                             "the postgres user. Install it with: apt-get install -y util-linux")
        return [runuser, "-u", "postgres", "--"]

    def _bin(self, name: str) -> str:
        path = find_bin(name)
        if not path:
            raise StackError(f"PostgreSQL's `{name}` was not found. {INSTALL_HINT}")
        return path

    def check_tools(self) -> None:
        for name in ("initdb", "postgres"):
            self._bin(name)
        self._run_as()

    def init_cluster(self) -> None:
        s = self.settings
        if (self.data_dir / "PG_VERSION").exists():
            if not s.pg_password_for(s.pg_user):
                raise StackError(
                    f"the PostgreSQL cluster in {self.data_dir} was made before the stack used passwords, and "
                    f"{s.state_dir / SECRETS_DIR} holds none for role {s.pg_user}. Stop the stack and remove "
                    f"{self.home} (its data is lost), then run `caseledger stack up` again.")
            self._write_hba()
            return
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)  # holds the socket: no other OS user may reach it
        self._own(self.home)
        password = s.pg_password or ensure_secret(s.state_dir, f"postgres-{s.pg_user}")
        pwfile = self.home / "initdb.pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(password + "\n")
        self._own(pwfile)
        cmd = [*self._run_as(), self._bin("initdb"), "-D", str(self.data_dir),
               "-U", s.pg_user, "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C"]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True)
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise StackError(f"initdb failed:\n{(result.stdout + result.stderr)[-2000:]}")
        self._write_hba()

    def _write_hba(self) -> None:
        """pg_hba.conf as PG_HBA says, whatever initdb or an older stack wrote."""
        hba = self.data_dir / "pg_hba.conf"
        if hba.read_text() != PG_HBA:
            hba.write_text(PG_HBA)

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(path, entry.pw_uid, entry.pw_gid)
            # The server user must be able to reach the folder through its parents. Only the stack's
            # own state folder is opened for traversal (0711, no listing); folders above it are never
            # loosened: if the server user cannot pass one, say so (ECA art. 143: the state holds minors' data).
            state = self.settings.state_dir.resolve()
            # The repository's own `.stack` (which holds the test stacks' state folders) is the stack's too.
            own = Path(__file__).resolve().parents[2] / ".stack"
            for parent in path.resolve().parents:
                info = parent.stat()
                if info.st_uid == entry.pw_uid or info.st_mode & 0o001:
                    continue
                if parent == state or state in parent.parents or parent == own:
                    os.chmod(parent, stat.S_IMODE(info.st_mode) | 0o001)
                else:
                    raise StackError(f"the postgres user cannot reach {path} through {parent} (mode "
                                     f"{stat.S_IMODE(info.st_mode):o}); choose a CASELEDGER_STATE_DIR it can reach, "
                                     "or grant it passage yourself: `stack up` does not loosen folders above its state")

    def running_pid(self) -> int | None:
        return self.pidfile.running_pid()

    def start(self, timeout: float = 60.0) -> int:
        pid = self.running_pid()
        if pid:
            return pid
        s = self.settings
        if not port_released(s.pg_host, s.pg_port):
            raise StackError(
                f"port {s.pg_port} on {s.pg_host} is taken by a process this stack did not start. "
                "Stop it, or set CASELEDGER_PG_PORT to another port."
            )
        self.check_tools()
        self.init_cluster()
        # A postmaster.pid left by a kill -9 blocks a restart only if its pid is alive; the server
        # itself checks that, so we leave the file alone.
        self.log_file.touch()
        self._own(self.log_file)
        cmd = [
            *self._run_as(), self._bin("postgres"), "-D", str(self.data_dir),
            "-p", str(s.pg_port), "-c", f"listen_addresses={s.pg_host}",
            "-c", f"unix_socket_directories={self.home}", "-c", "unix_socket_permissions=0700",
            "-c", "password_encryption=scram-sha-256",
            "-c", "max_connections=200", "-c", "shared_buffers=128MB",
        ]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, umask=0o077,  # private files
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            server_pid = self._wait_postmaster(proc, timeout)
            self.pidfile.write(server_pid)
            self._wait_ready(proc, timeout)
            self._create_database()
        except BaseException:
            terminate(self.pidfile.read() or proc.pid, first=signal.SIGINT, grace=10)
            if proc.poll() is None:
                terminate(proc.pid, grace=5)
            self.pidfile.clear()
            raise
        return server_pid

    def _wait_postmaster(self, proc: subprocess.Popen, timeout: float) -> int:
        """The postmaster's own pid (runuser forks it as a child), from postmaster.pid."""
        deadline = time.monotonic() + timeout
        pm = self.data_dir / "postmaster.pid"
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StackError(f"PostgreSQL exited with code {proc.returncode} while starting. "
                                 f"Last lines of {self.log_file}:\n{tail(self.log_file)}")
            try:
                pid = int(pm.read_text().split()[0])
                if PidFile(pm, str(self.data_dir)).running_pid():
                    return pid
            except (FileNotFoundError, ValueError, IndexError):
                pass
            time.sleep(0.1)
        raise StackError(f"PostgreSQL did not start within {timeout:.0f} s:\n{tail(self.log_file)}")

    def _wait_ready(self, proc: subprocess.Popen, timeout: float) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StackError(f"PostgreSQL exited while starting:\n{tail(self.log_file)}")
            try:
                conn = psycopg2.connect(self._dsn("postgres"), connect_timeout=2)
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT 1")
                        if cur.fetchone() == (1,):
                            return
                finally:
                    conn.close()
            except psycopg2.OperationalError as exc:
                last = exc
            time.sleep(0.2)
        raise StackError(f"PostgreSQL did not answer SELECT 1 within {timeout:.0f} s ({last})")

    def _dsn(self, database: str) -> str:
        s = self.settings
        return (f"host={s.pg_host} port={s.pg_port} user={s.pg_user} dbname={database} "
                f"password={s.pg_password_for(s.pg_user)}")

    def _create_database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(self._dsn("postgres"), connect_timeout=5)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.settings.pg_database,))
                if not cur.fetchone():
                    # Identifier from settings, not user input; quoted all the same.
                    cur.execute(f'CREATE DATABASE "{self.settings.pg_database}"')
        finally:
            conn.close()
        # The programs' own roles (writer, projector, reader) and their grants, in the ledger's database.
        from infra.stack.roles import ensure_roles

        conn = psycopg2.connect(self._dsn(self.settings.pg_database), connect_timeout=5)
        conn.autocommit = True
        try:
            ensure_roles(conn, self.settings, lambda role: ensure_secret(self.settings.state_dir, f"postgres-{role}"))
        finally:
            conn.close()

    def stop(self) -> bool:
        """Fast shutdown (SIGINT) of the server we started, SIGKILL after a grace period."""
        pid = self.running_pid()
        self.pidfile.clear()
        if not pid:
            return False
        terminate(pid, first=signal.SIGINT, grace=30)
        return True

    def ready(self, timeout: float = 2.0) -> bool:
        import psycopg2

        try:
            conn = psycopg2.connect(self.settings.pg_dsn, connect_timeout=max(1, int(timeout)))
        except psycopg2.OperationalError:
            return False
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                return cur.fetchone() == (1,)
        finally:
            conn.close()

    def status(self) -> dict:
        s = self.settings
        pid = self.running_pid()
        listening = port_open(s.pg_host, s.pg_port)
        if pid and listening:
            state = "up" if self.ready() else "starting"
        elif pid:
            state = "starting"
        else:
            state = "foreign" if listening and not port_released(s.pg_host, s.pg_port) else "down"
        return {"server": "postgres", "state": state, "pid": pid,
                "listens": f"{s.pg_host}:{s.pg_port}/{s.pg_database}", "log": str(self.log_file)}
