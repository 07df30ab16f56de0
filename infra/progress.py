"""Progress for long work: a one-line bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """`advance(n)` as work completes; shows done/total, rate and time left.

    On a terminal it redraws one line on stderr; elsewhere (CI, files) it stays
    quiet and the caller's structured logs tell the story.
    """

    def __init__(self, label: str, total: int | None = None, stream=None, unit: str = "events",
                 always: bool = False) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._last_draw = 0.0
        self.enabled = always or self.stream.isatty()

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.1 or (self.total and self.done >= self.total)):
            self._last_draw = now
            self._draw()

    def update(self, done: int, total: int | None = None) -> None:
        """Set the count (and the total, when it is only known as work goes on)."""
        if total is not None:
            self.total = total
        self.advance(done - self.done)

    def __call__(self, p) -> None:
        """Use as a rebuild's progress callback (anything with `.events` and `.total`)."""
        self.update(p.events, p.total)

    def _draw(self) -> None:
        rate = self.rate
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "█" * int(frac * 30) + "·" * (30 - int(frac * 30))
            left = (self.total - self.done) / rate if rate > 0 else 0
            text = (f"\r{self.label} {bar} {self.done:,}/{self.total:,} {self.unit} "
                    f"{rate:,.0f}/s, {left:,.0f} s left ")
        else:
            text = f"\r{self.label} {self.done:,} {self.unit} {rate:,.0f}/s "
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
