"""Processes the local stack starts: pid files, liveness, and stopping by pid.

We stop only what we started: a pid file records the pid, and before
signalling we check that the process's command line is still ours (a pid can
be reused by an unrelated process after a crash).
"""

from __future__ import annotations

import os
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path


class StackError(RuntimeError):
    """A server of the local stack could not be started, found or stopped.

    The message says what went wrong and what to do next.
    """


@dataclass(frozen=True)
class PidFile:
    path: Path
    # A substring of the process's command line that proves it is ours.
    signature: str

    def write(self, pid: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{pid}\n")

    def read(self) -> int | None:
        try:
            return int(self.path.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def running_pid(self) -> int | None:
        """The recorded pid if that process is alive and still ours, else None."""
        pid = self.read()
        if pid is None or not is_alive(pid):
            return None
        if self.signature not in cmdline(pid):
            return None
        return pid


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not running — but a multi-threaded
    # process (the JVM) shows its leader as a zombie while other threads still hold its sockets.
    try:
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
    except FileNotFoundError:
        return False
    zombie = status.get("State", "").strip().startswith("Z")
    return not zombie or int(status.get("Threads", "1").strip() or 1) > 1


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_released(host: str, port: int, within: float = 2.0) -> bool:
    """True once nothing listens on the port. A killed process's sockets close a moment after it dies."""
    deadline = time.monotonic() + within
    while port_open(host, port, timeout=0.2):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def terminate(pid: int, *, first: int = signal.SIGTERM, grace: float = 20.0) -> bool:
    """Send `first`, wait up to `grace` seconds, then SIGKILL. True if it had to kill."""
    try:
        os.kill(pid, first)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_alive(pid):
            _reap(pid)
            return False
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    while is_alive(pid):
        time.sleep(0.05)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    # Reap our own child so it does not linger as a zombie; harmless otherwise.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"


def terminate_all(pids: list[int], *, grace: float = 20.0) -> list[int]:
    """SIGTERM every process at once, wait up to `grace` seconds for all, then SIGKILL the rest.

    Returns the pids that had to be killed. For the nodes of a Kafka cluster: stopped one after
    another, the last node loses its quorum and hangs on SIGTERM.
    """
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(is_alive(pid) for pid in pids):
        time.sleep(0.1)
    killed = []
    for pid in pids:
        if is_alive(pid):
            killed.append(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for pid in pids:
        while is_alive(pid):
            time.sleep(0.05)
        _reap(pid)
    return killed
