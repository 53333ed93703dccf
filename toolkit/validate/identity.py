"""Is this the right file? Agency and round, untouched pre-filled cells, every item present once."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from schemas import SHEETS_BY_KEY, Column
from toolkit.findings import Finding, make_finding
from toolkit.layout import canonical, template_checksum, template_checksum_of_text
from toolkit.normalise.frames import SheetFrames
from toolkit.read.returned import ReturnedWorkbook
from toolkit.reference import Reference

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
        text = book.prefill_text
        if text is not None and template_checksum_of_text(meta["agency_code"], meta["round"], text) == digest:
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
        compared = {k: canon_column(k) for k in set().union(*rows.values()) - skip}
        status = {c.key for c in spec.columns if c.kind == "status"}
        for i, row in enumerate(typed.index.tolist()):
            rid = rids[i]
            if rid in seen:
                findings.append(make_finding("identity.duplicate-item", sheet=sheet.name, cell=sheet.cell(id_col, row),
                                             value=rid, item=rid, column=id_col))
                continue
            seen[rid] = row
            if rid not in rows:
                if spec.extra_rows and any(k.split("#")[0] == rid.split("#")[0] for k in rows):
                    continue  # an item the agency added in a blank row, for one of its own projects
                findings.append(make_finding("identity.unknown-item", sheet=sheet.name, cell=sheet.cell(id_col, row),
                                             value=rid, item=rid, column=id_col))
                continue
            for col_key, want in rows[rid].items():
                if col_key in skip:
                    continue
                want_c = _canon(spec.column(col_key), want, ref) if col_key in status else want
                if compared[col_key][i] != want_c:
                    findings.append(make_finding("identity.prefilled-changed", sheet=sheet.name,
                                                 cell=sheet.cell(col_key, row), value=sheet_frames.raw_value(row, col_key),
                                                 item=rid, column=col_key, expected=want))
        for rid in rows:
            if rid not in seen:
                findings.append(make_finding("identity.missing-item", sheet=sheet.name, item=rid, column=id_col,
                                             expected=rid, label_th=spec.column(id_col).th,
                                             label_en=spec.column(id_col).en))
    return findings
