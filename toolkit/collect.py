"""Intake: archive each file unchanged under its content hash, validate, record, give feedback.
One bad file never stops the batch."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from toolkit.atomic import atomic_copy
from toolkit.catalogue import Catalogue
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.diff import resubmission_changes
from toolkit.feedback import write_feedback
from toolkit.findings import FileReport, make_finding
from toolkit.ledger import Ledger, Submission
from toolkit.ledger.history import LedgerHistory
from toolkit.reference import Reference
from toolkit.timing import stage
from toolkit.validate.run import validate_file
from toolkit.workspace import Workspace

RETURN_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv", ".html", ".htm", ""}


@dataclass
class CollectResult:
    file: str
    status: str  # recorded | duplicate | failed
    submission: Submission | None
    report: FileReport | None
    feedback: Path | None = None
    detail: str = ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inbox_files(ws: Workspace) -> list[Path]:
    return sorted(p for p in ws.inbox.iterdir()
                  if p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() in RETURN_SUFFIXES)


def _archive(ws: Workspace, source: Path, sha: str) -> Path:
    target = ws.archive / sha[:2] / f"{sha}{source.suffix.lower()}"
    if not target.exists():
        atomic_copy(source, target)
    return target


def collect_file(ws: Workspace, ledger: Ledger, path: Path, ref: Reference, catalogue: Catalogue,
                 settings: Settings = DEFAULT_SETTINGS, received_at: str | None = None,
                 expected_round: str | None = None) -> CollectResult:
    with stage("archive"):
        sha = sha256_of(path)
        known = ledger.by_sha(sha)
        if known is not None:
            return CollectResult(path.name, "duplicate", known, None, detail=f"same bytes as submission #{known.id}")
        archived = _archive(ws, path, sha)
    try:
        with stage("parse"):
            parsed = validate_file(archived, ref, settings, catalogue, display_name=path.name,
                                   expected_round=expected_round, history=LedgerHistory(ws.ledger_path))
    except Exception as exc:  # a bug or a hostile file must not stop the batch: record it as rejected
        report = FileReport(file=path.name)
        report.findings.append(make_finding("file.unreadable", detail=f"{type(exc).__name__}: {exc}"))
        parsed = None
    report = parsed.report if parsed else report
    with stage("ledger"):
        submission = ledger.record(sha, path.name, str(archived.relative_to(ws.root)), report,
                                   parsed.frames if parsed and report.accepted else {}, received_at,
                                   {k: (parsed.sheet_names[k], parsed.columns.get(k, {})) for k in parsed.sheet_names}
                                   if parsed else None)
    feedback = None
    changes = resubmission_changes(ledger, submission, ref)  # toolkit/diff.py; None for a first return
    if report.findings or changes:
        with stage("feedback"):
            feedback = write_feedback(archived, report, ws.feedback / f"{Path(path.name).stem}_feedback.xlsx",
                                      changes)
    return CollectResult(path.name, "recorded", submission, report, feedback)


def collect(ws: Workspace, files: Iterable[Path] | None, ref: Reference, catalogue: Catalogue,
            settings: Settings = DEFAULT_SETTINGS,
            progress: Callable[[int, int, str], None] | None = None,
            received_at: Callable[[Path], str | None] | None = None,
            expected_round: str | None = None) -> list[CollectResult]:
    """Collect ``files`` (default: the inbox) into the ledger; returns one result per file.
    ``received_at(path)`` may give the time a file arrived (default: now)."""
    paths = list(files) if files is not None else inbox_files(ws)
    results = []
    with Ledger(ws.ledger_path) as ledger:
        for i, path in enumerate(paths, start=1):
            if progress:
                progress(i, len(paths), path.name)
            try:
                when = received_at(Path(path)) if received_at else None
                results.append(collect_file(ws, ledger, Path(path), ref, catalogue, settings, when, expected_round))
            except Exception as exc:  # e.g. the file vanished or the disk is full: say so, go on
                results.append(CollectResult(Path(path).name, "failed", None, None, detail=f"{type(exc).__name__}: {exc}"))
    return results
