"""Preflight's fast path (a worksheet read whole, its plain cells counted with one regex pass) must give
exactly what the cell-by-cell streaming scan gives, on plain sheets and on every odd form of cell it
hands back to the streaming scan."""

import dataclasses
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolkit.read.preflight as pf
from tests.builders import make_return
from toolkit.read.preflight import IntakeRejected, preflight

_EMPTY = rb'<c r="([A-Z]+[0-9]+)" s="([0-9]+)"(?: t="n")? ?/>'
_NUMBER = rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")?( t="n")?><v>([^<]*)</v></c>'


def _facts(scan) -> dict:
    """A scan as a dict of its facts, formulas' positions looked at and cells counted (a simple region's
    are only on asking)."""
    facts = dataclasses.asdict(scan)
    for sheet, d in zip(scan.sheets, facts["sheets"]):
        for name in ("formula_region", "listed_uncalculated", "counted_uncalculated", "value_region", "counted_cells"):
            del d[name]
        d["uncalculated"], d["n_uncalculated"] = sheet.uncalculated, sheet.n_uncalculated
        d["cells"] = sheet.cells
    return facts


def _outcome(data: bytes) -> tuple:
    try:
        return "ok", _facts(preflight(data))
    except IntakeRejected as exc:
        return "refused", exc.code, exc.message_en
    except Exception as exc:  # noqa: BLE001 - whatever the streaming scan raises, the fast path must raise too
        return "raised", type(exc).__name__, str(exc)


def _both(data: bytes, monkeypatch) -> tuple[tuple, tuple]:
    """(the fast path, the streaming scan), after checking that the fast path streamed in small pieces
    (as for a member too large to read whole) agrees with the fast path on the member read whole."""
    fast = _outcome(data)
    with monkeypatch.context() as m:
        m.setattr(pf, "_WHOLE_MEMBER_BYTES", -1)  # every member streamed ...
        m.setattr(pf, "_CHUNK", 4096)  # ... in pieces of a few rows
        assert _outcome(data) == fast
        m.setattr(pf, "_stream_plain_member", lambda *_: False)  # and only the cell-by-cell scan
        slow = _outcome(data)
    return fast, slow


def _sub(pattern: bytes, repl, data: bytes, nth: int = 0) -> bytes:
    matches = list(re.finditer(pattern, data))
    assert matches, pattern
    m = matches[nth % len(matches)]
    return data[:m.start()] + (repl(m) if callable(repl) else repl) + data[m.end():]


