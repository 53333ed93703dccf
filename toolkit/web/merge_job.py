"""The office's "rebuild the master" as a job in the background.

At a national scale a merge takes a minute or more: longer than a browser, or a proxy in front of
the server, waits for one answer. The button starts the job and waits a few seconds; a merge done by
then answers as before. A longer one leaves a page that shows the merge's step (the same steps
``toolkit merge`` shows) and reloads itself until the master is written. One merge runs at a time:
pressing the button again while one runs shows that one."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from toolkit.errors import ToolkitError
from toolkit.merge.run import merge_workspace
from toolkit.web.submit import WRITE_LOCK
from toolkit.workspace import locked

log = logging.getLogger(__name__)

#: how long the button's request waits for the merge before answering with the progress page
WAIT_S = 5.0


@dataclass
class MergeJob:
    """One merge started from the web: where it is, and how it ended."""

    started: float = field(default_factory=time.monotonic)
    step: str = ""
    done: int = 0
    total: int | None = None
    error: ToolkitError | None = None
    _ended: threading.Event = field(default_factory=threading.Event, repr=False)

    def report(self, step: str, done: int, total: int | None) -> None:
        self.step, self.done, self.total = step, done, total

    @property
    def finished(self) -> bool:
        return self._ended.is_set()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the merge to end; whether it has."""
        return self._ended.wait(seconds)

    @property
    def elapsed(self) -> int:
        return int(time.monotonic() - self.started)

    def run(self, web: Any) -> None:
        try:
            with WRITE_LOCK, locked(web.ws):
                merge_workspace(web.ws, web.ref, web.settings, progress=self.report)
        except ToolkitError as exc:
            self.error = exc
        except Exception:  # noqa: BLE001 - told on the page, the details in the server's log
            log.exception("merge from the web failed")
            self.error = ToolkitError("merge.failed", "the merge failed; the server's log has the details",
                                      "สร้างไฟล์รวมไม่สำเร็จ ดูรายละเอียดในบันทึกของเซิร์ฟเวอร์")
        finally:
            self._ended.set()  # after the error is set: a finished job's error is final


class MergeJobs:
    """The web application's merge: at most one running."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: MergeJob | None = None

    def start(self, web: Any) -> MergeJob:
        """The running merge, or a new one started in a thread of its own."""
        with self._lock:
            if self.current is not None and not self.current.finished:
                return self.current
            job = self.current = MergeJob()
        threading.Thread(target=job.run, args=(web,), name="web-merge", daemon=True).start()
        return job
