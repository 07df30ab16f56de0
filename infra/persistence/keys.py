"""The key service: one 256-bit data key per data subject, AES-256-GCM sealing of personal fields.

ECA art. 143 and LGPD art. 14 (children's data): the fields the domain marks personal leave
the application only as ciphertext (`schemas.sealing` describes the format). Each subject
(the adolescent of a case, `schemas.sealing.subject_of`) has its own data key, so destroying
that key (LGPD arts. 15-16, after the legal retention) erases the subject everywhere at once
without rewriting a byte of history.

Data keys are stored wrapped (AES key wrap, RFC 3394) by a key-encryption key that never
enters the database: `KeyEncryptionKey` is the interface an HSM or a KMS implements;
`FileKeyEncryptionKey` reads a 32-byte key file (mode 0600, created by `stack up`).
Wrapped keys live in their own PostgreSQL schema (`PostgresKeyStore`). Unwrapped keys are
kept in a bounded, time-limited cache: unwrapping costs ~0.25 ms, and an erasure made by
another process takes effect here within the cache's lifetime.

The nonce is synthetic: the first 12 bytes of HMAC-SHA-256(data key, associated data ‖
plaintext). The same value at the same place of the same event always seals to the same
bytes (an event re-encoded compares equal to the stored one), and two different plaintexts
never share a nonce (the GCM nonce-reuse failure needs two plaintexts under one nonce).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from schemas.sealing import SealingError

KEY_VERSION = 1
KEYS_SCHEMA = "caseledger_keys"


class KeyEncryptionKey(Protocol):
    """Wraps and unwraps data keys; the key itself stays outside the database (file, HSM, KMS)."""

    kek_id: str

    def wrap(self, data_key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes: ...


class FileKeyEncryptionKey:
    """A key-encryption key read from a file of 32 random bytes, readable by its owner only."""

    def __init__(self, key: bytes, kek_id: str = "file") -> None:
        if len(key) != 32:
            raise SealingError("the key-encryption key must be 32 bytes (AES-256)")
        self._key = key
        self.kek_id = kek_id

    @classmethod
    def load(cls, path: Path | str) -> FileKeyEncryptionKey:
        path = Path(path)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise SealingError(f"no key-encryption key at {path}: run `caseledger stack up` or set "
                               "CASELEDGER_KEY_FILE") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SealingError(f"the key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
                               "it must be 0600")
        return cls(path.read_bytes(), kek_id=f"file:{hashlib.sha256(path.read_bytes()).hexdigest()[:8]}")

    @staticmethod
    def create(path: Path | str) -> bool:
        """Create the key file (0600) unless it exists; True if created."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as out:
            out.write(os.urandom(32))
        return True

    def wrap(self, data_key: bytes) -> bytes:
        return aes_key_wrap(self._key, data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._key, wrapped)
        except InvalidUnwrap:
            raise SealingError("a data key does not unwrap with this key-encryption key") from None


class KeyStore(Protocol):
    def get(self, subject: uuid.UUID) -> bytes | None: ...

    def put_if_absent(self, subject: uuid.UUID, wrapped: bytes, kek_id: str) -> bytes:
        """Store `wrapped` unless the subject has a key; return the subject's stored key."""

    def delete(self, subject: uuid.UUID) -> bool: ...


class MemoryKeyStore:
    """Keys in memory (tests, the in-memory ledger)."""

    def __init__(self) -> None:
        self._keys: dict[uuid.UUID, bytes] = {}
        self._lock = threading.Lock()

    def get(self, subject: uuid.UUID) -> bytes | None:
        return self._keys.get(subject)

    def put_if_absent(self, subject: uuid.UUID, wrapped: bytes, kek_id: str) -> bytes:
        with self._lock:
            return self._keys.setdefault(subject, wrapped)

    def delete(self, subject: uuid.UUID) -> bool:
        with self._lock:
            return self._keys.pop(subject, None) is not None


