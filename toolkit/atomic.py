"""Write files so that a crash, a kill or a full disk never leaves a half-written one behind.

Every file the toolkit writes goes through :func:`atomic_write` (or its two halves, :func:`temp_path`
and :func:`commit`, where a context manager does not fit): the content is written to a temporary
file in the same folder, flushed to disk (fsync), moved over the target with ``os.replace`` (atomic on
POSIX and Windows) and the folder itself is fsynced so the rename survives a power cut. Readers see the
old file or the new one, never a mixture."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _keep_copy(path: Path, previous: Path) -> None:
    """Put the current ``path`` at ``previous`` without ever removing ``path`` (hard link, else a copy)."""
    staging = previous.with_name(f".{previous.name}.{os.getpid()}.prev")
    try:
        staging.unlink(missing_ok=True)
        try:
            os.link(path, staging)
        except OSError:
            shutil.copyfile(path, staging)
            _fsync_file(staging)
        os.replace(staging, previous)
    finally:
        staging.unlink(missing_ok=True)


def temp_path(path: Path) -> Path:
    """A fresh, empty temporary file next to ``path`` (same folder, so the final rename is atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_UMASK)  # mkstemp makes 0600; the office shares this folder
    return Path(name)


def commit(tmp: Path, path: Path, keep_previous: Path | None = None) -> Path:
    """Make the fully written ``tmp`` the new ``path``: fsync, keep the previous file if asked,
    ``os.replace``, fsync the folder. ``path`` exists at every moment: the old file, then the new one."""
    tmp, path = Path(tmp), Path(path)
    try:
        _fsync_file(tmp)
        if keep_previous is not None and path.exists():
            _keep_copy(path, Path(keep_previous))
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@contextmanager
def atomic_write(path: Path, keep_previous: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; write the whole file there. When the block ends
    without an exception the file replaces ``path`` (see :func:`commit`); otherwise it is removed and
    ``path`` is untouched. With ``keep_previous``, the file ``path`` held before is kept there."""
    tmp = temp_path(path)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    commit(tmp, path, keep_previous)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_copy(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` atomically (the archive copy of a received file)."""
    with atomic_write(target) as tmp:
        shutil.copyfile(source, tmp)
    return Path(target)
