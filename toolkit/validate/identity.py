"""Is this the right file? Agency and round, untouched pre-filled cells, every item present once."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from schemas import SHEETS_BY_KEY, Column
from toolkit.findings import Finding, make_finding
from toolkit.layout import canonical, template_checksum
from toolkit.normalise.frames import SheetFrames
from toolkit.read.returned import ReturnedWorkbook
from toolkit.reference import Reference

#: a column a pre-filled row does not give
_ABSENT = object()
_ROUND_IN_NAME = re.compile(r"(\d{4})-(Q[1-4]|M(?:0[1-9]|1[0-2]))", re.IGNORECASE)


def _canon(col: Column, value: Any, ref: Reference) -> str:
    """A cell's value as pre-filled cells are compared: statuses by their meaning, the rest as
    ``canonical`` writes them."""
    if type(value) is str:  # most values: no missing-value test, and canonical(text) is the text
        return (ref.match_status(col.vocab or "", value) or value) if col.kind == "status" else value
    if value is None or pd.isna(value):
        return ""
    if col.kind == "status":
        return ref.match_status(col.vocab or "", value) or str(value)
    return canonical(value)


def identify(book: ReturnedWorkbook, frames: dict[str, SheetFrames]) -> tuple[str, str, list[Finding]]:
    """Agency code and round from the metadata, or guessed from codes and the file name."""
    findings = []
    meta = book.meta
    if meta.get("agency_code") and meta.get("round"):
        digest = meta.get("prefill_checksum", "")
        if book.prefill_as_written:
            return meta["agency_code"], meta["round"], findings  # as the generator wrote it: untouched
        prefill = book.prefill
        if prefill is None or template_checksum(meta["agency_code"], meta["round"], prefill) != digest:
            findings.append(make_finding("template.metadata-tampered", sheet="_meta"))
        return meta["agency_code"], meta["round"], findings
    codes = [str(c) for f in frames.values() for c in f.typed.iloc[:, 0].dropna()]
    agencies = {c[:4] for c in codes if re.match(r"\d{4}", c)}
    agency = agencies.pop() if len(agencies) == 1 else ""
    m = _ROUND_IN_NAME.search(book.path.name)
    rnd = f"{m.group(1)}-{m.group(2).upper()}" if m else ""
    findings.append(make_finding("template.no-metadata", detail=f"agency {agency or '?'}, round {rnd or '?'}"))
    return agency, rnd, findings


def compare_to_expected(frames: dict[str, SheetFrames], expected: dict[str, dict[str, dict[str, str]]],
                        ref: Reference) -> list[Finding]:
    """Pre-filled cells unchanged; every expected row present once; no unknown rows."""
    findings = []
    for key, rows in expected.items():
        if key not in frames:
            continue
        spec, sheet_frames = SHEETS_BY_KEY[key], frames[key]
        sheet, typed = sheet_frames.sheet, sheet_frames.typed
        seen: dict[str, int] = {}
        id_col = spec.id_columns[-1]
        status = {c.key for c in spec.columns if c.kind == "status"}
        canons: dict[str, list[str]] = {}  # per column, each row's value as compared, made on first use

        def canon_column(col_key: str) -> list[str]:
            """``_canon`` of each row's value, each distinct value made once (a column holds one type:
            texts, numbers or timestamps, never equal across types)."""
            found = canons.get(col_key)
            if found is not None:
                return found
            array = sheet_frames.column(col_key)
            if array.dtype.kind == "M":
                # dates as _canon() writes them (ISO days; NaT ""), without a Timestamp per row
                days = np.datetime_as_string(array.astype("datetime64[D]")).tolist()
                found = canons[col_key] = ["" if d == "NaT" else d for d in days]
            else:
                values, col = array.tolist(), spec.column(col_key)
                # a NaN is its own key (NaN != NaN), found again by identity: each of them is the same object
                memo = {v: _canon(col, v, ref) for v in set(values)}
                found = canons[col_key] = list(map(memo.__getitem__, values))
            return found

        rids = ["#".join(parts) for parts in zip(*(canon_column(k) for k in spec.id_columns))]
        skip = {c.key for c in spec.columns if c.editable} | set(spec.id_columns)
        index = typed.index.tolist()
        events: list[tuple[int, int, Finding]] = []  # (row position, column's place in the row, finding)
        distinct = set(rids)
        if len(distinct) == len(rids) and distinct <= rows.keys():  # the usual case: each row once, all expected
            seen, compared = dict(zip(rids, index)), list(range(len(rids)))
        else:
            compared = []  # positions of the rows compared: the first of their id, and expected
            prefixes: set[str] | None = None
            for i, rid in enumerate(rids):
                if rid in seen:
                    events.append((i, 0, make_finding("identity.duplicate-item", sheet=sheet.name,
                                                      cell=sheet.cell(id_col, index[i]), value=rid, item=rid,
                                                      column=id_col)))
                    continue
                seen[rid] = index[i]
                if rid not in rows:
                    if spec.extra_rows:
                        if prefixes is None:
                            prefixes = {k.split("#")[0] for k in rows}
                        if rid.split("#")[0] in prefixes:
                            continue  # an item the agency added in a blank row, for one of its own projects
                    events.append((i, 0, make_finding("identity.unknown-item", sheet=sheet.name,
                                                      cell=sheet.cell(id_col, index[i]), value=rid, item=rid,
                                                      column=id_col)))
                    continue
                compared.append(i)
        # a column at a time: the rows' values and the expected ones as two lists, equal in the usual case
        wanted = [rows[rids[i]] for i in compared]
        every_row = len(compared) == len(rids)
        for col_key in set().union(*rows.values()) - skip:
            values = canon_column(col_key)
            have = values if every_row else [values[i] for i in compared]
            want = [w.get(col_key, _ABSENT) for w in wanted]
            if col_key in status:
                col, memo = spec.column(col_key), {_ABSENT: _ABSENT}
                want = [memo[w] if w in memo else memo.setdefault(w, _canon(col, w, ref)) for w in want]
            if have == want:
                continue
            for at, (value, expected_value) in enumerate(zip(have, want)):
                if expected_value is not _ABSENT and value != expected_value:
                    i = compared[at]
                    row_expected = rows[rids[i]]
                    events.append((i, list(row_expected).index(col_key), make_finding(
                        "identity.prefilled-changed", sheet=sheet.name, cell=sheet.cell(col_key, index[i]),
                        value=sheet_frames.raw_value(index[i], col_key), item=rids[i], column=col_key,
                        expected=row_expected[col_key])))
        events.sort(key=lambda e: (e[0], e[1]))  # row by row, each row's columns as the template lists them
        findings += [f for _, _, f in events]
        for rid in rows if not rows.keys() <= seen.keys() else ():  # a pass only when a row is missing
            if rid not in seen:
                findings.append(make_finding("identity.missing-item", sheet=sheet.name, item=rid, column=id_col,
                                             expected=rid, label_th=spec.column(id_col).th,
                                             label_en=spec.column(id_col).en))
    return findings
