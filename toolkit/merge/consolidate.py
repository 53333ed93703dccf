"""Assemble everything the master shows from the ledger and the catalogue (no file writing here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterator, Mapping

from schemas import SHEETS
from toolkit.calendar import Round
from toolkit.catalogue import Catalogue
from toolkit.config import Settings
from toolkit.expected import unit_key
from toolkit.ledger import Ledger, Submission
from toolkit.ledger.approval import approvals
from toolkit.merge.kpi_results import quarter_results
from toolkit.merge.lineage import Sources
from toolkit.reference import Reference
from toolkit.status import round_status

OUTCOME_LABELS = {
    "accepted": ("ผ่าน", "accepted"), "accepted_with_warnings": ("ผ่าน มีคำเตือน", "accepted with warnings"),
    "rejected": ("ไม่ผ่าน", "rejected"), "not_received": ("ยังไม่ส่ง", "not received"),
}


@dataclass
class MasterData:
    rounds: list[str]
    summary: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    sheets: dict[str, list[Row]] = field(default_factory=dict)
    kpi_results: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    #: the day lateness was judged on
    as_of: date | None = None
    #: ids of the submissions whose approval is in force
    approved: set[int] = field(default_factory=set)
    #: the ledger as consolidated: per agency and round the submission shown (``Ledger.current``) and
    #: the newest one (``Ledger.latest``), so that what is derived matches the rows even if a return
    #: is recorded meanwhile
    current: list[Submission] = field(default_factory=list, repr=False)
    latest: list[Submission] = field(default_factory=list, repr=False)


def _as_date(text: Any) -> Any:
    if isinstance(text, str) and len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


#: ``progress(step, done, total)``: what a merge is doing and how far (total None: the step has no measure)
MergeProgress = Callable[[str, int, int | None], None]
#: the step ``derive`` reports before the outlier search (and a merge while it waits for a worker's)
OUTLIER_STEP = "หาค่าผิดปกติ / looking for outliers across returns"

_SHEET_KEYS = {spec.sheet_name: spec.key for spec in SHEETS}
#: texts up to this length are shared between rows (longer ones, narratives, are mostly unique)
_SHARED_MAX = 128
#: what each consolidated row carries before its sheet's columns: where it came from
_LINEAGE_KEYS = ("round", "agency", "agency_name", "source_file", "submission", "excel_row", "archived_path",
                 "source_sheet", "source_range")


class Row(Mapping[str, Any]):
    """One consolidated row, read like a dict (``row["agency"]``, ``row.get("disbursed")``). Its values
    are a tuple and the keys' positions are shared by every row of the sheet: a dict per row took
    ~1 KB more, which at a national scale (hundreds of thousands of rows) was hundreds of MB."""

    __slots__ = ("key_index", "cells")

    def __init__(self, key_index: dict[str, int], cells: tuple[Any, ...]) -> None:
        #: key -> position in ``cells``; one dict shared by every row of a sheet
        self.key_index = key_index
        self.cells = cells

    def __getitem__(self, key: str) -> Any:
        return self.cells[self.key_index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self.key_index.get(key)
        return default if i is None else self.cells[i]

    def __contains__(self, key: object) -> bool:
        return key in self.key_index

    def __iter__(self) -> Iterator[str]:
        return iter(self.key_index)

    def __len__(self) -> int:
        return len(self.key_index)

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"


def build_master_data(ledger: Ledger, cat: Catalogue, ref: Reference, settings: Settings,
                      today: date | None = None,
                      progress: MergeProgress | None = None) -> MasterData:
    """Everything the master shows; ``today`` (default: the clock) decides whether a missing return is
    late; ``progress(step, done, total)`` hears how far the consolidation is."""
    data = consolidate(ledger, cat, ref, today, progress=progress)
    derive(data, ledger, cat, ref, settings, progress=progress)
    return data


#: the consolidated sheets ``derive`` reads (KPI results, budgets, outliers): all but the plan steps
DERIVED_FROM = ("projects", "progress", "kpis", "kpi_quarters")


def consolidate(ledger: Ledger, cat: Catalogue, ref: Reference, today: date | None = None,
                keys: tuple[str, ...] | None = None, progress: MergeProgress | None = None) -> MasterData:
    """The master's data without its derived parts: rounds, submissions, and the consolidated rows of
    every sheet (of ``keys`` only, when given), each row with its lineage."""
    current = ledger.current()
    submissions = ledger.submissions()
    rounds = sorted({s.round for s in submissions if s.round}, key=lambda r: (len(r), r))
    data = MasterData(rounds=rounds, submissions=submissions, as_of=today or date.today(),
                      approved={a["submission_id"] for a in approvals(ledger).values()},
                      current=current, latest=ledger.latest())
    names = {code: a.name_th for code, a in cat.agencies.items()}
    accepted = [s for s in current if s.outcome != "rejected"]

    # consolidated sheets, each row with its lineage (archived file, sheet, cells) ---------------
    sources = Sources(ledger)
    # each row's values are decoded on their own: the same code, unit, status or day would otherwise be
    # a separate object in every row (~3/4 of the cells' memory at N=125)
    shared: dict[Any, Any] = {}
    specs = [spec for spec in SHEETS if keys is None or spec.key in keys]
    steps, done = len(specs) * len(accepted), 0
    for spec in specs:
        rows: list[Row] = []
        index = {k: i for i, k in enumerate(dict.fromkeys([*_LINEAGE_KEYS, *(c.key for c in spec.columns)]))}
        lineage = [index[k] for k in _LINEAGE_KEYS]
        columns = [(index[c.key], c.key, c.kind == "status", c.vocab or "", c.kind == "date") for c in spec.columns]
        width = len(index)
        label = f"รวมข้อมูล {spec.th} / consolidating {spec.en}"
        for s in accepted:
            if progress:
                progress(label, done, steps)
                done += 1
            src = sources.of(s.id, spec.key)
            name = names.get(s.agency, "")
            for excel_row, values in ledger.rows(s.id, spec.key):
                cells: list[Any] = [None] * width
                for i, value in zip(lineage, (s.round, s.agency, name, s.original_name, s.id, excel_row,
                                              s.archived_path, src.sheet_name, src.row_range(excel_row))):
                    cells[i] = value
                for i, key, status, vocab, is_date in columns:  # in order: a repeated key keeps the last, as in a dict
                    value = values.get(key)
                    if status and value:
                        value = ref.status_label(vocab, value)
                    value = _as_date(value) if is_date else value
                    if type(value) is str and len(value) <= _SHARED_MAX or type(value) is date:
                        value = shared.setdefault(value, value)  # one object per distinct text or day
                    cells[i] = value
                rows.append(Row(index, tuple(cells)))
        data.sheets[spec.key] = rows
    if progress and specs:
        progress(label, steps, steps)  # the last sheet's consolidation done
    return data


def derive(data: MasterData, ledger: Ledger, cat: Catalogue, ref: Reference, settings: Settings,
           progress: MergeProgress | None = None) -> MasterData:
    """Fill ``data``'s KPI results, flags (the ledger's findings, then the outliers across returns) and
    summary from its consolidated sheets (``DERIVED_FROM``) and the ledger."""
    current, latest = data.current, data.latest
    names = {code: a.name_th for code, a in cat.agencies.items()}
    accepted = [s for s in current if s.outcome != "rejected"]
    sources = Sources(ledger)
    rounds = data.rounds

    # KPI results: per KPI, the latest accepted round of its fiscal year ---------------------
    # (from the rows consolidated above: the ledger is read once)
    by_kpi: dict[str, tuple[Round, Submission, dict[str, Any]]] = {}
    by_id = {s.id: s for s in accepted}
    for kpi_row in data.sheets["kpis"]:
        code, s = kpi_row.get("kpi_code"), by_id[kpi_row["submission"]]
        try:
            rnd = Round.parse(s.round)
        except Exception:
            continue
        if code and (code not in by_kpi or by_kpi[code][0] < rnd):
            by_kpi[code] = (rnd, s, kpi_row)
    results_of: dict[tuple[int, str], dict[int, Any]] = {}
    quarter_row: dict[tuple[int, str, int], dict[str, Any]] = {}
    for q in data.sheets["kpi_quarters"]:
        if q.get("quarter") is not None:
            results_of.setdefault((q["submission"], q["kpi_code"]), {})[int(q["quarter"])] = q.get("result")
            quarter_row[(q["submission"], q["kpi_code"], int(q["quarter"]))] = q
    for code, (rnd, s, kpi_row) in sorted(by_kpi.items()):
        quarters = results_of.get((s.id, code), {})
        catalogue_kpi = cat.kpis.get(code)
        unit = catalogue_kpi.unit if catalogue_kpi else unit_key(ref, str(kpi_row.get("unit", ""))) or ""
        target = catalogue_kpi.target if catalogue_kpi else kpi_row.get("target")
        direction = catalogue_kpi.direction if catalogue_kpi else "higher"
        kpi_src = sources.of(s.id, "kpis")
        for qr in quarter_results(ref, unit, target, direction, quarters, max(rnd.quarters_elapsed, 1)):
            q_row = quarter_row.get((s.id, code, qr.quarter))
            q_src = sources.of(s.id, "kpi_quarters")
            latest_q = qr.quarter == rnd.quarters_elapsed
            claimed = kpi_row.get("achieved") if latest_q else None
            data.kpi_results.append({
                "fiscal_year": rnd.fiscal_year, "agency": s.agency, "agency_name": names.get(s.agency, ""),
                "kpi_code": code, "kpi_name": kpi_row.get("name", ""), "unit": ref.units[unit].name_th if unit in ref.units else unit,
                "target": target, "direction": direction, "quarter": qr.quarter, "result": qr.result,
                "expected_to_date": qr.expected_to_date, "achievement_pct": qr.achievement_pct, "status": qr.status,
                "trend": qr.trend, "claimed_achieved": claimed,
                "claim_differs": claimed is not None and qr.result is not None and float(claimed) != float(qr.result),
                "claimed_score": q_row.get("score") if q_row else None,
                "round": s.round, "source_file": s.original_name, "archived_path": s.archived_path,
                "result_source": q_src.reference(q_src.cell("result", q_row["excel_row"])) if q_row else "",
                "claimed_source": kpi_src.reference(kpi_src.cell("achieved", kpi_row["excel_row"])) if latest_q else ""})

    # flags: findings of the current submissions, and of newer rejected ones ---------------------
    decisions = ledger.decisions()
    shown = {s.id: s for s in current}
    for s in latest:
        shown.setdefault(s.id, s)
    for s in sorted(shown.values(), key=lambda s: s.id):
        for f in ledger.findings(s.id):
            decision = decisions.get(f["flag_id"], {})
            reopened = bool(decision) and decision.get("value_at_decision", f["value"]) != f["value"]
            data.flags.append({
                "flag_id": f["flag_id"], "rule": f["rule"], "severity": f["severity"],
                "message_th": f["message_th"], "message_en": f["message_en"], "agency": s.agency,
                "agency_name": names.get(s.agency, ""), "round": s.round, "source_file": s.original_name,
                "archived_path": s.archived_path,
                "submission_outcome": OUTCOME_LABELS[s.outcome][1], "sheet": f["sheet"], "cell": f["cell"],
                "value": f["value"], "sheet_key": _SHEET_KEYS.get(f["sheet"]), "submission": s.id,
                "excel_row": int("".join(ch for ch in f["cell"] if ch.isdigit()) or 0),
                "decision": "" if reopened else decision.get("decision", ""),
                "note": decision.get("note", ""), "reviewer": decision.get("reviewer", ""),
                "decided_on": decision.get("decided_on", "")})
    from toolkit.validate.outliers import outlier_flags  # outliers across returns, farthest out first (stable sort keeps it)
    if progress:
        progress(OUTLIER_STEP, 0, None)
    data.flags += outlier_flags(data, settings, decisions)
    data.flags.sort(key=lambda f: (f["decision"] != "", f["severity"] != "error", f["round"], f["agency"], f["rule"]))

    # summary: every agency expected in each round ------------------------------------------
    budget_of: dict[tuple[str, str], float] = {}
    for r in data.sheets["projects"]:
        budget_of[(r["agency"], r["round"])] = budget_of.get((r["agency"], r["round"]), 0) + (r.get("budget_received") or 0)
    disbursed_of: dict[tuple[str, str], float] = {}
    for r in data.sheets["progress"]:
        disbursed_of[(r["agency"], r["round"])] = disbursed_of.get((r["agency"], r["round"]), 0) + (r.get("disbursed") or 0)
    current_by = {(s.agency, s.round): s for s in current}
    open_by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in data.flags:
        if not f["decision"]:
            open_by.setdefault((f["agency"], f["round"]), []).append(f)
    for round_text in rounds:
        try:
            rnd = Round.parse(round_text)
        except Exception:
            continue
        for st in round_status(ledger, cat, rnd, settings, data.as_of).agencies:  # toolkit/status.py: one notion of state
            code = st.agency
            cur = current_by.get((code, round_text))
            applied = cur is not None and cur.outcome != "rejected"
            open_flags = open_by.get((code, round_text), [])
            data.summary.append({
                "round": round_text, "agency": code, "agency_name": names.get(code, "?"),
                "state": st.label, "outcome": st.state, "due": st.due, "received": st.received, "late": st.late,
                "approved": st.approved, "held": st.held or None,
                "errors": sum(f["severity"] == "error" for f in open_flags),
                "warnings": sum(f["severity"] == "warning" for f in open_flags),
                "budget_received": budget_of.get((code, round_text), 0) if applied else None,
                "disbursed": disbursed_of.get((code, round_text), 0) if applied else None,
                "source_file": st.latest_file})
    return data
