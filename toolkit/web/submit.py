"""Submitting a checked file: recorded exactly as ``toolkit collect`` records it (``collect_file``),
under the workspace lock, and the receipt the agency sees afterwards."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from toolkit.collect import CollectResult, collect_file
from toolkit.ledger import Ledger, Submission
from toolkit.reference import Reference
from toolkit.web.checks import POOL_LOCK, CheckRecord, check_dir, save_check, staged_file, web_pool
from toolkit.web.tokens import AgencyAccess
from toolkit.workspace import Workspace, locked

#: one writer at a time inside this process; ``locked`` keeps other processes out
WRITE_LOCK = threading.Lock()


@dataclass
class Receipt:
    submission: Submission
    rows: dict[str, int]  # sheet key -> rows recorded
    duplicate: bool = False


class SubmitRefused(Exception):
    def __init__(self, message_th: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_th, self.message_en = message_th, message_en


def submit_check(ws: Workspace, ref: Reference, access: AgencyAccess, record: CheckRecord,
                 timeout_s: float = 60.0) -> Receipt:
    """Record the checked file in the ledger as ``toolkit collect`` would; refuse what the check blocked."""
    if record.submission_id is not None:
        raise SubmitRefused("ไฟล์นี้ส่งแล้ว", "This file was already submitted.")
    if not record.can_submit:
        raise SubmitRefused("ไฟล์นี้ยังมีข้อผิดพลาด กรุณาแก้ไขแล้วตรวจใหม่", "This file still has errors; fix it and check again.")
    path = staged_file(ws, access, record)
    if path is None:
        raise SubmitRefused("ไม่พบไฟล์ที่ตรวจไว้ กรุณาอัปโหลดใหม่", "The checked file is gone; upload it again.")
    with WRITE_LOCK, locked(ws), Ledger(ws.ledger_path) as ledger:
        known = ledger.by_sha(record.sha256)
        if known is not None and (known.agency, known.round) != (access.agency, access.round):
            raise SubmitRefused("ไฟล์นี้ไม่ใช่ของหน่วยงานท่าน", "This file is not your agency's.")
        with POOL_LOCK:
            result: CollectResult = collect_file(ws, ledger, path, ref, ws.catalogue(), expected_round=access.round,
                                                 pool=web_pool(timeout_s))
        if result.submission is None:
            raise SubmitRefused("บันทึกไม่สำเร็จ กรุณาลองใหม่", f"Could not record the file: {result.detail}")
        receipt = receipt_for(ledger, result.submission)
    receipt.duplicate = result.status == "duplicate"
    record.submission_id = receipt.submission.id
    folder = check_dir(ws, access, record.sha256)
    assert folder is not None
    save_check(folder, record)
    path.unlink(missing_ok=True)  # the archive keeps the original
    return receipt


def receipt_for(ledger: Ledger, submission: Submission) -> Receipt:
    rows = {r["sheet_key"]: r["n"] for r in ledger.db.execute(
        "SELECT sheet_key, COUNT(*) AS n FROM data_rows WHERE submission_id = ? GROUP BY sheet_key", (submission.id,))}
    return Receipt(submission, rows)


def agency_submissions(ledger: Ledger, access: AgencyAccess) -> list[Submission]:
    """Only this link's agency and round, newest first."""
    return list(reversed(ledger.submissions_of(access.agency, access.round)))