class PostgresKeyStore:
    """Wrapped data keys in their own schema, `caseledger_keys.data_keys` (one row per subject)."""

    def __init__(self, connect: Any, schema: str = KEYS_SCHEMA) -> None:
        self._connect = connect
        self._schema = schema
        self._conn: Any = None
        self._lock = threading.Lock()

    def _cursor_run(self, sql: str, args: tuple = ()) -> Any:
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = self._connect()
                        self._conn.autocommit = True
                        self._create()
                    with self._conn.cursor() as cur:
                        cur.execute(sql.format(schema=self._schema), args)
                        return cur.fetchall() if cur.description else cur.rowcount
                except Exception:
                    if self._conn is not None:
                        try:
                            self._conn.close()
                        except Exception:
                            pass
                    self._conn = None
                    if attempt == 2:
                        raise
        return None

    def _create(self) -> None:
        with self._conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (f"{self._schema}.data_keys",))
            if cur.fetchone()[0] is not None:
                return  # made already (by the owner, for a writer role that may not create schemas)
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"caseledger.create.{self._schema}",))
            try:
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {self._schema}")
                cur.execute(f"""CREATE TABLE IF NOT EXISTS {self._schema}.data_keys (
                    subject uuid PRIMARY KEY, version int NOT NULL, kek_id text NOT NULL,
                    wrapped bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())""")
                # ANALYZE would copy sampled wrapped keys into pg_statistic, out of reach of an erasure.
                cur.execute(f"ALTER TABLE {self._schema}.data_keys ALTER COLUMN wrapped SET STATISTICS 0")
            finally:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"caseledger.create.{self._schema}",))

    def get(self, subject: uuid.UUID) -> bytes | None:
        rows = self._cursor_run("SELECT wrapped FROM {schema}.data_keys WHERE subject = %s", (str(subject),))
        return bytes(rows[0][0]) if rows else None

    def put_if_absent(self, subject: uuid.UUID, wrapped: bytes, kek_id: str) -> bytes:
        self._cursor_run("INSERT INTO {schema}.data_keys (subject, version, kek_id, wrapped) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT (subject) DO NOTHING", (str(subject), KEY_VERSION, kek_id, wrapped))
        stored = self.get(subject)
        if stored is None:
            raise SealingError("the data key of a subject vanished while it was created (erased meanwhile)")
        return stored

    def delete(self, subject: uuid.UUID) -> bool:
        return bool(self._cursor_run("DELETE FROM {schema}.data_keys WHERE subject = %s", (str(subject),)))


