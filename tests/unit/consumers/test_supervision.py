"""A runner that crashes on an error nobody foresaw is restarted, loudly, and given up on if it keeps crashing."""

from __future__ import annotations

import threading

from structlog.testing import capture_logs

from consumers.runner import EXIT_CRASHED, supervise
from infra.logs import get_logger


class CrashingRunner:
    """Stands for a ProjectionRunner whose run() raises `crashes` times, then returns `code`."""

    def __init__(self, crashes: int, code: int = 0) -> None:
        self.crashes = crashes
        self.code = code
        self.runs = 0
        self.stop = threading.Event()

    def run(self, until_caught_up: bool = False) -> int:
        self.runs += 1
        if self.runs <= self.crashes:
            raise KeyError("a defect")
        return self.code

    def wait_for_stop(self, timeout: float) -> bool:
        return self.stop.wait(timeout)


def quick(runner, **kw):
    with capture_logs() as logs:
        code = supervise(runner, first_backoff=0.01, max_backoff=0.02, log=get_logger("test"), **kw)
    return code, logs


def test_a_runner_that_crashes_is_restarted_and_each_crash_is_logged_with_its_class_and_frames():
    runner = CrashingRunner(crashes=2)
    code, logs = quick(runner)
    assert (code, runner.runs) == (0, 3)
    crashed = [e for e in logs if e["event"] == "projection_runner_crashed"]
    assert [(e["log_level"], e["error_class"], e["crashes"]) for e in crashed] == [
        ("error", "KeyError", 1), ("error", "KeyError", 2)]
    assert any("test_supervision.py" in frame and "in run" in frame for frame in crashed[0]["frames"])
    assert all("a defect" not in str(e) for e in crashed), "the message may quote event data"


def test_a_runner_that_keeps_crashing_is_given_up_on_with_a_non_zero_exit_code():
    runner = CrashingRunner(crashes=100)
    code, logs = quick(runner, give_up_after=4)
    assert (code, runner.runs) == (EXIT_CRASHED, 4)
    assert logs[-1]["event"] == "projection_runner_gave_up" and logs[-1]["log_level"] == "critical"


def test_a_stop_request_during_the_backoff_ends_supervision_cleanly():
    runner = CrashingRunner(crashes=100)
    runner.stop.set()
    code, _ = quick(runner)
    assert (code, runner.runs) == (0, 1)


def test_the_runners_own_exit_code_is_passed_on():
    assert quick(CrashingRunner(crashes=0, code=3))[0] == 3
