"""An agency's self-check: the uploaded file (already archived) is validated in a child process,
exactly as ``toolkit collect`` validates it, with the feedback workbook written by the child too, so
that a hostile or broken file can exhaust or crash only that child. Nothing is written to the
ledger: the check is kept as a small JSON record beside the staged copy, under ``web/checks``.
Submitting a checked file hands it to ``toolkit.collect.collect_file``."""

from __future__ import annotations

import json
import multiprocessing
import re
import shutil
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.findings import FileReport, Finding, make_finding
from toolkit.web.accounts import now_utc
from toolkit.web.tokens import AgencyAccess
from toolkit.web.uploads import Upload
from toolkit.workspace import Workspace

_SHA = re.compile(r"^[0-9a-f]{64}$")
_PRELOAD = ["toolkit.validate.run", "toolkit.feedback", "toolkit.catalogue", "toolkit.reference"]
_ctx_lock = threading.Lock()
_ctx: Any = None


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


def _context() -> Any:
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            _ctx = multiprocessing.get_context("forkserver")
            _ctx.set_forkserver_preload(_PRELOAD)
        return _ctx


def _worker(conn: Any, archived: str, name: str, catalogue_path: str, ledger_path: str, expected_round: str,
            feedback_path: str, memory_bytes: int) -> None:
    try:
        if memory_bytes:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        from toolkit.catalogue import read_catalogue
        from toolkit.config import DEFAULT_SETTINGS
        from toolkit.feedback import write_feedback
        from toolkit.ledger.history import LedgerHistory
        from toolkit.reference import load_reference
        from toolkit.validate.run import validate_file

        parsed = validate_file(Path(archived), load_reference(), DEFAULT_SETTINGS, read_catalogue(Path(catalogue_path)),
                               display_name=name, expected_round=expected_round,
                               history=LedgerHistory(Path(ledger_path)))
        report = parsed.report
        written = None
        if report.findings and not any(f.rule.startswith("intake.") for f in report.findings):
            written = write_feedback(Path(archived), report, Path(feedback_path))
        conn.send(("ok", report, bool(written)))
    except BaseException as exc:  # noqa: BLE001 - the parent turns it into a finding
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:300], False))
        except Exception:
            pass
    finally:
        conn.close()


def validate_isolated(ws: Workspace, archived: Path, name: str, expected_round: str, feedback_path: Path,
                      timeout_s: float) -> tuple[FileReport, bool]:
    """Validate ``archived`` in a child process; a crash, a memory blow-up or a timeout is an
    unreadable file, never the server's problem. Returns the report and whether feedback was written."""
    from toolkit.read.preflight import Limits

    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    memory = int(getattr(Limits(), "worker_memory_bytes", 0) or 0)
    proc = ctx.Process(target=_worker, daemon=True,
                       args=(send, str(archived), name, str(ws.catalogue_path), str(ws.ledger_path), expected_round,
                             str(feedback_path), memory))
    proc.start()
    send.close()
    outcome: tuple[str, Any, bool] = ("error", "the check did not finish in time", False)
    try:
        if receive.poll(timeout_s):
            outcome = receive.recv()
    except (EOFError, OSError):
        outcome = ("error", f"the checking process stopped (exit code {proc.exitcode})", False)
    finally:
        proc.join(1)
        if proc.is_alive():
            proc.kill()
            proc.join()
        receive.close()
    kind, payload, feedback = outcome
    if kind == "ok":
        return payload, feedback
    report = FileReport(file=name)
    report.findings.append(make_finding("file.unreadable", detail=str(payload)))
    return report, False


def _finding_dict(f: Finding) -> dict[str, str]:
    return {"rule": f.rule, "severity": f.severity, "sheet": f.sheet, "cell": f.cell, "value": f.value,
            "message_th": f.message_th, "message_en": f.message_en}


def run_check(ws: Workspace, access: AgencyAccess, upload: Upload, timeout_s: float) -> CheckRecord:
    """Check an archived upload for the link's agency and round, and keep the result."""
    folder = check_dir(ws, access, upload.sha256)
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / upload.name
    for old in folder.iterdir():  # the same bytes under another name: keep the latest name only
        if old.is_file() and old.name not in ("check.json", "feedback.xlsx"):
            old.unlink()
    shutil.move(str(upload.staged), staged)
    report, feedback = validate_isolated(ws, upload.archived, upload.name, access.round, folder / "feedback.xlsx",
                                         timeout_s)
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
