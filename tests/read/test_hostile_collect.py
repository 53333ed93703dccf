"""Every odd and hostile file of the shared corpus, and hostile files built here, through ``toolkit
collect`` (the real CLI command): each ends accepted or rejected with a named reason, the main process
survives, each file is parsed within 60 s and 1.5 GiB (peak memory of its worker), the run balances and
every original is in archive/ byte for byte."""

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.rules import RULES
from tests.builders import make_return, small_catalogue
from toolkit.cli import app
from toolkit.ledger import Ledger
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace

from tests.corpus import CORPUS
LIMIT_S, LIMIT_RSS = 60.0, int(1.5 * (1 << 30))


def _rezip(source: Path, target: Path, change) -> Path:
    """Copy a workbook member by member, letting ``change(name, data)`` return new data (or a list of
    (name, data) to write several members)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            new = change(info.filename, src.read(info))
            for name, data in (new if isinstance(new, list) else [(info.filename, new)]):
                out.writestr(name, data)
    return target


def _zip_bomb(path: Path) -> Path:
    """1 GiB of zeros in a ~1 MB file."""
    zero = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(1024):
                member.write(zero)
    return path


def _hostile_files(folder: Path) -> dict[str, str | None]:
    """Build the hostile files; returns file name -> the rule that must refuse it (None: accepted)."""
    good = make_return(folder / "made", "good.xlsx")
    expected: dict[str, str | None] = {}

    def put(name, data, rule):
        (folder / name).write_bytes(data)
        expected[name] = rule

    put("good.xlsx", good.read_bytes(), None)
    put("zero.xlsx", b"", "intake.not-a-workbook")
    put("page.xlsx", b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
        "intake.not-a-workbook")
    put("truncated.xlsx", good.read_bytes()[: good.stat().st_size // 2], "intake.corrupt-zip")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    put("encrypted.xlsx", ole + "EncryptedPackage".encode("utf-16-le") + bytes(2000), "intake.encrypted")
    put("legacy.xlsx", ole + bytes(4000), "intake.legacy-xls")
    if CORPUS.is_dir():
        put("renamed_xls.xlsx", (CORPUS / "calamine__date.xls").read_bytes(), "intake.legacy-xls")
    _zip_bomb(folder / "bomb.xlsx")
    expected["bomb.xlsx"] = "intake.zip-bomb"

    def lying_dimension(name, data):  # the sheet claims A1:XFD1048576; the reader must not believe it
        if name.endswith("sheet3.xml"):
            return data.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="', 1)
        return data
    _rezip(good, folder / "lying_dimension.xlsx", lying_dimension)
    expected["lying_dimension.xlsx"] = None

    def far_cell(name, data):  # a value at XFD1048576 (calamine would abort its process)
        if name.endswith("sheet3.xml"):
            return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
        return data
    _rezip(good, folder / "far_cell.xlsx", far_cell)
    expected["far_cell.xlsx"] = "intake.range-too-large"

    def duplicate_member(name, data):  # the same sheet twice with different values
        if name.endswith("sheet3.xml"):
            return [(name, data), (name, data.replace(b"<v>", b"<v>9", 1))]
        return data
    with pytest.warns(UserWarning, match="Duplicate name"):
        _rezip(good, folder / "duplicate_member.xlsx", duplicate_member)
    expected["duplicate_member.xlsx"] = "intake.corrupt-zip"

    def injection(book, cells):  # formula-injection text typed into text cells stays text
        from tests.builders import PROJECT
        for n, text in enumerate(['=HYPERLINK("http://evil.example/x","click")', "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(1)"], start=1):
            sheet, address = cells[("progress", f"{PROJECT}#{n}", "narrative")]
            book[sheet][address].value = text
            book[sheet][address].data_type = "s"
    injected = make_return(folder / "made", "zz_injection.xlsx", edit=injection)
    put("zz_injection.xlsx", injected.read_bytes(), None)  # last in the inbox: the current return
    return expected


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    ws = Workspace.create(root / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    expected = _hostile_files(ws.inbox)
    corpus = sorted(CORPUS.glob("*.xls*")) if CORPUS.is_dir() else []
    for path in corpus:
        shutil.copyfile(path, ws.inbox / path.name)
    originals = {p.name: p.read_bytes() for p in ws.inbox.iterdir() if p.is_file()}
    result = CliRunner().invoke(app, ["collect", str(ws.root)])
    return ws, expected, originals, result, corpus


def test_the_cli_run_ends_normally_and_prints_its_balance(collected):
    ws, expected, originals, result, _ = collected
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert f"files received {len(originals)}" in result.output and "balanced" in result.output
    assert "NOT BALANCED" not in result.output


def test_every_file_ends_accepted_or_rejected_with_a_named_reason(collected):
    ws, expected, originals, _, corpus = collected
    with Ledger(ws.ledger_path) as ledger:
        [run] = ledger.runs()
        by_name = {s.original_name: s for s in ledger.submissions()}
        findings = {name: ledger.findings(s.id) for name, s in by_name.items()}
    files = {f["file"]: f for f in run["detail"]["files"]}
    assert set(files) == set(originals)
    assert run["files_received"] == len(originals) == run["accepted"] + run["rejected"] + run["duplicates"] + run["failed"]
    assert run["failed"] == 0 and run["balanced"] == 1
    for name in (n for n, f in files.items() if f["status"] == "duplicate"):  # the same bytes under another name
        assert [n for n, data in originals.items() if data == originals[name]] != [name], name
    for name, entry in files.items():
        if entry["status"] == "duplicate":
            continue
        rules = [f["rule"] for f in findings[name]]
        assert all(rule in RULES for rule in rules), (name, rules)
        if entry["status"] == "rejected":
            assert entry["reasons"] and all(r in RULES for r in entry["reasons"]), (name, entry)
            assert entry["rows_refused"] == entry["rows_read"]
        else:
            assert entry["status"] == "accepted" and entry["rows_merged"] == entry["rows_read"] > 0, (name, entry)
        if name in expected:
            want = expected[name]
            if want is None:
                assert entry["status"] == "accepted", (name, rules)
            else:
                assert rules == [want], (name, rules)
    corpus_names = {p.name for p in corpus}
    assert not any(files[n]["status"] == "accepted" for n in corpus_names)  # none is a return of ours


def test_each_file_within_time_and_memory(collected):
    ws, _, _, _, _ = collected
    with Ledger(ws.ledger_path) as ledger:
        [run] = ledger.runs()
    parsed = [f for f in run["detail"]["files"] if f["status"] in ("accepted", "rejected")]
    assert parsed and all(f["seconds"] < LIMIT_S for f in parsed), [(f["file"], f["seconds"]) for f in parsed]
    assert all(0 < f["peak_rss"] <= LIMIT_RSS for f in parsed), [(f["file"], f["peak_rss"]) for f in parsed]


def test_every_original_is_in_the_archive(collected):
    ws, _, originals, _, _ = collected
    for name, data in originals.items():
        sha = hashlib.sha256(data).hexdigest()
        [archived] = (ws.archive / sha[:2]).glob(f"{sha}.*")  # the same bytes under two names: archived once
        assert archived.read_bytes() == data, name


def test_injection_text_stays_text_in_the_master(collected):
    ws, _, _, _, _ = collected
    assert CliRunner().invoke(app, ["merge", str(ws.root)]).exit_code == 0
    with zipfile.ZipFile(ws.master_path) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        rels = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels"))
    assert b"<f>" not in xml and b"evil.example" not in rels  # no hyperlink target from agency text
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(ws.master_path.read_bytes()))
    narratives = [c.value for row in book["Progress"].iter_rows() for c in row if isinstance(c.value, str)]
    assert '=HYPERLINK("http://evil.example/x","click")' in narratives and "@SUM(1)" in narratives
    formulas = [c.coordinate for ws_ in book.worksheets for row in ws_.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    book.close()
