"""The stack's state is private to the service user (ECA art. 143: Kafka segments and logs hold minors'
data): folders 0700, files 0600, servers started with umask 077, and no folder above the state loosened."""

from __future__ import annotations

import os
import stat

from infra.stack import make_private


def test_every_file_of_the_running_stack_is_readable_by_its_owner_only(stack_settings):
    state = stack_settings.state_dir
    loose = []
    for folder, dirs, files in os.walk(state):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and stat.S_IMODE(os.lstat(path).st_mode) & 0o077:
                loose.append((path, oct(stat.S_IMODE(os.lstat(path).st_mode))))
    assert not loose, loose[:5]
    segments = [os.path.join(f, n) for f, _, ns in os.walk(state / "kafka") for n in ns if n.endswith(".log")]
    assert segments and all(stat.S_IMODE(os.stat(s).st_mode) == 0o600 for s in segments)
    # passage only (no listing) for the postgres user when root runs the stack; nothing above it changed
    assert stat.S_IMODE(os.stat(state).st_mode) in (0o700, 0o711)
    assert stat.S_IMODE(os.stat(stack_settings.data_key_path).st_mode) == 0o600


def test_files_an_earlier_stack_left_readable_are_made_private(tmp_path):
    state = tmp_path / "state"
    (state / "kafka" / "data").mkdir(parents=True)
    segment = state / "kafka" / "data" / "00000000000000000000.log"
    segment.write_bytes(b"Adolescente")
    os.chmod(segment, 0o644)
    os.chmod(state / "kafka", 0o755)
    above = stat.S_IMODE(os.stat(tmp_path).st_mode)
    make_private(state)
    assert stat.S_IMODE(os.stat(segment).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(state / "kafka").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == above
