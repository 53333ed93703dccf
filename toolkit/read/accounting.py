"""Accounting that proves nothing was lost in a collect run: files received = accepted + rejected (each
with its reason) + duplicates + failed, and for every file rows read = rows merged + rows refused (with
the reason). Rows read come from the reader (the stage); rows merged are counted back from the ledger,
so the balance is a check, not a definition."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable


@dataclass
class FileAccount:
    file: str
    status: str  # accepted | rejected | duplicate | failed
    reasons: list[str] = field(default_factory=list)  # rule ids of the errors (rejected), or the failure
    rows_read: int = 0
    rows_merged: int = 0
    rows_refused: int = 0
    refused_reason: str = ""
    peak_rss: int = 0
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_merged + self.rows_refused


@dataclass
class RunAccount:
    files: list[FileAccount] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {**self._totals(), "balanced": int(self.balanced)}

    def _totals(self) -> dict[str, int]:
        return {"files_received": len(self.files), "accepted": self.count("accepted"),
                "rejected": self.count("rejected"), "duplicates": self.count("duplicate"),
                "failed": self.count("failed"), "rows_read": sum(f.rows_read for f in self.files),
                "rows_merged": sum(f.rows_merged for f in self.files),
                "rows_refused": sum(f.rows_refused for f in self.files)}

    @property
    def rejections(self) -> dict[str, int]:
        """Rejected files by the reason named first."""
        return dict(Counter(f.reasons[0] if f.reasons else "?" for f in self.files if f.status == "rejected"))

    @property
    def balanced(self) -> bool:
        c = self._totals()
        files_ok = c["files_received"] == c["accepted"] + c["rejected"] + c["duplicates"] + c["failed"]
        return files_ok and all(f.balanced for f in self.files) and all(
            f.reasons for f in self.files if f.status in ("rejected", "failed"))

    def lines(self) -> list[str]:
        """The run's balance in Thai and English, for ``toolkit collect``."""
        c = self.counts
        reasons = ", ".join(f"{rule} {n}" for rule, n in sorted(self.rejections.items())) or "-"
        verdict = "ครบถ้วน / balanced" if self.balanced else "ไม่ครบ ตรวจสอบ! / NOT BALANCED: check"
        return [
            f"ไฟล์ที่ได้รับ / files received {c['files_received']} = รับ / accepted {c['accepted']}"
            f" + ไม่รับ / rejected {c['rejected']} + ซ้ำ / duplicates {c['duplicates']} + ผิดพลาด / failed {c['failed']}",
            f"เหตุที่ไม่รับ / rejected by reason: {reasons}",
            f"แถวที่อ่าน / rows read {c['rows_read']} = รวมเข้าระบบ / merged {c['rows_merged']}"
            f" + ไม่รับ / refused {c['rows_refused']}  [{verdict}]",
        ]

    def detail(self) -> dict[str, Any]:
        return {"rejections": self.rejections, "files": [asdict(f) for f in self.files]}


def account_run(results: Iterable[Any], ledger: Any) -> RunAccount:
    """The account of one collect run from its ``CollectResult``s, stored in the ledger's runs table."""
    account = RunAccount()
    for r in results:
        if r.status == "duplicate":
            account.files.append(FileAccount(r.file, "duplicate", [r.detail]))
            continue
        if r.status == "failed" or r.report is None or r.submission is None:
            account.files.append(FileAccount(r.file, "failed", [r.detail or "failed"]))
            continue
        entry = FileAccount(r.file, "accepted" if r.report.accepted else "rejected", rows_read=r.rows_read,
                            peak_rss=r.peak_rss, seconds=round(r.seconds, 3))
        if r.report.accepted:
            # an accepted file keeps every row it has: all must be in the ledger, or the run does not balance
            entry.rows_merged = ledger.count_rows(r.submission.id)
        else:
            entry.reasons = list(dict.fromkeys(f.rule for f in r.report.errors))
            entry.rows_refused = entry.rows_read
            entry.refused_reason = "file rejected: " + ", ".join(entry.reasons)
        account.files.append(entry)
    ledger.record_run(account.counts, account.detail())
    return account
