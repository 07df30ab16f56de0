"""Full-transitive compatibility of schema versions, by the Avro schema-resolution rules.

Every version of an event type must be able to read data written with every
earlier version (*backward*) and be readable by every earlier version
(*forward*). So a consumer on any released version decodes any event, old or new.

The rules implemented (Avro spec, "Schema Resolution"):
- records: same unqualified name (or a reader alias); a reader field absent
  from the writer needs a default; a writer field absent from the reader is
  skipped; fields are matched by name (or reader field alias) recursively;
- enums: same name; a writer symbol unknown to the reader needs a reader `default`;
- fixed: same name and size; arrays: items; maps: values;
- unions: every branch the writer may use must resolve in the reader; a reader
  union takes the first branch that matches a non-union writer;
- promotions: int → long, float, double; long → float, double; float → double;
  string ↔ bytes;
- logical types (stricter than the spec, which ignores them): a changed logical
  type (timestamp-millis → timestamp-micros, say) would be misread silently, so
  it is an incompatibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastavro import parse_schema

from schemas.errors import IncompatibleSchemaError

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_PROMOTIONS = {
    ("int", "long"), ("int", "float"), ("int", "double"),
    ("long", "float"), ("long", "double"), ("float", "double"),
    ("string", "bytes"), ("bytes", "string"),
}  # (writer, reader)


@dataclass(frozen=True)
class Incompatibility:
    """One reason why version `version` and an earlier version do not resolve."""

    event_type: str
    version: int
    earlier: int
    direction: str  # "backward": new version reads old data; "forward": old version reads new data
    path: str
    reason: str

    def __str__(self) -> str:
        reader, writer = (
            (self.version, self.earlier) if self.direction == "backward" else (self.earlier, self.version)
        )
        return (
            f"{self.event_type} v{self.version} is not {self.direction} compatible with v{self.earlier} "
            f"(v{reader} reading data written with v{writer}): {self.path or '<root>'}: {self.reason}"
        )


class _Schema:
    """A parsed schema with its named-type table, to follow references."""

    def __init__(self, schema: Any) -> None:
        self.root = parse_schema(schema, named_schemas={}, _write_hint=False)
        self.named: dict[str, Any] = {}
        self._collect(self.root)

    def _collect(self, node: Any) -> None:
        if isinstance(node, list):
            for branch in node:
                self._collect(branch)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in ("record", "error", "enum", "fixed") and node["name"] not in self.named:
                self.named[node["name"]] = node
            if kind in ("record", "error"):
                for f in node["fields"]:
                    self._collect(f["type"])
            elif kind == "array":
                self._collect(node["items"])
            elif kind == "map":
                self._collect(node["values"])
            elif isinstance(kind, (dict, list)):
                self._collect(kind)

    def deref(self, node: Any) -> Any:
        """Follow named references and `{"type": <primitive>}` wrappers to a concrete node."""
        while True:
            if isinstance(node, str) and node not in _PRIMITIVES:
                node = self.named[node]
            elif isinstance(node, dict) and isinstance(node.get("type"), (dict, list)) and "logicalType" not in node:
                node = node["type"]
            else:
                return node


def _kind(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "union"
    return node["type"] if isinstance(node["type"], str) else _kind(node["type"])


def _logical(node: Any) -> str | None:
    return node.get("logicalType") if isinstance(node, dict) else None


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _describe(node: Any) -> str:
    kind = _kind(node)
    if kind in ("record", "enum", "fixed"):
        return f"{kind} {_short(node['name'])}"
    logical = _logical(node)
    return f"{kind} ({logical})" if logical else kind


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Resolver:
    def __init__(self, reader: Any, writer: Any) -> None:
        self.r = _Schema(reader)
        self.w = _Schema(writer)
        self.problems: list[tuple[str, str]] = []
        self._seen: set[tuple[str, str, str]] = set()

    def run(self) -> list[tuple[str, str]]:
        self.check(self.r.root, self.w.root, "")
        return self.problems

    def fail(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def matches(self, r: Any, w: Any) -> bool:
        """Whether reader branch `r` is the one Avro picks for writer type `w`."""
        rk, wk = _kind(r), _kind(w)
        if rk in ("record", "enum", "fixed") and rk == wk:
            return _short(r["name"]) == _short(w["name"]) or _short(w["name"]) in map(_short, r.get("aliases", []))
        return rk == wk or (wk, rk) in _PROMOTIONS

    def check(self, r: Any, w: Any, path: str) -> None:
        r, w = self.r.deref(r), self.w.deref(w)
        rk, wk = _kind(r), _kind(w)
        if wk == "union":
            for branch in w:
                self.check(r, branch, path)
            return
        if rk == "union":
            branches = [self.r.deref(b) for b in r]
            for branch in branches:
                if self.matches(branch, w):
                    self.check(branch, w, path)
                    return
            self.fail(path, f"the writer's {_describe(w)} matches no branch of the reader's union "
                            f"[{', '.join(_describe(b) for b in branches)}]")
            return
        if rk != wk:
            if (wk, rk) in _PROMOTIONS:
                return
            self.fail(path, f"type changed: the writer has {_describe(w)}, the reader {_describe(r)}")
            return
        if rk in _PRIMITIVES:
            if _logical(r) != _logical(w):
                self.fail(path, f"logical type changed: the writer has {_logical(w) or 'none'}, "
                                f"the reader {_logical(r) or 'none'}; values would be misread")
            return
        if rk in ("record", "enum", "fixed") and not self.matches(r, w):
            self.fail(path, f"{rk} renamed: the writer has {_short(w['name'])}, the reader {_short(r['name'])} "
                            f"(add the old name to the reader's aliases)")
            return
        getattr(self, f"_{rk}")(r, w, path)

    def _record(self, r: dict, w: dict, path: str) -> None:
        key = (r["name"], w["name"], path)
        if key in self._seen:  # recursive types
            return
        self._seen.add(key)
        writer_fields = {f["name"]: f for f in w["fields"]}
        for rf in r["fields"]:
            candidates = [rf["name"], *rf.get("aliases", [])]
            wf = next((writer_fields[n] for n in candidates if n in writer_fields), None)
            field_path = _join(path, rf["name"])
            if wf is not None:
                self.check(rf["type"], wf["type"], field_path)
            elif "default" not in rf:
                self.fail(field_path, "field is in the reader but not in the writer, and the reader "
                                      "gives it no default (add a default, e.g. make it optional)")

    def _enum(self, r: dict, w: dict, path: str) -> None:
        unknown = [s for s in w["symbols"] if s not in r["symbols"]]
        if unknown and "default" not in r:
            self.fail(path, f"enum {_short(r['name'])}: symbol(s) {', '.join(unknown)} written by the writer "
                            f"are unknown to the reader, which declares no default symbol")

    def _fixed(self, r: dict, w: dict, path: str) -> None:
        if r["size"] != w["size"]:
            self.fail(path, f"fixed {_short(r['name'])}: size changed from {w['size']} to {r['size']}")

    def _array(self, r: dict, w: dict, path: str) -> None:
        self.check(r["items"], w["items"], f"{path}[]")

    def _map(self, r: dict, w: dict, path: str) -> None:
        self.check(r["values"], w["values"], f"{path}{{}}")


def reading_problems(reader: Any, writer: Any) -> list[tuple[str, str]]:
    """(field path, reason) for everything that stops `reader` from reading `writer` data."""
    return _Resolver(reader, writer).run()


def can_read(reader: Any, writer: Any) -> bool:
    """Whether data written with `writer` resolves into `reader` (Avro schema resolution)."""
    return not reading_problems(reader, writer)


def check_versions(event_type: str, schemas: list[Any], first_new: int = 1) -> list[Incompatibility]:
    """Full-transitive check of the versions of one event type (`schemas[0]` is v1).

    Checks each version from index `first_new` on against every earlier one, both ways.
    """
    problems: list[Incompatibility] = []
    for j in range(max(first_new, 1), len(schemas)):
        for i in range(j):
            for direction, reader, writer in (("backward", schemas[j], schemas[i]), ("forward", schemas[i], schemas[j])):
                for path, reason in reading_problems(reader, writer):
                    problems.append(Incompatibility(event_type, j + 1, i + 1, direction, path, reason))
    return problems


def check_store(store: Any) -> list[Incompatibility]:
    """Every incompatibility among the versions in `store` (empty when all is well)."""
    problems: list[Incompatibility] = []
    for name in store.event_types():
        problems.extend(check_versions(name, [v.schema for v in store.versions(name)]))
    return problems


def assert_compatible(store: Any) -> None:
    """Raise IncompatibleSchemaError listing every incompatibility in `store`."""
    problems = check_store(store)
    if problems:
        raise IncompatibleSchemaError(problems)


def check_candidates(store: Any, candidates: dict[str, Any]) -> None:
    """Raise IncompatibleSchemaError if appending `candidates` (type → schema) would break the store."""
    problems: list[Incompatibility] = []
    for name, schema in candidates.items():
        existing = [v.schema for v in store.versions(name)] if name in store.event_types() else []
        problems.extend(check_versions(name, [*existing, schema], first_new=len(existing)))
    if problems:
        raise IncompatibleSchemaError(problems)


