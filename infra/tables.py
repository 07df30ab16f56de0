"""Plain-text tables for people (the CLI prints these unless --json is asked for).

Values come from what people typed. A terminal executes control characters (ESC
sequences clear the screen or move the cursor, a line feed starts a forged row),
so every value is shown through ``printable``: controls as escapes, ``\\x1b``, ``\\n``.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

# C0, DEL, C1; lone surrogates (cannot be written out); line/paragraph separators and the
# bidirectional controls that reorder what is displayed (the "Trojan Source" characters).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: object) -> str:
    """``value`` as text a terminal shows as-is: control and reordering characters escaped."""
    text = value if isinstance(value, str) else str(value)
    return _UNPRINTABLE.sub(_escape, text)


def render_table(rows: Iterable[Mapping], columns: Sequence[str], headers: Sequence[str] | None = None) -> str:
    rows = list(rows)
    headers = [printable(h) for h in (headers or columns)]
    cells = [["" if r.get(c) is None else printable(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)
