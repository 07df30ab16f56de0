"""domain/ imports only the standard library, eventsourcing.domain and its own modules."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[3] / "domain"
ALLOWED_THIRD_PARTY = {"eventsourcing.domain"}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _allowed(name: str) -> bool:
    top = name.split(".")[0]
    return name in ALLOWED_THIRD_PARTY or top == "domain" or top in sys.stdlib_module_names or top == "__future__"


def test_domain_imports_only_stdlib_eventsourcing_domain_and_itself():
    offenders = {
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in DOMAIN.rglob("*.py")
        for name in _imports(path)
        if not _allowed(name)
    }
    assert not offenders, offenders


def test_the_scan_reads_the_aggregate_packages():
    scanned = {path.relative_to(DOMAIN).as_posix() for path in DOMAIN.rglob("*.py")}
    assert {"case/__init__.py", "case/intake.py", "unit/__init__.py"} <= scanned


def test_the_scan_would_catch_a_forbidden_import():
    assert not _allowed("kafka") and not _allowed("eventsourcing.application") and not _allowed("psycopg")
