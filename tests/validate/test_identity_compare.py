"""``compare_to_expected`` compares a column at a time; the row-by-row comparison it replaced is kept
here as the reference. Both must give the same findings, in the same order, for returns whose rows
are edited, repeated, unknown, missing, and for pre-filled rows that do not give every column."""

from __future__ import annotations

import copy

import pytest

from schemas import SHEETS, SHEETS_BY_KEY
from tests.builders import BIG_PROJECTS, big_catalogue, make_return, set_cell
from toolkit.normalise.frames import normalise_sheet
from toolkit.read.returned import read_return
from toolkit.validate.identity import _canon, compare_to_expected
from toolkit.findings import make_finding


def _row_by_row(frames, expected, ref):
    """The comparison as it was written before: each row, then each of its pre-filled columns."""
    return [f for key, rows in expected.items() if key in frames for f in _sheet_row_by_row(key, rows, frames[key], ref)]


def _sheet_row_by_row(key, rows, sheet_frames, ref):
    spec, sheet, typed = SHEETS_BY_KEY[key], sheet_frames.sheet, sheet_frames.typed
    id_col, findings, seen = spec.id_columns[-1], [], {}

    def canon_column(col_key):
        return [_canon(spec.column(col_key), v, ref) for v in typed[col_key].tolist()]

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
                continue
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
                                         expected=rid, label_th=spec.column(id_col).th, label_en=spec.column(id_col).en))
    return findings


def _edited(book, cells):
    """Edits a person makes: pre-filled cells changed (two in one row, in another order than the
    template's), a status typed in English, a project's row repeated, a plan step given a project
    the template does not know."""
    p1, p2, p3 = BIG_PROJECTS[:3]
    set_cell(book, cells, ("projects", p2, "officer"), "คนอื่น")
    set_cell(book, cells, ("projects", p2, "name"), "ชื่อใหม่")
    set_cell(book, cells, ("projects", p3, "budget_received"), 1)
    set_cell(book, cells, ("kpis", "2100-0001", "direction"), "Higher is better")
    set_cell(book, cells, ("kpis", "2100-0002", "direction"), "ยิ่งน้อยยิ่งดี")
    set_cell(book, cells, ("projects", p3, "project_code"), p1)
    set_cell(book, cells, ("plan_steps", f"{p2}#2", "project_code"), "21009999-0001")
    set_cell(book, cells, ("plan_steps", f"{p1}#1", "weight_pct"), 55)


@pytest.fixture(scope="module")
def edited_return(tmp_path_factory):
    from toolkit.reference import load_reference

    ref = load_reference()
    book = read_return(make_return(tmp_path_factory.mktemp("cmp"), cat=big_catalogue(), edit=_edited))
    frames = {s.key: normalise_sheet(book.sheets[s.key], ref, book.date_1904)[0] for s in SHEETS if s.key in book.sheets}
    return frames, book.prefill, ref


def _payload_variants(expected):
    yield "as the template wrote it", expected
    fewer = copy.deepcopy(expected)
    row = fewer["projects"][BIG_PROJECTS[1]]
    del row["officer"]  # a pre-filled row without one of its columns
    del fewer["plan_steps"][f"{BIG_PROJECTS[4]}#1"]  # a row the template does not expect
    yield "rows and columns left out", fewer
    more = copy.deepcopy(expected)
    more["projects"]["21000000-0099"] = dict(more["projects"][BIG_PROJECTS[0]], project_code="21000000-0099")
    more["kpis"]["2100-0003"]["direction"] = "ยิ่งน้อยยิ่งดี"
    more["plan_steps"][f"{BIG_PROJECTS[5]}#2"]["description"] = "อื่น"
    yield "a missing row, a status and a text expected otherwise", more


@pytest.mark.parametrize("variant", range(3))
def test_column_by_column_gives_what_row_by_row_gave(edited_return, variant):
    frames, expected, ref = edited_return
    how, payload = list(_payload_variants(expected))[variant]
    reference = _row_by_row(frames, payload, ref)
    got = compare_to_expected(frames, payload, ref)
    assert got == reference, how  # every field, the messages with their expected values included
    rules = {f.rule for f in reference}
    assert {"identity.duplicate-item", "identity.unknown-item", "identity.prefilled-changed"} <= rules, how
    if variant == 2:
        assert "identity.missing-item" in rules


def test_an_untouched_return_has_no_finding(tmp_path, ref):
    book = read_return(make_return(tmp_path, cat=big_catalogue()))
    frames = {s.key: normalise_sheet(book.sheets[s.key], ref, book.date_1904)[0] for s in SHEETS if s.key in book.sheets}
    assert compare_to_expected(frames, book.prefill, ref) == []
    fewer = copy.deepcopy(book.prefill)
    gone = next(iter(fewer["projects"]))
    del fewer["projects"][gone]
    assert [(f.rule, f.item) for f in compare_to_expected(frames, fewer, ref)] == [("identity.unknown-item", gone)]
