"""The progress line people see during long work."""

import io
from types import SimpleNamespace

from infra.progress import Progress


def test_the_progress_line_shows_count_total_and_rate_and_ends_with_a_newline():
    out = io.StringIO()
    bar = Progress("rebuild accounts", total=1000, stream=out, always=True)
    bar.advance(250)
    bar.close()
    line = out.getvalue()
    assert "rebuild accounts" in line and "250/1,000 events" in line and "/s" in line
    assert line.endswith("\n")


def test_a_rebuild_callback_sets_count_and_total_as_they_become_known():
    out = io.StringIO()
    bar = Progress("rebuild", stream=out, always=True)
    bar(SimpleNamespace(events=40, total=200))
    bar(SimpleNamespace(events=200, total=200))
    assert (bar.done, bar.total) == (200, 200)
    assert "200/200 events" in out.getvalue()


def test_nothing_is_drawn_when_the_output_is_not_a_terminal():
    out = io.StringIO()
    bar = Progress("relay", total=10, stream=out)
    bar.advance(10)
    bar.close()
    assert out.getvalue() == ""
