"""Peak memory of the continuous processes, run as an operator runs them.

Each figure is the peak resident set (VmHWM) of a real `caseledger` process
started as a subprocess with the benchmark's settings in its environment:

relay:    `caseledger relay --once` publishing the whole benchmark store into
          fresh topics (the store's own topics stay untouched);
project:  `caseledger project --until-caught-up`: every read model's runner in one
          process (as deployed), from those topics into a fresh read-model schema,
          stopped with SIGTERM after `project_seconds` if not caught up by then (a
          runner holds one batch at a time: its peak does not grow with the store);
replay:   `caseledger replay --workers 1` afterwards: every read model rebuilt in one
          pass, in one process, beside the live generations, compared and switched.

The peak is the process's VmHWM (/proc/<pid>/status), sampled every 20 ms by
a thread from its start until it exits: VmHWM only grows, so the last sample is
the peak up to 20 ms before the exit. (The child's `ru_maxrss` from `wait4`
would be exact, but it also counts the benchmark process's own peak, inherited
through the fork and exec.) The same helpers start and measure the processes of
the latency stage.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks.data import drop_schema
from infra.settings import REPO_ROOT, Settings

# Variables the child must not inherit from this process: its settings come from `cli_env` alone.
INHERITED_SETTINGS = ("CASELEDGER_", "POSTGRES_", "PERSISTENCE_MODULE", "SQLITE_", "IS_SNAPSHOTTING_ENABLED")


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment in which `Settings.from_env` reads back these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}
    env.update({
        # The stack's own secrets (the program roles' passwords) and the key-encryption key: a
        # child with another key file would wrap data keys the parent cannot open.
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        "CASELEDGER_KEY_FILE": str(settings.data_key_path),
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_PG_HOST": settings.pg_host,
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_PG_USER": settings.pg_user,
        "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
        "CASELEDGER_PG_DATABASE": settings.pg_database,
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_UNIT_EVENTS_TOPIC": settings.unit_events_topic,
        "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic,
        "CASELEDGER_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "CASELEDGER_TOPIC_REPLICATION": str(settings.topic_replication_factor),
        "CASELEDGER_TOPIC_MIN_ISR": str(settings.topic_min_insync_replicas),
        "CASELEDGER_PROJECTION_SCHEMA": settings.projection_schema,
        "CASELEDGER_LOG_FORMAT": "json",
        "CASELEDGER_LOG_LEVEL": "INFO",
        **settings.eventsourcing_overrides,
    })
    return env


@dataclasses.dataclass
class CliProcess:
    """A `caseledger` command running as a child of the benchmark, its output in files.

    A thread samples its VmHWM every 20 ms from the start until it exits.
    """

    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path
    peak_kib: int = 0
    sampler: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def sample_memory(self, interval: float = 0.02) -> None:
        while True:
            try:
                self.peak_kib = max(self.peak_kib, vm_hwm_kib(self.pid))
            except (OSError, LookupError):
                pass
            if self.popen.poll() is not None:
                return
            time.sleep(interval)

    def logs(self) -> list[dict]:
        """The JSON log lines written so far (anything else on stderr is skipped)."""
        out = []
        for line in self.stderr.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def logged(self, event: str) -> list[dict]:
        return [line for line in self.logs() if line.get("event") == event]

    def tail(self, lines: int = 30) -> str:
        text = self.stderr.read_text(errors="replace").splitlines()[-lines:]
        return f"{self.name} (pid {self.pid}) stderr:\n" + "\n".join(text)


def start(settings: Settings, name: str, *args: str, folder: Path) -> CliProcess:
    """Start `caseledger ARGS` (the console script's module) with the settings in its environment."""
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    popen = subprocess.Popen([sys.executable, "-m", "infra.cli", *args], env=cli_env(settings), cwd=REPO_ROOT,
                             stdout=open(out, "wb"), stderr=open(err, "wb"))
    proc = CliProcess(name, popen, out, err)
    proc.sampler = threading.Thread(target=proc.sample_memory, name=f"memory-{name}", daemon=True)
    proc.sampler.start()
    return proc


def vm_hwm_kib(pid: int) -> int:
    """The peak resident set so far of a running process (VmHWM in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise LookupError(f"no VmHWM for pid {pid}")  # an exited process (zombie) has no memory left


def reap(proc: CliProcess, timeout: float) -> tuple[int, int]:
    """Wait for the process to exit: (exit code, peak resident set in KiB)."""
    try:
        code = proc.popen.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.popen.kill()
        proc.popen.wait()
        raise TimeoutError(f"{proc.name} did not exit within {timeout:.0f} s\n{proc.tail()}") from None
    proc.sampler.join()
    return code, proc.peak_kib


def mib(kib: int) -> float:
    return kib / 1024


def run_to_end(settings: Settings, name: str, *args: str, folder: Path, timeout: float = 1800.0) -> dict:
    """Run a command that exits by itself; its exit code, peak memory, output and logs."""
    proc = start(settings, name, *args, folder=folder)
    t0 = time.perf_counter()
    code, peak = reap(proc, timeout)
    seconds = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"`caseledger {' '.join(args)}` exited {code}\n{proc.tail()}")
    return {"exit_code": code, "peak_mib": mib(peak), "seconds": seconds,
            "stdout": proc.stdout.read_text(), "process": proc}


def fresh(settings: Settings, tag: str) -> Settings:
    """The same store, read into topics and a read-model schema of this run alone."""
    suffix = f"{tag}-{uuid.uuid4().hex[:6]}"
    return dataclasses.replace(settings, case_events_topic=f"caseledger.benchrun.{suffix}.case",
                               unit_events_topic=f"caseledger.benchrun.{suffix}.unit",
                               dead_letter_topic=f"caseledger.benchrun.{suffix}.dead-letter",
                               projection_schema=f"benchrun_{suffix.replace('-', '_')}")


def run_for(settings: Settings, name: str, *args: str, folder: Path, seconds: float) -> dict:
    """Run a command until it exits by itself or for `seconds`, then SIGTERM it (it finishes its batch)."""
    proc = start(settings, name, *args, folder=folder)
    t0 = time.perf_counter()
    try:
        proc.popen.wait(seconds)
        stopped = False
    except subprocess.TimeoutExpired:
        proc.popen.terminate()
        stopped = True
    code, peak = reap(proc, 120.0)
    if code != 0:
        raise RuntimeError(f"`caseledger {' '.join(args)}` exited {code}\n{proc.tail()}")
    return {"exit_code": code, "peak_mib": mib(peak), "seconds": time.perf_counter() - t0, "stopped": stopped,
            "process": proc}


def run(settings: Settings, relay_batch: int = 1000, project_seconds: float = 120.0, keep: bool = False) -> dict:
    """Peak memory of the relay publishing the store, the runners catching up, and a rebuild of all models."""
    target = fresh(settings, "memory")
    result: dict = {"relay_batch": relay_batch}
    try:
        with tempfile.TemporaryDirectory(prefix="caseledger-bench-memory-") as tmp:
            folder = Path(tmp)
            relay = run_to_end(target, "relay", "relay", "--once", "--batch", str(relay_batch), folder=folder)
            published = relay["process"].logged("relay_stopped")[-1]["published"]
            result["relay"] = {"peak_mib": relay["peak_mib"], "events": published, "seconds": relay["seconds"],
                               "exit_code": relay["exit_code"]}
            result["events"] = published
            # Every read model in one process, as deployed. A runner holds one batch at a time, so its
            # peak does not grow with the store: past `project_seconds` it is stopped (SIGTERM).
            project = run_for(target, "project", "project", "--until-caught-up", folder=folder,
                              seconds=project_seconds)
            applied = sum(line["applied"] for line in project["process"].logged("projection_runner_stopped"))
            result["project"] = {"peak_mib": project["peak_mib"], "events": applied, "seconds": project["seconds"],
                                 "caught_up": not project["stopped"], "exit_code": project["exit_code"]}
            # A rebuild of every read model in one pass, in one process (its batches are the largest).
            rebuild = run_to_end(target, "replay", "replay", "--workers", "1", "--json", folder=folder)
            reports = json.loads(rebuild["stdout"])
            result["replay"] = {"peak_mib": rebuild["peak_mib"], "events": max(r["events"] for r in reports),
                                "seconds": rebuild["seconds"], "exit_code": rebuild["exit_code"],
                                "read_models": [r["projection"] for r in reports],
                                "identical_to_runners": all(r["identical"] for r in reports)}
    finally:
        if not keep:
            drop_schema(settings, target.projection_schema)
    return result


def stage(ctx) -> dict:
    return run(ctx.bench)


def row(result: dict) -> str:
    p, r = result["project"], result["replay"]
    project = (f"project (all read models, one process) {p['peak_mib']:.0f} MiB after {p['events']:,} model-events"
               + ("" if p["caught_up"] else f" in {p['seconds']:.0f} s"))
    return (f"| memory | {result['events']:,} events | peak resident (VmHWM) of each process | relay --once "
            f"{result['relay']['peak_mib']:.0f} MiB; {project}; replay (all, one pass) {r['peak_mib']:.0f} MiB | — |")