#: edits of a worksheet's XML: each gives a sheet the fast path must count as the streaming scan does,
#: or hand over to it
EDITS = {
    "error cell": lambda d: _sub(_NUMBER, lambda m: b'<c r="%s" t="e"><v>#DIV/0!</v></c>' % m.group(1), d, 3),
    "error text with spaces": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s" t="e"><v> #N/A </v></c>' % m.group(1), d, 2),
    "inline error": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s" t="e"><is><t>x</t></is></c>' % m.group(1), d, 1),
    "blank value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><v> </v></c>' % m.group(1), d, 4),
    "tab value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><v>\t</v></c>' % m.group(1), d, 5),
    "empty value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><v></v></c>' % m.group(1), d, 6),
    "empty body": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s" s="%s"></c>' % (m.group(1), m.group(2)), d, 7),
    "formula without value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><f>1+1</f></c>' % m.group(1), d, 8),
    "formula with empty value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><f>1+1</f><v/></c>' % m.group(1), d, 9),
    "text formula, empty result": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s" t="str"><f>""</f><v></v></c>'
                                                 % m.group(1), d, 10),
    "shared formula with value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><f t="shared" si="0"/><v>3</v></c>'
                                                % m.group(1), d, 11),
    "shared formula, no value": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s"><f t="shared" si="0"/></c>' % m.group(1),
                                               d, 12),
    "style with leading zeros": lambda d: _sub(_NUMBER, lambda m: b'<c r="%s" s="007"><v>1</v></c>' % m.group(1), d, 2),
    "row 0": lambda d: _sub(rb"</row>", b'<c r="A0"><v>1</v></c></row>', d),
    "beyond the range limit": lambda d: _sub(rb"</row>", b'<c r="XFD1048576"><v>1</v></c></row>', d, 2),
    "no reference": lambda d: _sub(rb' r="[A-Z]+[0-9]+"', b"", d, 5),
    "lower-case reference": lambda d: _sub(rb'<c r="[A-Z]+', lambda m: m.group(0).lower(), d, 4),
    "attributes in another order": lambda d: _sub(_NUMBER, lambda m: b'<c t="n" r="%s"><v>2</v></c>' % m.group(1), d),
    "extra attribute": lambda d: _sub(_NUMBER, lambda m: b'<c r="%s" cm="1"><v>2</v></c>' % m.group(1), d),
    "namespace prefixes": lambda d: d.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>"),
    "one prefixed value": lambda d: _sub(rb"<v>([^<]*)</v>", lambda m: b"<x:v>%s</x:v>" % m.group(1), d, 2),
    "close tag with a space": lambda d: _sub(rb"</c>", b"</c >", d, 3),
    "missing close tag": lambda d: _sub(rb"</c>", b"", d, 3),
    "row tag holding a <": lambda d: _sub(rb'<row r="[0-9]+"', lambda m: m.group(0) + b" <", d, 2),
    "rich inline text": lambda d: _sub(rb"<is><t>([^<]*)</t></is>", lambda m: b"<is><r><rPr><b/></rPr><t>%s</t></r></is>"
                                       % m.group(1), d, 2),
    "cell after sheetData": lambda d: d.replace(b"</sheetData>", b'</sheetData><c r="B2"><v>9</v></c>', 1),
    "prefixed cell after sheetData": lambda d: d.replace(b"</sheetData>",
                                                         b'</sheetData><x:c r="B2"><x:v>9</x:v></x:c>', 1),
    "cell before sheetData": lambda d: d.replace(b"<sheetData>", b'<c r="D4"><v>1</v></c><sheetData>', 1),
    "second sheetData": lambda d: d.replace(b"</sheetData>", b'</sheetData><sheetData><row r="999">'
                                            b'<c r="C999"><v>1</v></c></row></sheetData>', 1),
    "cell in a comment": lambda d: d.replace(b"<sheetData>", b'<sheetData><!-- <c r="Q9"><v>1</v></c> -->', 1),
    "rows out of order": lambda d: _sub(_NUMBER, lambda m: b'<c r="A2"><v>5</v></c>', d, 6),
    "over 1 MiB (two chunks)": lambda d: d.replace(b"</sheetData>", b'<row r="900"><c r="B900"><v>1</v></c></row>'
                                                   b"</sheetData>" + b"<x/>" * 300_000, 1),
    "two-letter column": lambda d: _sub(_NUMBER, lambda m: b'<c r="AB%s"><v>3</v></c>' % m.group(1)[1:].lstrip(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"), d, 3),
    "six-digit row": lambda d: _sub(rb"</row>", b'<c r="C123456"><v>1</v></c></row>', d, 3),
    "value with a leading space": lambda d: _sub(_NUMBER, lambda m: b'<c r="%s"><v> 7</v></c>' % m.group(1), d, 4),
    "text formula, empty value element": lambda d: _sub(_EMPTY, lambda m: b'<c r="%s" t="str"><f>""</f><v /></c>'
                                                        % m.group(1), d, 13),
    "self-closing row": lambda d: _sub(rb"</row>", b'</row><row r="999" ht="12"/>', d, 2),
    "row without a reference": lambda d: _sub(rb'<row r="[0-9]+"', b"<row", d, 3),
    "text over the limit": lambda d: _sub(_NUMBER, lambda m: b'<c r="%s"><v>%s</v></c>' % (m.group(1), b"9" * 300_000),
                                          d, 2),
}


@pytest.fixture(scope="module")
def members(tmp_path_factory) -> dict[str, bytes]:
    path = make_return(tmp_path_factory.mktemp("fast"))
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _sheet(members: dict[str, bytes]) -> str:
    """The worksheet part with the most cells (the progress sheet)."""
    return max((n for n in members if "worksheets/" in n), key=lambda n: members[n].count(b"<c "))


def _package(members: dict[str, bytes], **changed: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in {**members, **changed}.items():
            out.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("must_not_run", ["_scan_cells", "_count_plain"])
def test_a_filled_template_takes_the_fast_paths(members, monkeypatch, must_not_run):
    """A return as the template is saved once filled: neither the cell-by-cell streaming scan runs nor,
    every cell region being simple (``_SIMPLE_REGION``), the plain-cell pass with its tuple per cell."""
    expected = _outcome(_package(members))
    monkeypatch.setattr(pf, must_not_run, lambda *_: pytest.fail(f"{must_not_run} ran on a filled template"))
    assert _outcome(_package(members)) == expected and expected[0] == "ok"
    assert sum(s["n_uncalculated"] for s in expected[1]["sheets"]) > 0  # its formulas are saved without results


#: cell forms the simplest path takes, and forms it hands on (then the plain-cell pass or the streaming scan)
_SIMPLE_FORMS = {
    "body": [b"/>", b" />", b"></c>", b"><v>1</v></c>", b"><v>2.5 </v></c>", b"><v/></c>", b"><is><t>x</t></is></c>",
             b'><is><t xml:space="preserve"> y </t></is></c>', b"><f>1+1</f></c>", b"><f>1+1</f><v /></c>",
             b"><f>1+1</f><v>2</v></c>", b'><f t="shared" si="0"/></c>', b'><f t="shared" si="0"/><v>4</v></c>',
             b'><f t="shared" ref="A1:A2" si="1">A1</f></c>'],
    "type": [b"", b' t="n"', b' t="str"', b' t="s"', b' t="inlineStr"', b' t="ex"', b' t="E"'],
    "column": [b"A", b"B", b"Z"],
    "row": [b"1", b"2", b"0", b"07", b"99999"],
}
_OTHER_FORMS = {
    "body": [b"><v> 3</v></c>", b"><v></v></c>", b"><v>\t</v></c>", b"><f>1+1</f><v></v></c>",
             b"><is><r><t>z</t></r></is></c>", b' cm="1"><v>1</v></c>'],
    "type": [b' t="e"'],
    "column": [b"AA", b"SF", b"SG", b"XFD"],
    "row": [b"100000", b"200001"],
}


@st.composite
def _sheet_xml(draw) -> bytes:
    """A worksheet of a few rows; half of them made of the simplest path's cell forms only."""
    forms = {k: v + ([] if draw(st.booleans()) else _OTHER_FORMS[k]) for k, v in _SIMPLE_FORMS.items()}
    rows = []
    for r in range(draw(st.integers(0, 4))):
        cells = b"".join(b'<c r="%s%s"%s%s%s' % (draw(st.sampled_from(forms["column"])), draw(st.sampled_from(forms["row"])),
                                                draw(st.sampled_from([b"", b' s="3"', b' s="007"'])),
                                                draw(st.sampled_from(forms["type"])), draw(st.sampled_from(forms["body"])))
                         for _ in range(draw(st.integers(0, 5))))
        rows.append(b'<row r="%d" spans="1:4">%s</row>' % (r + 1, cells) if cells or draw(st.booleans())
                    else b'<row r="%d"/>' % (r + 1))
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + b"".join(rows) + b"</sheetData></worksheet>")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=_sheet_xml())
def test_every_path_agrees_on_generated_sheets(sheet, monkeypatch):
    """The simplest path, the plain-cell pass and the streaming scan give the same facts (or the same
    refusal) on sheets made of the cell forms they tell apart."""
    _assert_every_path_agrees(sheet, monkeypatch)


