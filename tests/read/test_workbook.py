"""The calamine reader's failures: a file calamine cannot read is one ToolkitError naming why (intake
goes on with the next file), and the master's own sheets read as None instead (it is rebuilt)."""

import zipfile

import pytest

from tests.builders import make_return
from toolkit.errors import ToolkitError
from toolkit.read.preflight import PackageScan
from toolkit.read.workbook import open_workbook, read_own_sheet


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    return make_return(tmp_path_factory.mktemp("workbook"))


@pytest.fixture
def broken(tmp_path):
    """A zip holding no workbook calamine can open (preflight would refuse it; here it is skipped)."""
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='A' r:id='rId1'")  # cut short
    return path


def test_what_calamine_cannot_read_is_one_named_error(broken):
    with pytest.raises(ToolkitError) as caught:
        open_workbook(broken, scan=PackageScan())
    assert caught.value.code == "file.unreadable"
    assert caught.value.message_en and caught.value.message_th == "ไฟล์เสียหายหรือไม่ใช่ไฟล์ Excel (.xlsx)"
    assert caught.value.__cause__ is not None  # calamine's own error, kept for the log


def test_an_own_sheet_that_cannot_be_read_is_none(broken, filled):
    assert read_own_sheet(broken, "Flags") is None
    assert read_own_sheet(filled, "no such sheet") is None
    book = open_workbook(filled)
    name = next(iter(book.sheets))
    assert read_own_sheet(filled, name) == book.sheets[name].rows
