"""Submissions, their findings and their typed rows, in one SQLite file inside the workspace."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from toolkit.findings import FileReport, Finding

if TYPE_CHECKING:
    import pandas as pd

LEDGER_VERSION = 4  # 2: approvals, submissions.held; 3: sheet_sources; 4: decision_history
#: additive migrations: the columns each version added to a table that already existed.
_ADDED_COLUMNS = {2: [("submissions", "held", "INTEGER NOT NULL DEFAULT 0")]}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    archived_path TEXT NOT NULL,
    received_at TEXT NOT NULL,
    agency TEXT NOT NULL DEFAULT '',
    round TEXT NOT NULL DEFAULT '',
    template_id TEXT NOT NULL DEFAULT '',
    schema_version INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'accepted_with_warnings', 'rejected')),
    n_errors INTEGER NOT NULL,
    n_warnings INTEGER NOT NULL,
    superseded_by INTEGER REFERENCES submissions(id),
    held INTEGER NOT NULL DEFAULT 0  -- 1: accepted while the agency's round was approved: pending, not applied
);
CREATE TABLE IF NOT EXISTS findings (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    seq INTEGER NOT NULL,
    flag_id TEXT NOT NULL,
    rule TEXT NOT NULL, severity TEXT NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    value TEXT NOT NULL, message_th TEXT NOT NULL, message_en TEXT NOT NULL,
    item TEXT NOT NULL, column_key TEXT NOT NULL,
    PRIMARY KEY (submission_id, seq)
);
CREATE TABLE IF NOT EXISTS data_rows (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    sheet_key TEXT NOT NULL,
    excel_row INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (submission_id, sheet_key, excel_row)
);
CREATE TABLE IF NOT EXISTS decisions (
    flag_id TEXT PRIMARY KEY,
    decision TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '', decided_on TEXT NOT NULL DEFAULT '',
    value_at_decision TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS submissions_agency_round ON submissions(agency, round);
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY,
    agency TEXT NOT NULL, round TEXT NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    approved_at TEXT NOT NULL, approved_by TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
    withdrawn_at TEXT, withdrawn_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS approvals_agency_round ON approvals(agency, round);
CREATE TABLE IF NOT EXISTS runs (  -- one row per collect run: nothing received is lost (toolkit/read/accounting.py)
    id INTEGER PRIMARY KEY, finished_at TEXT NOT NULL,
    files_received INTEGER NOT NULL, accepted INTEGER NOT NULL, rejected INTEGER NOT NULL,
    duplicates INTEGER NOT NULL, failed INTEGER NOT NULL,
    rows_read INTEGER NOT NULL, rows_merged INTEGER NOT NULL, rows_refused INTEGER NOT NULL,
    balanced INTEGER NOT NULL,
    detail TEXT NOT NULL  -- JSON: rejections by reason; per file: status, reasons, rows read/merged/refused
);
CREATE TABLE IF NOT EXISTS decision_history (  -- decisions replaced or reopened (toolkit/merge/decisions.py)
    id INTEGER PRIMARY KEY, flag_id TEXT NOT NULL,
    decision TEXT NOT NULL, note TEXT NOT NULL, reviewer TEXT NOT NULL, decided_on TEXT NOT NULL,
    value_at_decision TEXT NOT NULL, replaced_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sheet_sources (  -- lineage: where each sheet's columns were in the file received
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    sheet_key TEXT NOT NULL, sheet_name TEXT NOT NULL,
    columns TEXT NOT NULL,  -- JSON: column key -> 1-based column index
    PRIMARY KEY (submission_id, sheet_key)
);
"""


@dataclass(frozen=True)
class Submission:
    id: int
    sha256: str
    original_name: str
    archived_path: str
    received_at: str
    agency: str
    round: str
    template_id: str
    schema_version: int | None
    outcome: str
    n_errors: int
    n_warnings: int
    superseded_by: int | None
    held: int = 0