def _assert_every_path_agrees(sheet: bytes, monkeypatch) -> None:
    """The worksheet ``sheet`` in a package: the fast paths, streamed or whole, the streaming scan, and
    the plain-cell pass without the simplest path, all give the same outcome."""
    data = _package({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet})
    fast, slow = _both(data, monkeypatch)
    assert fast == slow
    with monkeypatch.context() as m:
        m.setattr(pf, "_count_simple", lambda *_: False)
        assert _outcome(data) == fast


def test_a_plain_sheet_too_large_to_read_whole_is_streamed_through_the_fast_path(members, monkeypatch):
    def no_cell_by_cell(*_):
        raise AssertionError("the streaming cell scan ran on a plain sheet")
    expected = _outcome(_package(members))
    monkeypatch.setattr(pf, "_WHOLE_MEMBER_BYTES", -1)
    monkeypatch.setattr(pf, "_CHUNK", 4096)
    monkeypatch.setattr(pf, "_scan_cells", no_cell_by_cell)
    assert _outcome(_package(members)) == expected and expected[0] == "ok"
    assert sum(s["cells"] for s in expected[1]["sheets"]) > 200  # more than a 4 KiB piece holds


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_the_fast_path_agrees_with_the_streaming_scan(edit, members, monkeypatch):
    name = _sheet(members)
    changed = EDITS[edit](members[name])
    assert changed != members[name]
    fast, slow = _both(_package(members, **{name: changed}), monkeypatch)
    assert fast == slow


