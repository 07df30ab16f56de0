"""The key service: per-subject data keys, AES-256-GCM with associated data, a bounded cache."""

from __future__ import annotations

import os
import uuid

import pytest

from infra.persistence.keys import FileKeyEncryptionKey, KeyService, MemoryKeyStore
from schemas.sealing import SealingError


def a_service(**kwargs) -> tuple[KeyService, MemoryKeyStore]:
    store = MemoryKeyStore()
    return KeyService(FileKeyEncryptionKey(os.urandom(32)), store, **kwargs), store


def test_each_subject_has_its_own_key_and_a_value_opens_only_with_its_associated_data():
    service, store = a_service()
    one, two = uuid.uuid4(), uuid.uuid4()
    sealed = service.seal(one, b"stream\x001\x00name", b"Fulano")
    assert service.open(sealed["key_id"], sealed["nonce"], sealed["ciphertext"], b"stream\x001\x00name") == b"Fulano"
    with pytest.raises(SealingError, match="does not authenticate"):
        service.open(sealed["key_id"], sealed["nonce"], sealed["ciphertext"], b"stream\x002\x00name")
    service.seal(two, b"x", b"y")
    with pytest.raises(SealingError, match="does not authenticate"):  # another subject's key
        service.open(f"{two}/1", sealed["nonce"], sealed["ciphertext"], b"stream\x001\x00name")
    assert store.get(one) != store.get(two)


def test_the_nonce_is_the_same_for_the_same_value_and_place_and_differs_elsewhere():
    service, _ = a_service()
    subject = uuid.uuid4()
    first = service.seal(subject, b"s\x001\x00name", b"Fulano")
    assert service.seal(subject, b"s\x001\x00name", b"Fulano") == first  # re-encoding compares equal
    assert service.seal(subject, b"s\x001\x00filiation", b"Fulano")["nonce"] != first["nonce"]
    assert service.seal(subject, b"s\x001\x00name", b"Beltrano")["nonce"] != first["nonce"]


def test_the_cache_of_unwrapped_keys_is_bounded_and_an_evicted_key_comes_back_from_the_store():
    service, _ = a_service(cache_size=2)
    subjects = [uuid.uuid4() for _ in range(3)]
    sealed = [service.seal(s, b"ad", b"v") for s in subjects]
    assert len(service._cache) == 2 and subjects[0] not in service._cache
    assert service.open(sealed[0]["key_id"], sealed[0]["nonce"], sealed[0]["ciphertext"], b"ad") == b"v"


def test_a_destroyed_key_leaves_its_values_erased():
    service, store = a_service()
    subject = uuid.uuid4()
    sealed = service.seal(subject, b"ad", b"Fulano")
    assert service.destroy(subject) and store.get(subject) is None
    assert service.open(sealed["key_id"], sealed["nonce"], sealed["ciphertext"], b"ad") is None