class Ledger:
    """Open with ``Ledger(path)``; every write happens inside one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        if self._version() < LEDGER_VERSION:  # a ledger already up to date is opened without a write
            self.db.executescript(_SCHEMA)
            self._migrate()
            self.db.execute("INSERT OR IGNORE INTO ledger_meta VALUES ('version', ?)", (str(LEDGER_VERSION),))

    def _version(self) -> int:
        """The ledger's version as recorded; 0 for a new file or one without the record. Read before
        the schema is checked: that check writes, and so waits for the write lock while collect records
        a return (every page and lookup that only reads waited with it)."""
        try:
            found = self.db.execute("SELECT value FROM ledger_meta WHERE key = 'version'").fetchone()
        except sqlite3.OperationalError:  # no ledger_meta table yet
            return 0
        return int(found[0]) if found and str(found[0]).isdigit() else 0

    @classmethod
    def reader(cls, path: Path) -> "Ledger":
        """A read-only connection to an existing ledger, without the schema check and migration an
        ordinary open of an out-of-date ledger does (a parsing worker, which must not change the
        ledger, reads a return's history through it). Raises sqlite3.Error when the file is not a
        ledger."""
        self = cls.__new__(cls)
        self.path = Path(path)
        self.db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30,
                                  isolation_level=None)
        self.db.row_factory = sqlite3.Row
        return self

    def _migrate(self) -> None:
        """Bring an older ledger up to LEDGER_VERSION: new tables come from _SCHEMA, new columns here."""
        for version in sorted(_ADDED_COLUMNS):
            for table, column, decl in _ADDED_COLUMNS[version]:
                have = {r["name"] for r in self.db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    try:
                        self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
                    except sqlite3.OperationalError as exc:  # another process migrated it a moment ago
                        if "duplicate column" not in str(exc):
                            raise
        if self._version() < LEDGER_VERSION:  # (no record yet: the open inserts it)
            self.db.execute("UPDATE ledger_meta SET value = ? WHERE key = 'version'", (str(LEDGER_VERSION),))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reads ----------------------------------------------------------------------------------
    def by_sha(self, sha256: str) -> Submission | None:
        row = self.db.execute("SELECT * FROM submissions WHERE sha256 = ?", (sha256,)).fetchone()
        return Submission(**dict(row)) if row else None

    def submissions(self) -> list[Submission]:
        return [Submission(**dict(r)) for r in self.db.execute("SELECT * FROM submissions ORDER BY id")]

    def submissions_of(self, agency: str | None, round_: str | None) -> list[Submission]:
        """The submissions of one agency and round (None matches a file whose agency or round could
        not be read), in the order received, through the (agency, round) index: collect asks once
        per file, and reading every submission each time grew with the square of the ledger."""
        rows = self.db.execute("SELECT * FROM submissions WHERE agency IS ? AND round IS ? ORDER BY id",
                               (agency, round_))
        return [Submission(**dict(r)) for r in rows]

    def current(self) -> list[Submission]:
        """Per agency and round: the latest accepted submission, else the latest one (held ones aside)."""
        chosen: dict[tuple[str, str], Submission] = {}
        for s in self.submissions():
            if s.held:
                continue
            key = (s.agency, s.round)
            held = chosen.get(key)
            if held is None or s.outcome != "rejected" or held.outcome == "rejected":
                chosen[key] = s
        return sorted(chosen.values(), key=lambda s: (s.round, s.agency))

    def latest(self) -> list[Submission]:
        """Per agency and round: the most recent submission, whatever its outcome (held ones aside)."""
        latest: dict[tuple[str, str], Submission] = {}
        for s in self.submissions():
            if not s.held:
                latest[(s.agency, s.round)] = s
        return sorted(latest.values(), key=lambda s: (s.round, s.agency))

    def findings(self, submission_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT * FROM findings WHERE submission_id = ? ORDER BY seq", (submission_id,))]

    def rows(self, submission_id: int, sheet_key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        for r in self.db.execute("SELECT excel_row, data FROM data_rows WHERE submission_id = ? AND sheet_key = ? "
                                 "ORDER BY excel_row", (submission_id, sheet_key)):
            yield r["excel_row"], json.loads(r["data"])

    def sources(self, submission_id: int) -> dict[str, tuple[str, dict[str, int]]]:
        """Per sheet key: the sheet's name in the file received and where each column was."""
        return {r["sheet_key"]: (r["sheet_name"], json.loads(r["columns"])) for r in self.db.execute(
            "SELECT * FROM sheet_sources WHERE submission_id = ?", (submission_id,))}

    def decisions(self) -> dict[str, dict[str, Any]]:
        return {r["flag_id"]: dict(r) for r in self.db.execute("SELECT * FROM decisions")}

    def runs(self) -> list[dict[str, Any]]:
        """Every collect run's accounting, oldest first (``detail`` decoded)."""
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def count_rows(self, submission_id: int | None = None) -> int:
        """Data rows recorded for ``submission_id``, or for every submission."""
        if submission_id is None:
            return int(self.db.execute("SELECT COUNT(*) FROM data_rows").fetchone()[0])
        return int(self.db.execute("SELECT COUNT(*) FROM data_rows WHERE submission_id = ?", (submission_id,)).fetchone()[0])

    # -- writes ---------------------------------------------------------------------------------
    def record_run(self, counts: dict[str, int], detail: dict[str, Any]) -> int:
        """Store one collect run's accounting (``counts`` holds the runs table's number columns)."""
        keys = ("files_received", "accepted", "rejected", "duplicates", "failed", "rows_read", "rows_merged",
                "rows_refused", "balanced")
        with self._transaction():
            cur = self.db.execute(
                f"INSERT INTO runs (finished_at, {', '.join(keys)}, detail) VALUES (?, {', '.join('?' * len(keys))}, ?)",
                (datetime.now(timezone.utc).replace(microsecond=0).isoformat(), *(int(counts[k]) for k in keys),
                 json.dumps(detail, ensure_ascii=False)))
        return int(cur.lastrowid)
    def record(self, sha256: str, original_name: str, archived_path: str, report: FileReport,
               frames: dict[str, pd.DataFrame], received_at: str | None = None,
               sources: dict[str, tuple[str, dict[str, int]]] | None = None,
               encoded: list[tuple[str, int, str]] | None = None) -> Submission:
        """Record one validated file, its findings and rows; a later accepted return supersedes earlier ones.
        ``sources[sheet key] = (sheet name, {column key: column index})`` says where the rows were found.
        ``encoded``: ``toolkit.ledger.encode.encode_rows(frames)`` done already (by collect's parsing worker)."""
        received_at = received_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        if encoded is None:
            from toolkit.ledger.encode import encode_rows

            encoded = encode_rows(frames)
        with self._transaction():
            held = int(report.accepted and self.approval(report.agency, report.round) is not None)
            cur = self.db.execute(
                "INSERT INTO submissions (sha256, original_name, archived_path, received_at, agency, round, template_id,"
                " schema_version, outcome, n_errors, n_warnings, held) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (sha256, original_name, archived_path, received_at, report.agency, report.round, report.template_id,
                 report.schema_version, report.outcome, len(report.errors), len(report.warnings), held))
            sid = int(cur.lastrowid)
            self.db.executemany(
                "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(sid, i, f.flag_id(report.agency, report.round), f.rule, f.severity, f.sheet, f.cell, f.value,
                  f.message_th, f.message_en, f.item, f.column) for i, f in enumerate(report.findings)])
            self.db.executemany("INSERT INTO data_rows VALUES (?,?,?,?)",
                                [(sid, key, row, text) for key, row, text in encoded])
            self.db.executemany("INSERT INTO sheet_sources VALUES (?,?,?,?)",
                                [(sid, key, name, json.dumps(cols)) for key, (name, cols) in (sources or {}).items()
                                 if key in frames])
            if report.accepted and report.agency and report.round and not held:
                self.supersede(sid, report.agency, report.round)
        return self.by_sha(sha256)  # type: ignore[return-value]

    def supersede(self, sid: int, agency: str, round_: str) -> None:
        """Mark the other accepted, applied submissions of ``agency`` and ``round_`` superseded by ``sid``."""
        self.db.execute("UPDATE submissions SET superseded_by = ? WHERE agency = ? AND round = ? AND id <> ? "
                        "AND outcome <> 'rejected' AND superseded_by IS NULL AND held = 0", (sid, agency, round_, sid))

    def approval(self, agency: str, round_: str) -> dict[str, Any] | None:
        """The approval in force for ``agency`` and ``round_`` (see toolkit/ledger/approval.py), or None."""
        row = self.db.execute("SELECT * FROM approvals WHERE agency = ? AND round = ? AND withdrawn_at IS NULL "
                              "ORDER BY id DESC LIMIT 1", (agency, round_)).fetchone()
        return dict(row) if row else None

    def _transaction(self) -> "_Tx":
        return _Tx(self.db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def finding_from_row(row: dict[str, Any]) -> Finding:
    return Finding(row["rule"], row["severity"], row["sheet"], row["cell"], row["value"], row["message_th"],
                   row["message_en"], row["item"], row["column_key"])
