"""The offline verifier (infra/tamper/verifier.py) and the log's proofs, without servers.

The vendored vectors come from transparency-dev/merkle (tests/unit/infra/merkle_vectors/SOURCE.md).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
from pathlib import Path

import pytest

from infra.tamper import verifier
from infra.tamper.log import (
    CompactRange, checkpoint_text, consistency_proof, inclusion_proof, sign_note, verifier_key,
)
from infra.tamper.verifier import VerificationError, leaf_hash, node_hash, root_of
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

VECTORS = sorted((Path(__file__).parent / "merkle_vectors").glob("*.json"))


def _b(x: str) -> bytes:
    return base64.b64decode(x) if x else b""


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_verifier_matches_the_transparency_dev_vectors(path):
    d = json.loads(path.read_text())
    if path.name.startswith("inclusion"):
        check = lambda: verifier.verify_inclusion(d["leafIdx"], d["treeSize"], _b(d["leafHash"]),  # noqa: E731
                                                  [_b(p) for p in d["proof"]], _b(d["root"]))
    else:
        check = lambda: verifier.verify_consistency(d["size1"], d["size2"], _b(d["root1"]), _b(d["root2"]),  # noqa: E731
                                                    [_b(p) for p in d["proof"]])
    if d["wantErr"]:
        with pytest.raises(VerificationError):
            check()
    else:
        check()


def test_vendored_vectors_hold_negative_cases():
    assert len(VECTORS) >= 10
    assert sum(json.loads(p.read_text())["wantErr"] for p in VECTORS) >= 8


def test_rfc6962_hashes_of_the_empty_tree_and_one_leaf():
    assert root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert node_hash(b"a" * 32, b"b" * 32) != node_hash(b"b" * 32, b"a" * 32)


def test_every_generated_proof_verifies_and_any_altered_one_fails():
    leaves = [leaf_hash(bytes([i])) for i in range(33)]
    for n in range(1, 34):
        hashes, root = leaves[:n], root_of(leaves[:n])
        compact = CompactRange()
        for h in hashes:
            compact.append(h)
        assert compact.root() == root
        for i in range(n):
            proof = inclusion_proof(hashes, i)
            verifier.verify_inclusion(i, n, hashes[i], proof, root)
            if proof:
                bad = list(proof)
                bad[0] = bytes(32)
                with pytest.raises(VerificationError):
                    verifier.verify_inclusion(i, n, hashes[i], bad, root)
                with pytest.raises(VerificationError):
                    verifier.verify_inclusion(i, n, hashes[i], proof[:-1], root)
            with pytest.raises(VerificationError):
                verifier.verify_inclusion(i, n, hashes[i], proof + [bytes(32)], root)
        for m in range(1, n + 1):
            proof = consistency_proof(hashes, m)
            verifier.verify_consistency(m, n, root_of(hashes[:m]), root, proof)
            if m < n:
                with pytest.raises(VerificationError):
                    verifier.verify_consistency(m, n, root_of(hashes[:m]), root_of(leaves[1:n + 1]), proof)


def test_a_note_verifies_with_the_log_key_and_ignores_an_unknown_witness():
    key, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text = checkpoint_text("example.org/log", 5, b"\x01" * 32, b"\x02" * 32)
    note = sign_note(text, "example.org/log", key)
    cosigned = note + sign_note(text, "corregedoria", witness).split("\n\n", 1)[1]
    body, signers = verifier.open_note(cosigned, [verifier_key("example.org/log", key)])
    assert body == text and signers == ["example.org/log"]
    _, both = verifier.open_note(cosigned, [verifier_key("example.org/log", key), verifier_key("corregedoria", witness)])
    assert both == ["example.org/log", "corregedoria"]
    forged = note.replace("\n5\n", "\n6\n")
    with pytest.raises(VerificationError, match="does not verify"):
        verifier.open_note(forged, [verifier_key("example.org/log", key)])
    cp = verifier.parse_checkpoint(body)
    assert (cp["size"], cp["map_root"]) == (5, b"\x02" * 32)


def test_the_key_id_is_c2sp_signed_note_s():
    pub = bytes(range(32))
    assert verifier.key_id("n", pub) == hashlib.sha256(b"n\n\x01" + pub).digest()[:4]


def test_the_standalone_verifier_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(Path(verifier.__file__).read_text())
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
    assert roots <= {"__future__", "base64", "hashlib", "json", "sys", "cryptography"}


def test_the_relay_header_carries_the_hash_the_leaf_commits_to():
    from types import SimpleNamespace
    from infra.relay import outgoing
    value = b"\xc3\x01stored bytes"
    rec = outgoing("t", SimpleNamespace(id=7, originator_id="s", originator_version=1), value=value, event_id="e",
                   event_type="Case.X", fingerprint="f", occurred_at="", recorded_at="")
    assert dict(rec.headers)["value_sha256"] == hashlib.sha256(value).hexdigest().encode()


def test_the_verifier_refuses_an_unreadable_bundle_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "b.json"
    path.write_text("{not json")
    assert verifier.main([str(path)]) == 1
    assert capsys.readouterr().out.startswith("NOT VERIFIED: the bundle is unreadable")


def test_the_signing_key_file_is_created_once_readable_by_its_owner_only(tmp_path):
    from infra.tamper.log import load_or_create_key, public_raw
    path = tmp_path / "keys" / "log.pem"
    first = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert public_raw(load_or_create_key(path)) == public_raw(first)
