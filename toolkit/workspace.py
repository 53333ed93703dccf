"""A workspace is one shared folder: catalogue, templates, inbox, archive, feedback, ledger, master."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from toolkit.catalogue import Catalogue, read_catalogue
from toolkit.errors import WorkspaceError

SUBFOLDERS = ("templates", "inbox", "archive", "feedback")


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def catalogue_path(self) -> Path:
        return self.root / "catalogue.xlsx"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def master_path(self) -> Path:
        return self.root / "master.xlsx"

    @classmethod
    def create(cls, root: Path) -> "Workspace":
        ws = cls(Path(root))
        for name in SUBFOLDERS:
            (ws.root / name).mkdir(parents=True, exist_ok=True)
        return ws

    @classmethod
    def open(cls, root: Path) -> "Workspace":
        ws = cls(Path(root))
        if not ws.catalogue_path.exists():
            raise WorkspaceError("workspace.missing",
                                 f"{root} is not a workspace (no catalogue.xlsx): run 'toolkit init {root}' first",
                                 f"{root} ไม่ใช่โฟลเดอร์งาน (ไม่พบ catalogue.xlsx) ให้รัน 'toolkit init {root}' ก่อน")
        for name in SUBFOLDERS:
            (ws.root / name).mkdir(exist_ok=True)
        return ws

    @property
    def catalogue_cache_path(self) -> Path:
        """The parsed catalogue, kept while catalogue.xlsx is unchanged (toolkit.catalogue_cache)."""
        return self.root / ".catalogue-cache.json.zlib"

    def catalogue(self) -> Catalogue:
        return read_catalogue(self.catalogue_path, cache=self.catalogue_cache_path)


@contextmanager
def locked(ws: Workspace) -> Iterator[Workspace]:
    """Hold the workspace's lock: a second toolkit process gets a clear refusal, not a corrupt ledger."""
    path = ws.root / ".toolkit.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise WorkspaceError("workspace.busy",
                                 f"another toolkit process (pid {holder}) is working on {ws.root}; try again when it ends",
                                 f"มีโปรแกรมอีกตัว (pid {holder}) กำลังทำงานกับ {ws.root} กรุณารอให้เสร็จแล้วลองใหม่")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield ws
    finally:
        os.close(fd)
