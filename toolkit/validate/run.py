"""Validate one returned workbook: read, normalise, check; never raise for bad data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from schemas import SHEETS
from schemas.base import ValidationContext
from schemas.cross_sheet import CROSS_RULES
from toolkit.calendar import Round, fiscal_bounds
from toolkit.catalogue import Catalogue
from toolkit.config import DEFAULT_SETTINGS, Settings
from toolkit.errors import ToolkitError
from toolkit.expected import all_expected, prefill_payload
from toolkit.findings import FileReport, Finding, make_finding
from toolkit.ledger.history import HistorySource, history_for
from toolkit.normalise.frames import SheetFrames, normalise_sheet
from toolkit.read.cells import cell_findings
from toolkit.read.preflight import IntakeRejected
from toolkit.read.returned import read_return
from toolkit.read.workbook import scan_file
from toolkit.reference import Reference
from toolkit.timing import stage
from toolkit.validate.batch import ColumnJob, PendingColumns
from toolkit.validate.columns import column_findings
from toolkit.validate.filename import filename_findings
from toolkit.validate.identity import compare_to_expected, identify
from toolkit.validate.view import ReturnView


@dataclass
class ParsedReturn:
    """A validated return: the report, and the typed rows (index = Excel row) of each sheet."""

    report: FileReport
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)
    template_id: str = ""
    #: with ``validate_file(defer_columns=True)``: the column checks still to run, batched across files
    #: by ``toolkit.validate.batch.complete_batch`` (the report lacks their findings until then)
    pending: PendingColumns | None = None
    #: per sheet key, where each column was found in the file (key -> 1-based index), for lineage
    columns: dict[str, dict[str, int]] = field(default_factory=dict)


def validation_context(rnd: Round | None, ref: Reference) -> ValidationContext:
    """What the column checks of a return of round ``rnd`` depend on: its fiscal year and the status vocabularies."""
    fy = rnd.fiscal_year if rnd else 2500
    lo, hi = fiscal_bounds(fy) if rnd else (pd.Timestamp.min.date(), pd.Timestamp.max.date())
    vocab = {name: frozenset(s.key for s in items) for name, items in ref.statuses.items()}
    return ValidationContext(fy, lo, hi, vocab)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.rule, f.sheet, f.cell, f.item, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def validate_file(path: Path, ref: Reference, settings: Settings = DEFAULT_SETTINGS,
                  catalogue: Catalogue | None = None, display_name: str | None = None,
                  expected_round: str | None = None, history: HistorySource | None = None,
                  defer_columns: bool = False) -> ParsedReturn:
    """Every problem of one file as Findings; a file that cannot be opened is one error finding.
    With ``expected_round``, a return made for another round is rejected. ``history`` (a History, or a
    LedgerHistory looked up once the file's agency and round are known) gives what the agency's
    accepted return of an earlier round reported, for the rules that compare against it."""
    report = FileReport(file=display_name or Path(path).name)
    try:
        with stage("preflight"):
            scan = scan_file(Path(path))  # remembered: the reader does not scan again
    except IntakeRejected as exc:
        report.findings.append(make_finding(exc.code, detail=exc.message_en))
        return ParsedReturn(report)
    try:
        with stage("read"):
            book = read_return(Path(path))
    except ToolkitError as exc:
        report.findings.append(make_finding("file.unreadable", detail=exc.message_th + " / " + exc.message_en))
        return ParsedReturn(report)
    findings: list[Finding] = list(book.findings) + cell_findings(scan, book)
    frames: dict[str, SheetFrames] = {}
    unreadable: dict[str, set[tuple[int, str]]] = {}
    for spec in SHEETS:
        if spec.key in book.sheets:
            frames[spec.key], problems = normalise_sheet(book.sheets[spec.key], ref, book.date_1904)
            findings += problems
            unreadable[spec.key] = {(int(f.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), f.column) for f in problems if f.cell}
    agency, round_text, id_findings = identify(book, frames)
    findings += id_findings
    report.agency, report.round = agency, round_text
    findings += filename_findings(report.file, agency, round_text)  # toolkit/validate/filename.py
    report.template_id = book.meta.get("template_id", "")
    version = book.meta.get("schema_version", "")
    report.schema_version = int(version) if version.isdigit() else None
    rnd = None
    try:
        rnd = Round.parse(round_text) if round_text else None
    except ToolkitError:
        findings.append(make_finding("identity.wrong-round", found=round_text, expected=expected_round or "?"))
    if rnd is not None and expected_round and str(rnd) != str(Round.parse(expected_round)):
        findings.append(make_finding("identity.wrong-round", sheet="_meta", found=str(rnd), expected=expected_round))
    if catalogue is not None and agency not in catalogue.agencies:
        findings.append(make_finding("identity.unknown-agency", value=agency or "?"))
    elif not agency:
        findings.append(make_finding("identity.unknown-agency", value="?"))
    expected = book.prefill if book.meta.get("agency_code") else None
    if expected is None and catalogue is not None and rnd is not None and agency in catalogue.agencies:
        expected = prefill_payload(all_expected(catalogue, ref, agency, rnd))
    if expected is not None:
        findings += compare_to_expected(frames, expected, ref)
    ctx = validation_context(rnd, ref)
    jobs = [ColumnJob(key, sheet_frames, ctx, unreadable.get(key, set())) for key, sheet_frames in frames.items()]
    view = ReturnView(frames, ref, settings, history_for(history, agency, round_text))
    after = [f for rule in CROSS_RULES for f in rule(view)]
    parsed = ParsedReturn(report, {k: f.typed for k, f in frames.items()},
                          {k: f.sheet.name for k, f in frames.items()}, report.template_id,
                          PendingColumns(findings, jobs, after), {k: f.sheet.columns for k, f in frames.items()})
    report.findings = _dedupe(findings + after)
    if not defer_columns:
        complete_columns(parsed, [f for job in jobs for f in column_findings(job.frames, job.ctx, job.skip)])
    return parsed


def complete_columns(parsed: ParsedReturn, columns: list[Finding]) -> ParsedReturn:
    """Put the column checks' findings in their place (after the identity checks, before the
    cross-sheet rules), as validating the file in one go does."""
    if parsed.pending is not None:
        before, _, after = parsed.pending
        parsed.report.findings = _dedupe(before + columns + after)
        parsed.pending = None
    return parsed
