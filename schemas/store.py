"""Schema versions kept as files: `schemas/avsc/<EventType>/v<N>.avsc`.

A released version is never edited: `MANIFEST.json` beside the versions records
the SHA-256 and the fingerprint of every file, and loading the store fails if a
file no longer matches it. New versions are only ever appended (`write_new_version`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from fastavro import parse_schema

from schemas.errors import SchemaStoreError, UnknownEventTypeError, UnknownSchemaError
from schemas.fingerprint import fingerprint

AVSC_DIR = Path(__file__).resolve().parent / "avsc"
MANIFEST = "MANIFEST.json"
_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.avsc$")


def schema_text(schema: dict) -> str:
    """How a schema is written to disk: stable key order as given, 2-space indent."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class SchemaVersion:
    """One released schema version of one event type."""

    event_type: str
    version: int
    schema: dict = field(repr=False, compare=False)
    path: Path | None = field(default=None, compare=False)

    @cached_property
    def fingerprint(self) -> bytes:
        """CRC-64-AVRO of the Parsing Canonical Form, wire (little-endian) order."""
        return fingerprint(self.schema)

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()

    @cached_property
    def parsed(self) -> Any:
        """The schema parsed by fastavro (own named-type table)."""
        return parse_schema(self.schema, named_schemas={})

    @property
    def label(self) -> str:
        return f"{self.event_type} v{self.version}"


class SchemaStore:
    """The versions on disk, by event type and by fingerprint."""

    def __init__(self, root: Path | str = AVSC_DIR) -> None:
        self.root = Path(root)
        self._versions: dict[str, list[SchemaVersion]] | None = None
        # fingerprint → version, built once per load (every stored event read looks one up)
        self._by_fingerprint: tuple[dict, dict[bytes, SchemaVersion]] | None = None

    # -- reading --------------------------------------------------------------

    def _load(self) -> dict[str, list[SchemaVersion]]:
        if self._versions is not None:
            return self._versions
        manifest = self._read_manifest()
        versions: dict[str, list[SchemaVersion]] = {}
        if self.root.is_dir():
            for directory in sorted(p for p in self.root.iterdir() if p.is_dir()):
                found = []
                for path in sorted(directory.iterdir()):
                    match = _VERSION_FILE.match(path.name)
                    if not match:
                        raise SchemaStoreError(f"{path}: not a version file (expected v<N>.avsc)")
                    found.append((int(match.group(1)), path))
                found.sort()
                numbers = [n for n, _ in found]
                if numbers != list(range(1, len(numbers) + 1)):
                    raise SchemaStoreError(f"{directory}: versions {numbers} are not 1..N without gaps")
                loaded = []
                for number, path in found:
                    text = path.read_text(encoding="utf-8")
                    entry = manifest.get(directory.name, {}).get(path.name)
                    expected = entry["sha256"] if entry else None
                    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    if expected is not None and expected != digest:
                        raise SchemaStoreError(
                            f"{path}: released schema was edited (sha256 {digest[:12]}…, manifest "
                            f"{expected[:12]}…). Restore it and let `caseledger schemas generate` "
                            f"write a new version instead"
                        )
                    if expected is None and manifest:
                        raise SchemaStoreError(f"{path}: not in {MANIFEST}; write versions with the generator")
                    try:
                        schema = json.loads(text)
                        version = SchemaVersion(directory.name, number, schema, path)
                        version.parsed  # noqa: B018 - fail early on an invalid schema
                    except Exception as exc:  # json or Avro parse error
                        raise SchemaStoreError(f"{path}: not a valid Avro schema: {exc}") from exc
                    loaded.append(version)
                versions[directory.name] = loaded
        self._versions = versions
        return versions

    def _read_manifest(self) -> dict[str, dict[str, dict[str, str]]]:
        path = self.root / MANIFEST
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def event_types(self) -> list[str]:
        return sorted(self._load())

    def versions(self, event_type: str) -> list[SchemaVersion]:
        """Every version of `event_type`, oldest first."""
        try:
            return list(self._load()[event_type])
        except KeyError:
            raise UnknownEventTypeError(
                f"no schema for event type {event_type!r} in {self.root}; run `caseledger schemas generate`"
            ) from None

    def latest(self, event_type: str) -> SchemaVersion:
        versions = self._load().get(event_type)
        return versions[-1] if versions else self.versions(event_type)[-1]

    def all_versions(self) -> list[SchemaVersion]:
        return [v for name in self.event_types() for v in self._load()[name]]

    def by_fingerprint(self, fp: bytes) -> SchemaVersion:
        """The version with this fingerprint (the latest one if doc-only versions share it)."""
        found = self._fingerprint_index().get(bytes(fp))
        if found is None:
            raise UnknownSchemaError(bytes(fp), "fetch it from the schema catalogue topic")
        return found

    def fingerprints(self) -> dict[bytes, SchemaVersion]:
        return dict(self._fingerprint_index())

    def _fingerprint_index(self) -> dict[bytes, SchemaVersion]:
        versions = self._load()
        if self._by_fingerprint is None or self._by_fingerprint[0] is not versions:
            self._by_fingerprint = (versions, {v.fingerprint: v for v in self.all_versions()})
        return self._by_fingerprint[1]

    def differs_from_latest(self, event_type: str, schema: dict) -> bool:
        versions = self._load().get(event_type)
        return not versions or versions[-1].schema != schema

    # -- writing --------------------------------------------------------------

    def write_new_version(self, event_type: str, schema: dict) -> SchemaVersion:
        """Append `schema` as the next version of `event_type` and record it in the manifest."""
        existing = self._load().get(event_type, [])
        number = len(existing) + 1
        directory = self.root / event_type
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"v{number}.avsc"
        if path.exists():
            raise SchemaStoreError(f"{path} already exists; released versions are never overwritten")
        text = schema_text(schema)
        path.write_text(text, encoding="utf-8")
        manifest = self._read_manifest()
        manifest.setdefault(event_type, {})[path.name] = {
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "fingerprint": fingerprint(schema).hex(),
        }
        manifest = {k: dict(sorted(v.items(), key=lambda kv: int(kv[0][1:-5]))) for k, v in sorted(manifest.items())}
        (self.root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self._versions = None
        return self.versions(event_type)[-1]


def default_store() -> SchemaStore:
    """The store shipped in the package (`schemas/avsc`)."""
    return SchemaStore(AVSC_DIR)
