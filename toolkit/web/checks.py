"""An agency's self-check: the uploaded file (already archived) is checked by ``collect``'s own stage
(``check_file``) in an isolated worker, with the feedback workbook written by the worker too, so that
a hostile or broken file can exhaust or crash only that worker. Nothing is written to the
ledger: the check is kept as a small JSON record beside the staged copy, under ``web/checks``.
Submitting a checked file hands it to ``toolkit.collect.collect_file``."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from toolkit.config import DEFAULT_SETTINGS
from toolkit.feedback import write_feedback
from toolkit.findings import FileReport, Finding, make_finding
from toolkit.ledger.history import LedgerHistory
from toolkit.read.isolate import WorkerFailure, WorkerPool
from toolkit.read.preflight import DEFAULT_LIMITS
from toolkit.read.stage import FileJob, check_file
from toolkit.reference import Reference
from toolkit.web.accounts import now_utc
from toolkit.web.tokens import AgencyAccess
from toolkit.web.uploads import Upload
from toolkit.workspace import Workspace

_SHA = re.compile(r"^[0-9a-f]{64}$")
#: one request at a time uses the web's worker (checks and submissions alike)
POOL_LOCK = threading.Lock()
_pool_guard = threading.Lock()
_pool: WorkerPool | None = None


@dataclass
class CheckRecord:
    """One self-check: the file, what the validator found, and whether it was submitted."""

    sha256: str
    name: str
    size: int
    checked_at: str
    agency: str  # the link's agency and round
    round: str
    report: dict[str, Any]
    findings: list[dict[str, str]] = field(default_factory=list)
    blocked_th: str = ""
    blocked_en: str = ""
    feedback: bool = False
    submission_id: int | None = None

    @property
    def errors(self) -> list[dict[str, str]]:
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def warnings(self) -> list[dict[str, str]]:
        return [f for f in self.findings if f["severity"] == "warning"]

    @property
    def can_submit(self) -> bool:
        return not self.errors and not self.blocked_en and self.submission_id is None


def checks_root(ws: Workspace) -> Path:
    return ws.root / "web" / "checks"


def staging_dir(ws: Workspace) -> Path:
    return ws.root / "web" / "staging"


def check_dir(ws: Workspace, access: AgencyAccess, sha: str) -> Path | None:
    """The folder of one check of this link; None for anything but a SHA-256."""
    if not _SHA.match(sha):
        return None
    return checks_root(ws) / access.token_hash[:32] / sha


def web_pool(timeout_s: float) -> WorkerPool:
    """The web application's own isolated worker (``toolkit.read.isolate``, as ``collect`` parses):
    one memory- and time-limited process, used by one request at a time (hold ``POOL_LOCK``)."""
    global _pool
    with _pool_guard:
        if _pool is None or _pool.limits.worker_timeout_s != timeout_s:
            if _pool is not None:
                _pool.close()
            _pool = WorkerPool(size=1, limits=replace(DEFAULT_LIMITS, worker_timeout_s=timeout_s))
        return _pool


@atexit.register
def _close_pool() -> None:
    if _pool is not None:
        _pool.close()


def validate_isolated(ws: Workspace, ref: Reference, archived: Path, name: str, expected_round: str,
                      feedback_path: Path, timeout_s: float) -> tuple[FileReport, bool]:
    """Check ``archived`` exactly as ``collect`` does (``check_file`` in an isolated worker) and write
    the feedback workbook in the worker too. A crash, a memory blow-up or a timeout is the named
    rejection ``collect`` gives, never the server's problem. Returns the report and whether feedback
    was written."""
    job = FileJob(archived, name, expected_round, LedgerHistory(ws.ledger_path))
    with POOL_LOCK:
        pool = web_pool(timeout_s)
        outcome = next(pool.map(check_file, [job], ref=ref, catalogue=ws.catalogue(), settings=DEFAULT_SETTINGS))
        if outcome.error is not None:
            report = FileReport(file=name)
            code = outcome.error.code if isinstance(outcome.error, WorkerFailure) else "file.unreadable"
            detail = outcome.error.message_en if isinstance(outcome.error, WorkerFailure) else str(outcome.error)[:300]
            report.findings.append(make_finding(code, detail=detail))
            return report, False
        report = outcome.result.parsed.report
        if not report.findings or any(f.rule.startswith("intake.") for f in report.findings):
            return report, False  # nothing to mark, or a file no reader should open
        try:
            written = pool.run(write_feedback, archived, report, feedback_path)
        except Exception:  # the issues are on the page; the workbook copy is a convenience
            written = None
    return report, written is not None


def _finding_dict(f: Finding) -> dict[str, str]:
    return {"rule": f.rule, "severity": f.severity, "sheet": f.sheet, "cell": f.cell, "value": f.value,
            "message_th": f.message_th, "message_en": f.message_en}


def prune(ws: Workspace, keep_hours: float, now: float | None = None) -> int:
    """Remove checks and half-received uploads untouched for ``keep_hours`` (the archive keeps every
    original); returns how many folders or files went."""
    cutoff = (now if now is not None else time.time()) - keep_hours * 3600
    gone = 0
    for folder in checks_root(ws).glob("*/*"):
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            gone += 1
    for part in staging_dir(ws).glob(".*.part"):
        if part.stat().st_mtime < cutoff:
            part.unlink(missing_ok=True)
            gone += 1
    return gone


def run_check(ws: Workspace, ref: Reference, access: AgencyAccess, upload: Upload, timeout_s: float) -> CheckRecord:
    """Check an archived upload for the link's agency and round, and keep the result."""
    folder = check_dir(ws, access, upload.sha256)
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / upload.name
    for old in folder.iterdir():  # the same bytes under another name: keep the latest name only
        if old.is_file() and old.name not in ("check.json", "feedback.xlsx"):
            old.unlink()
    shutil.move(str(upload.staged), staged)
    report, feedback = validate_isolated(ws, ref, upload.archived, upload.name, access.round,
                                         folder / "feedback.xlsx", timeout_s)
    record = CheckRecord(upload.sha256, upload.name, upload.size, now_utc(), access.agency, access.round,
                         {"agency": report.agency, "round": report.round, "template_id": report.template_id,
                          "outcome": report.outcome},
                         [_finding_dict(f) for f in report.findings], feedback=feedback)
    if report.agency and report.agency != access.agency:
        record.blocked_th = (f"ไฟล์นี้เป็นแบบรายงานของหน่วยงานรหัส {report.agency} ไม่ใช่ของหน่วยงานท่าน "
                             f"({access.agency}) กรุณาใช้แม่แบบของหน่วยงานท่าน")
        record.blocked_en = (f"This return belongs to agency {report.agency}, not to yours ({access.agency}); "
                             "use your agency's own template.")
    save_check(folder, record)
    return record


def save_check(folder: Path, record: CheckRecord) -> None:
    from toolkit.atomic import atomic_write_bytes

    atomic_write_bytes(folder / "check.json", json.dumps(asdict(record), ensure_ascii=False, indent=1).encode())


def load_check(ws: Workspace, access: AgencyAccess, sha: str) -> CheckRecord | None:
    """The check of ``sha`` made through this link (None for another link's or an unknown one)."""
    folder = check_dir(ws, access, sha)
    if folder is None or not (folder / "check.json").is_file():
        return None
    record = CheckRecord(**json.loads((folder / "check.json").read_text(encoding="utf-8")))
    if (record.agency, record.round) != (access.agency, access.round):
        return None
    return record


def staged_file(ws: Workspace, access: AgencyAccess, record: CheckRecord) -> Path | None:
    folder = check_dir(ws, access, record.sha256)
    path = folder / record.name if folder else None
    return path if path and path.is_file() else None
