"""The deployment's municipal holidays file (CASELEDGER_HOLIDAYS_FILE): holidays the ledger's own table
(`domain.calendar.MUNICIPAL_HOLIDAYS`) lacks, each with the municipal law or decree that declares it.

    {"Rondonópolis": [{"date": "12-10", "name": "Aniversário de Rondonópolis",
                       "source": "Lei municipal nº …/…"}],
     "Primavera do Leste": [{"date": "05-13", "name": "…", "source": "…"}]}

Dates are MM-DD (fixed holidays; movable ones — Carnival, Corpus Christi — are already off). Read once
per process by the command line (`infra/cli.py`), before any command or query counts business days.
"""

from __future__ import annotations

import json
from pathlib import Path

from domain.calendar import MunicipalHoliday, declare_municipal_holidays


class HolidaysFileError(ValueError):
    """The holidays file cannot be used: says where and what to fix."""


def load_holidays_file(path: Path) -> int:
    """Declare every holiday of the file; the number declared. Nothing is declared if any entry is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise HolidaysFileError(f"cannot read the holidays file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise HolidaysFileError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise HolidaysFileError(f"{path}: give an object of comarca → list of holidays (see infra/holidays.py)")
    parsed: dict[str, list[MunicipalHoliday]] = {}
    for comarca, entries in data.items():
        if not isinstance(entries, list):
            raise HolidaysFileError(f"{path}: {comarca}: give a list of holidays")
        for i, entry in enumerate(entries):
            where = f"{path}: {comarca}[{i}]"
            if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("date", "name", "source")):
                raise HolidaysFileError(f"{where}: give date (MM-DD), name and source as text")
            try:
                month, day = (int(part) for part in entry["date"].split("-"))
            except ValueError:
                raise HolidaysFileError(f"{where}: the date {entry['date']!r} is not MM-DD") from None
            try:
                holiday = MunicipalHoliday(month, day, entry["name"].strip(), entry["source"].strip())
            except ValueError as exc:
                raise HolidaysFileError(f"{where}: {exc}") from None
            parsed.setdefault(comarca, []).append(holiday)
    for comarca, holidays in parsed.items():
        declare_municipal_holidays(comarca, holidays)
    return sum(len(h) for h in parsed.values())
