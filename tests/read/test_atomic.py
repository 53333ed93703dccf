"""atomic_write: the target is the old file or the new one, never partial; the previous file is kept."""

import os
import stat

import pytest

from toolkit.atomic import atomic_copy, atomic_write, atomic_write_bytes


def test_replaces_and_keeps_previous(tmp_path):
    target, previous = tmp_path / "master.xlsx", tmp_path / "master.previous.xlsx"
    atomic_write_bytes(target, b"old")
    with atomic_write(target, keep_previous=previous) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nothing visible until the block ends
    assert target.read_bytes() == b"new" and previous.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.previous.xlsx", "master.xlsx"]
    assert stat.S_IMODE(os.stat(target).st_mode) & 0o044  # readable by the office, not mkstemp's 0600


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "catalogue.xlsx"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["catalogue.xlsx"]


def test_copy(tmp_path):
    source = tmp_path / "in.bin"
    source.write_bytes(os.urandom(3000))
    copy = atomic_copy(source, tmp_path / "ab" / "out.bin")
    assert copy.read_bytes() == source.read_bytes()