def test_percent_styles_agree(members, monkeypatch):
    styles = next(n for n in members if n.endswith("styles.xml"))
    # every cell style shows a percent: each number cell of every sheet is a percent cell
    percent = re.sub(rb'(<xf [^>]*?)numFmtId="[0-9]+"', rb'\1numFmtId="10"', members[styles])
    fast, slow = _both(_package(members, **{styles: percent}), monkeypatch)
    assert fast == slow and fast[0] == "ok" and any(s["percent_cells"] for s in fast[1]["sheets"])


@pytest.mark.parametrize("offset", [200, 600, 1500])
def test_a_corrupt_member_is_refused_as_a_corrupt_zip(members, monkeypatch, offset):
    """A damaged deflate stream (zlib.error, which is no OSError) or a CRC mismatch: a named refusal."""
    data = bytearray(_package(members))
    name = _sheet(members).encode()
    at = data.index(name) + len(name) + offset  # inside the sheet's compressed bytes
    data[at:at + 4] = b"\x00\xff\x00\xff"
    fast, slow = _both(bytes(data), monkeypatch)
    assert fast == slow and fast[:2] == ("refused", "intake.corrupt-zip")


def test_the_every_block_shortcut_matches_the_gap_rule():
    limit = 1000
    for gap in (998, 999, 1000, 1001, 1002, 1999, 2500):
        for offset in (0, 1, 499, 500, 501):
            chunk = b"<a>" * 400 + b"x" * offset + b"<" + b"y" * gap + b"<" + b"<b>" * 400
            longest = max(len(part) for part in chunk.split(b"<")[1:])
            with_shortcut = pf._every_block_has_tag(chunk, chunk.find(b"<"), limit)
            assert not with_shortcut or longest <= limit
            try:
                pf._check_text_runs(chunk, 0, "x", pf.Limits(max_text_bytes=limit))
                assert longest <= limit
            except IntakeRejected:
                assert longest > limit


def test_bench_style_sheets_agree(tmp_path, monkeypatch):
    """A sheet as the template writes it after LibreOffice or openpyxl: ``<c ... />`` with a space,
    ``<v />``, formulas saved without results."""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>x</t></is></c><c r="B1" s="2" t="n" /></row>'
             b'<row r="2"><c r="A2" s="3"><f>SUM(A1:A1)</f><v /></c><c r="B2" t="n"><v>4</v></c></row>'
             b"</sheetData></worksheet>")
    data = _package({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet})
    fast, slow = _both(data, monkeypatch)
    assert fast == slow and fast[1]["sheets"][0]["n_uncalculated"] == 1 and fast[1]["sheets"][0]["cells"] == 2