class KeyService:
    """Seals and opens personal values with per-subject data keys (`schemas.sealing.Sealer`)."""

    def __init__(self, kek: KeyEncryptionKey, store: KeyStore, cache_size: int = 10_000,
                 cache_seconds: float = 300.0) -> None:
        self.kek, self.store = kek, store
        self._cache: OrderedDict[uuid.UUID, tuple[float, bytes, AESGCM]] = OrderedDict()
        self._cache_size, self._cache_seconds = cache_size, cache_seconds
        self._lock = threading.Lock()

    def _cached(self, subject: uuid.UUID) -> tuple[bytes, AESGCM] | None:
        with self._lock:
            entry = self._cache.get(subject)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self._cache_seconds:
                del self._cache[subject]
                return None
            self._cache.move_to_end(subject)
            return entry[1], entry[2]

    def _remember(self, subject: uuid.UUID, key: bytes) -> tuple[bytes, AESGCM]:
        aead = AESGCM(key)
        with self._lock:
            self._cache[subject] = (time.monotonic(), key, aead)
            self._cache.move_to_end(subject)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key, aead

    def _key(self, subject: uuid.UUID, create: bool) -> tuple[bytes, AESGCM] | None:
        found = self._cached(subject)
        if found is not None:
            return found
        wrapped = self.store.get(subject)
        if wrapped is None:
            if not create:
                return None
            wrapped = self.store.put_if_absent(subject, self.kek.wrap(AESGCM.generate_key(bit_length=256)),
                                               self.kek.kek_id)
        return self._remember(subject, self.kek.unwrap(wrapped))

    def seal(self, subject: uuid.UUID, associated_data: bytes, plaintext: bytes) -> dict:
        key, aead = self._key(subject, create=True)  # type: ignore[misc]
        nonce = hmac.new(key, associated_data + b"\x00" + plaintext, hashlib.sha256).digest()[:12]
        return {"key_id": f"{subject}/{KEY_VERSION}", "nonce": nonce,
                "ciphertext": aead.encrypt(nonce, plaintext, associated_data)}

    def open(self, key_id: str, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes | None:
        try:
            subject = uuid.UUID(key_id.split("/", 1)[0])
        except ValueError:
            raise SealingError("a sealed value names no valid key id") from None
        found = self._key(subject, create=False)
        if found is None:
            return None  # the key was destroyed: the value is erased
        try:
            return found[1].decrypt(nonce, ciphertext, associated_data)
        except InvalidTag:
            raise SealingError("a sealed value does not authenticate: altered, or moved from another "
                               "event or field") from None

    def has_key(self, subject: uuid.UUID) -> bool:
        return self._key(subject, create=False) is not None

    def destroy(self, subject: uuid.UUID) -> bool:
        """Erase a subject: its wrapped key removed from the store and from this cache."""
        with self._lock:
            self._cache.pop(subject, None)
        return self.store.delete(subject)


def ephemeral_key_service() -> KeyService:
    """A key service whose keys live and die with the process (in-memory ledgers, tests)."""
    return KeyService(FileKeyEncryptionKey(os.urandom(32), kek_id="ephemeral"), MemoryKeyStore())


class _ProcessKeys:
    """The default codec's key service: every key service this process built (one in a deployed
    process; tests mix in-memory and PostgreSQL ledgers). Seals with the latest, opens with the one
    that holds the key."""

    def __init__(self) -> None:
        self.services: list[KeyService] = []

    def add(self, service: KeyService) -> None:
        """`service` becomes the one that seals (the ledger built last)."""
        if service in self.services:
            self.services.remove(service)
        self.services.append(service)

    def seal(self, subject: uuid.UUID, associated_data: bytes, plaintext: bytes) -> dict:
        return self.services[-1].seal(subject, associated_data, plaintext)

    def open(self, key_id: str, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes | None:
        subject = uuid.UUID(key_id.split("/", 1)[0])
        for service in reversed(self.services):
            if service.has_key(subject):
                return service.open(key_id, nonce, ciphertext, associated_data)
        return None


_all_keys = _ProcessKeys()
_process_keys: KeyService | None = None
_by_key_file: dict[str, KeyService] = {}


def process_key_service() -> KeyService:
    """The in-memory key service of this process (in-memory and SQLite ledgers, tests)."""
    global _process_keys
    if _process_keys is None:
        _process_keys = ephemeral_key_service()
    _install(_process_keys)  # the latest ledger's keys seal for the default codec
    return _process_keys


def prepare_key_store(connect: Any, writer_role: str | None, schema: str = KEYS_SCHEMA) -> None:
    """As the database owner: make the key schema and let the writer role read and add keys (not
    change or remove them: destroying a key is an erasure, done by the owner)."""
    from psycopg2.sql import SQL, Identifier

    store = PostgresKeyStore(connect, schema)
    store._cursor_run("SELECT 1")  # creates what is missing
    table = f"{schema}.data_keys"
    try:
        granted = "SELECT has_schema_privilege(%s, %s, 'USAGE') AND has_table_privilege(%s, %s, 'SELECT') " \
                  "AND has_table_privilege(%s, %s, 'INSERT')"
        if writer_role and not store._cursor_run(granted, (writer_role, schema, writer_role, table,
                                                           writer_role, table))[0][0]:
            # Processes starting at once would race on the catalogue row ("tuple concurrently
            # updated"): one grants under a lock, the others find it granted.
            conn = store._conn
            conn.autocommit = False
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"caseledger.grant.{schema}",))
                for statement in ("GRANT USAGE ON SCHEMA {s} TO {w}", "GRANT SELECT, INSERT ON {t} TO {w}"):
                    cur.execute(SQL(statement).format(s=Identifier(schema), w=Identifier(writer_role),
                                                      t=Identifier(schema, "data_keys")))
            conn.commit()
    finally:
        store._conn.close()


