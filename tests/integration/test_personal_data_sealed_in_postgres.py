"""Personal data on the real PostgreSQL: sealed in the stored bytes, data keys wrapped in their own
schema, the key-encryption key in a 0600 file, and the application still reading its own events
in clear (ECA art. 143; LGPD art. 14)."""

from __future__ import annotations

import os
import stat
import uuid

import psycopg2
import pytest

from application.ledger import CaseLedger
from infra.persistence.keys import KEYS_SCHEMA, FileKeyEncryptionKey, KeyService, PostgresKeyStore
from schemas.sealing import SealingError
from tests.unit.domain.builders import a_registration, a_unit

PERSONAL = ["Adolescente Fictício", "RG 0000000 SSP/MT", "Mãe Fictícia", "Rua Fictícia, 1, Cuiabá"]


def _rows(settings, sql, args=()):
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def test_the_stored_events_hold_no_personal_value_in_clear_and_the_ledger_reads_them_back(stack_settings, es_env,
                                                                                           pg_schema):
    ledger = CaseLedger(env=es_env)
    case_id = a_registration(ledger, a_unit(ledger))
    ledger.close()

    states = [bytes(s) for (s,) in _rows(stack_settings, f'SELECT state FROM "{pg_schema}".caseledger_events')]
    assert states
    for value in PERSONAL:
        for encoding in ("utf-8", "latin-1"):
            assert not any(value.encode(encoding) in state for state in states), value

    reread = CaseLedger(env=es_env)
    reread.mapper.use_keys(KeyService(FileKeyEncryptionKey.load(stack_settings.data_key_path), PostgresKeyStore(
        lambda: psycopg2.connect(stack_settings.pg_dsn))))  # no cached key: it comes from the key store
    registered = next(iter(reread.events.get(case_id)))
    assert (registered.name, registered.civil_document) == ("Adolescente Fictício", "RG 0000000 SSP/MT")
    reread.close()


def test_data_keys_are_stored_wrapped_in_their_own_schema_and_the_key_file_is_private(stack_settings, es_env):
    ledger = CaseLedger(env=es_env)
    case_id = a_registration(ledger, a_unit(ledger))
    ledger.close()

    rows = _rows(stack_settings, f"SELECT wrapped, kek_id FROM {KEYS_SCHEMA}.data_keys WHERE subject = %s",
                 (str(case_id),))
    assert len(rows) == 1
    wrapped = bytes(rows[0][0])
    assert len(wrapped) == 40  # RFC 3394: a 256-bit key wrapped is 40 bytes, never the key itself
    key_file = stack_settings.data_key_path
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert FileKeyEncryptionKey.load(key_file).unwrap(wrapped) != wrapped

    # Without the key file's key nothing unwraps: the database alone reveals no data key.
    stranger = KeyService(FileKeyEncryptionKey(os.urandom(32)), PostgresKeyStore(lambda: psycopg2.connect(
        stack_settings.pg_dsn)))
    with pytest.raises(SealingError, match="does not unwrap"):
        stranger.open(f"{case_id}/1", b"\0" * 12, b"\0" * 32, b"")


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    key_file = tmp_path / "kek"
    assert FileKeyEncryptionKey.create(key_file)
    os.chmod(key_file, 0o644)
    with pytest.raises(SealingError, match="must be 0600"):
        FileKeyEncryptionKey.load(key_file)


def test_destroying_a_data_key_leaves_the_values_erased_and_touches_no_other_subject(stack_settings):
    service = KeyService(FileKeyEncryptionKey(os.urandom(32)), PostgresKeyStore(
        lambda: psycopg2.connect(stack_settings.pg_dsn)))
    one, other = uuid.uuid4(), uuid.uuid4()
    sealed_one = service.seal(one, b"ad", b"Fulano")
    sealed_other = service.seal(other, b"ad", b"Beltrano")
    assert service.destroy(one)
    assert service.open(sealed_one["key_id"], sealed_one["nonce"], sealed_one["ciphertext"], b"ad") is None
    assert service.open(sealed_other["key_id"], sealed_other["nonce"], sealed_other["ciphertext"], b"ad") == b"Beltrano"
    assert not _rows(stack_settings, f"SELECT 1 FROM {KEYS_SCHEMA}.data_keys WHERE subject = %s", (str(one),))