def test_excel_shared_formulas_take_the_simplest_path(monkeypatch):
    """Excel saves a column of one formula as a shared formula: the first cell holds its text, the
    others refer to it (``<f t="shared" si="0"/>``). Both forms, with values and without, are simple."""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1" spans="1:2"><c r="A1" s="2"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>4</v></c>'
             b'<c r="B1"><v>2</v></c></row>'
             b'<row r="2" spans="1:2"><c r="A2" s="2"><f t="shared" si="0"/><v>6</v></c><c r="B2"><v>3</v></c></row>'
             b'<row r="3" spans="1:2"><c r="A3" s="2"><f t="shared" si="0"/></c><c r="B3" t="str"><f>"x"</f><v/></c>'
             b"</row></sheetData></worksheet>")
    data = _package({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet})
    fast, slow = _both(data, monkeypatch)
    assert fast == slow and fast[1]["sheets"][0]["uncalculated"] == [(3, 1)] and fast[1]["sheets"][0]["cells"] == 4
    monkeypatch.setattr(pf, "_count_plain", lambda *_: pytest.fail("the plain-cell pass ran on a simple sheet"))
    assert _outcome(data) == fast


def test_the_garbage_collector_is_left_as_it_was(members):
    import gc

    data = _package(members)
    assert gc.isenabled()
    preflight(data)
    assert gc.isenabled()
    gc.disable()
    try:
        preflight(data)
        assert not gc.isenabled()
    finally:
        gc.enable()


def _region_ends(sheet: bytes) -> tuple:
    """Where Python's re (with the pattern's possessive repeats) and RE2 (``_linear``) end their match of
    the simplest cell region, on ``sheet``."""
    lo, hi = pf._cell_region(sheet)
    python = re.compile(pf._SIMPLE_REGION_PATTERN).match(sheet, lo, hi)
    linear = pf._SIMPLE_REGION.match(sheet, lo, hi)
    return (python.end() if python else None), (linear.end() if linear else None), hi


@settings(max_examples=300, deadline=None)
@given(sheet=_sheet_xml())
def test_re2_matches_the_simplest_region_as_re_does(sheet):
    python, linear, _ = _region_ends(sheet)
    assert python == linear


@pytest.mark.parametrize("edit", [None, *sorted(EDITS)])
def test_re2_matches_a_returns_edited_regions_as_re_does(edit, members):
    sheet = members[_sheet(members)]
    python, linear, hi = _region_ends(EDITS[edit](sheet) if edit else sheet)
    assert python == linear
    if edit is None:
        assert linear == hi  # the whole region of a filled template is simple


_ROW = b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row>'
_ROW2 = b'<row r="2"><c r="A2"><f>A1+1</f></c></row>'
#: where a worksheet's cells may stand besides one plain sheetData
_REGIONS = {
    "one region": b"<sheetData>" + _ROW + _ROW2 + b"</sheetData>",
    "a cell after it": b"<sheetData>" + _ROW + b'</sheetData><c r="C9"><v>5</v></c>',
    "a cell before it": b'<c r="C9"><v>5</v></c><sheetData>' + _ROW + b"</sheetData>",
    "two regions": b"<sheetData>" + _ROW + b"</sheetData><sheetData>" + _ROW2 + b"</sheetData>",
    "an empty region": b"<sheetData/>",
    "no end": b"<sheetData>" + _ROW,
    "a row after the end": b"<sheetData>" + _ROW + b"</sheetData>" + _ROW2,
}


@pytest.mark.parametrize("region", sorted(_REGIONS))
def test_the_simplest_path_finds_the_region_as_the_other_paths_do(region, monkeypatch):
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + _REGIONS[region] + b"</worksheet>")
    _assert_every_path_agrees(sheet, monkeypatch)


def test_a_filled_templates_regions_are_found_by_their_match_alone(members, monkeypatch):
    """The simplest path's match ends at the region's end: no search for ``</sheetData>`` first."""
    expected = _outcome(_package(members))
    monkeypatch.setattr(pf, "_cell_region", lambda *_: pytest.fail("the region was searched for"))
    assert _outcome(_package(members)) == expected and expected[0] == "ok"
