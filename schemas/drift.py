"""Drift between the domain event classes and the schemas on disk, field by field.

The domain classes are the source of truth; `drift()` lists, in words a person
can act on, every event type without a schema and every difference between a
class's generated schema and the latest stored version.
"""

from __future__ import annotations

from typing import Any

from schemas.events import DomainEvents
from schemas.generate import SchemaGenerator


def _fields(schema: Any, named: dict[str, Any], path: str, out: dict[str, Any]) -> None:
    """Flatten a schema to {field path: type description} (named types expanded)."""
    if isinstance(schema, list):
        for branch in schema:
            _fields(branch, named, path, out)
        return
    if isinstance(schema, str):
        if schema in named:
            _fields(named[schema], named, path, out)
        return
    kind = schema.get("type")
    if kind in ("record", "enum", "fixed"):
        named.setdefault(f"{schema.get('namespace', '')}.{schema['name']}".lstrip("."), schema)
    if kind == "record":
        for f in schema["fields"]:
            sub = f"{path}.{f['name']}" if path else f["name"]
            out[sub] = _describe(f["type"], named)
            _fields(f["type"], named, sub, out)
    elif kind == "array":
        _fields(schema["items"], named, f"{path}[]", out)


def _describe(node: Any, named: dict[str, Any]) -> str:
    if isinstance(node, list):
        return "[" + ", ".join(_describe(n, named) for n in node) + "]"
    if isinstance(node, str):
        return node.rsplit(".", 1)[-1]
    kind = node["type"]
    if kind == "enum":
        return f"enum {node['name']}{{{', '.join(node['symbols'])}}}"
    if kind in ("record", "fixed"):
        return f"{kind} {node['name']}"
    if kind == "array":
        return f"array<{_describe(node['items'], named)}>"
    logical = node.get("logicalType")
    return f"{kind} ({logical})" if logical else str(kind)


def describe_differences(generated: dict, stored: dict, label: str) -> list[str]:
    """What differs between a generated schema and a stored version, by field path."""
    if generated == stored:
        return []
    new, old = {}, {}
    _fields(generated, {}, "", new)
    _fields(stored, {}, "", old)
    problems = []
    for path in sorted(set(new) | set(old)):
        if path not in old:
            problems.append(f"field {path} is in the domain class but not in {label}")
        elif path not in new:
            problems.append(f"field {path} is in {label} but no longer in the domain class")
        elif new[path] != old[path]:
            problems.append(f"field {path}: {label} has {old[path]}, the domain class {new[path]}")
    return problems or [f"docs or attributes differ from {label}"]


def drift(events: DomainEvents, store: Any) -> list[str]:
    """Every way the domain and the stored schemas disagree (empty when they agree)."""
    problems = []
    known = set(store.event_types())
    for name, schema in SchemaGenerator(events).all_schemas().items():
        if name not in known:
            problems.append(f"{name}: no schema; run `caseledger schemas generate`")
            continue
        latest = store.latest(name)
        for problem in describe_differences(schema, latest.schema, f"v{latest.version}"):
            problems.append(f"{name}: {problem}; run `caseledger schemas generate`")
    return problems