def destroy_subject_key(connect: Any, subject: uuid.UUID, schema: str = KEYS_SCHEMA) -> bool:
    """As the database owner: destroy a subject's data key (an erasure, D-19) — the row deleted and the
    table rewritten (VACUUM FULL), so the wrapped key's bytes leave the table's data files; and this
    process's cached copies dropped. Other processes drop theirs within their cache's time bound.
    True if there was a key to destroy (False: destroyed already, or the subject never had one)."""
    store = PostgresKeyStore(connect, schema)
    try:
        removed = bool(store.delete(subject))
        store._cursor_run("VACUUM FULL {schema}.data_keys")
        _purge_statistics(store)
    finally:
        if store._conn is not None:
            store._conn.close()
    for service in (*_all_keys.services, *_by_key_file.values()):
        with service._lock:
            service._cache.pop(subject, None)
    return removed


def _purge_statistics(store: PostgresKeyStore) -> None:
    """ANALYZE samples column values into pg_statistic — wrapped keys included, where a destroyed key
    would survive its row. The key table keeps no statistics (SET STATISTICS 0; a table of one row per
    subject needs none), and what an earlier ANALYZE sampled is removed and the catalogue rewritten.
    Needs a superuser (the local stack's owner is one); otherwise says what is left to do."""
    table = f"{store._schema}.data_keys"
    try:
        store._cursor_run("ALTER TABLE {schema}.data_keys ALTER COLUMN wrapped SET STATISTICS 0")
        store._cursor_run("DELETE FROM pg_catalog.pg_statistic WHERE starelid = %s::regclass", (table,))
        store._cursor_run("VACUUM FULL pg_catalog.pg_statistic")
    except Exception as exc:  # psycopg2.Error: a non-superuser owner
        import structlog

        structlog.get_logger("keys").warning("key_statistics_not_purged", table=table, error_class=type(exc).__name__,
                                   next_step="as a superuser: DELETE FROM pg_statistic WHERE starelid = "
                                             f"'{table}'::regclass; VACUUM FULL pg_statistic")


def key_service_from_env(env: Any) -> KeyService:
    """The key service for a ledger's environment: PostgreSQL key store + key file, else ephemeral.

    CASELEDGER_KEY_FILE names the key-encryption key file; the keys are stored in the event
    store's database (POSTGRES_*), schema `caseledger_keys`.
    """
    module = str(env.get("PERSISTENCE_MODULE") or "")
    key_file = env.get("CASELEDGER_KEY_FILE")
    if "postgres" not in module.lower() and "event_store" not in module:
        # In-memory and SQLite ledgers (tests, tools): one key service per process, so a ledger
        # reopened in the same process still reads what an earlier one wrote.
        return process_key_service()
    if not key_file:
        raise SealingError("CASELEDGER_KEY_FILE is not set: the ledger cannot seal personal data")
    import psycopg2

    def connect() -> Any:
        return psycopg2.connect(dbname=env.get("POSTGRES_DBNAME"), host=env.get("POSTGRES_HOST"),
                                port=env.get("POSTGRES_PORT"), user=env.get("POSTGRES_USER"),
                                password=env.get("POSTGRES_PASSWORD"),
                                connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT") or 5),
                                application_name="caseledger-keys")

    if key_file in _by_key_file:
        _install(_by_key_file[key_file])  # the latest ledger's keys seal for the default codec
        return _by_key_file[key_file]
    FileKeyEncryptionKey.create(key_file)  # `stack up` makes it; a first start on a bare database too
    service = KeyService(FileKeyEncryptionKey.load(key_file), PostgresKeyStore(connect),
                         cache_size=int(env.get("CASELEDGER_KEY_CACHE_SIZE") or 10_000))
    _by_key_file[key_file] = service
    _install(service)  # the process's readers (relay, projections) open with the same keys
    return service


def _install(service: KeyService) -> None:
    from schemas.codec import install_default_sealer

    _all_keys.add(service)
    install_default_sealer(_all_keys)
