"""zlib-ng's inflate of a plainly deflated member gives exactly what zipfile gives, and every member it
is not sure of goes back to zipfile (so preflight refuses damaged packages as it always did)."""

import io
import struct
import zipfile
import zlib

import pytest

from tests.builders import make_return
from tests.corpus import CORPUS, needs_corpus
from toolkit.read.inflate import fast_inflate, member_ends
from toolkit.read.preflight import IntakeRejected, preflight


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes | None, int]]:
    """(info, fast_inflate's bytes, where its data must end) for every member of the package ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        ends = member_ends(infos, archive.start_dir)
        return [(i, fast_inflate(data, i, ends[i.filename]), ends[i.filename]) for i in infos]


def _zipfile_read(data: bytes, info: zipfile.ZipInfo) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(info)


def test_every_member_of_a_return_is_inflated_as_zipfile_reads_it(tmp_path):
    data = make_return(tmp_path).read_bytes()
    members = _members(data)
    assert len(members) > 5
    for info, fast, _ in members:
        assert fast is not None, info.filename  # all plainly deflated: none left to zipfile
        assert fast == _zipfile_read(data, info)


@needs_corpus
@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.xls[xm]")) if CORPUS.is_dir() else [])
def test_corpus_members_are_inflated_as_zipfile_reads_them_or_left_to_it(name):
    data = (CORPUS / name).read_bytes()
    try:
        members = _members(data)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        with pytest.raises(IntakeRejected):  # no member is read: preflight refuses it first
            preflight(CORPUS / name)
        return
    for info, fast, _ in members:
        if fast is None or info.file_size > 32 * 1024 * 1024:
            continue
        assert fast == _zipfile_read(data, info), info.filename


def _package(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


_BODY = b"<worksheet>" + b"<row><c><v>1</v></c></row>" * 2000 + b"</worksheet>"


def _local_header_offset(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.getinfo(name).header_offset


def _corrupt_data(data: bytes) -> bytes:
    """One byte in the middle of the first member's compressed data flipped."""
    offset = _local_header_offset(data, "a.xml")
    name_len, extra_len = struct.unpack("<HH", data[offset + 26:offset + 30])
    k = offset + 30 + name_len + extra_len + 40
    return data[:k] + bytes([data[k] ^ 0x55]) + data[k + 1:]


def _renamed_local_header(data: bytes) -> bytes:
    """The first member's local header names another file than the central directory does."""
    offset = _local_header_offset(data, "a.xml")
    return data[:offset + 30] + b"b" + data[offset + 31:]


def _central_entry(data: bytes, name: str) -> int:
    i = data.find(b"PK\x01\x02")
    while data[i + 46:i + 46 + struct.unpack("<H", data[i + 28:i + 30])[0]] != name.encode():
        i = data.find(b"PK\x01\x02", i + 1)
    return i


def _understated_size(data: bytes) -> bytes:
    """The central directory says the first member unpacks to 100 bytes fewer than it does."""
    i = _central_entry(data, "a.xml")
    size = struct.unpack("<L", data[i + 24:i + 28])[0]
    return data[:i + 24] + struct.pack("<L", size - 100) + data[i + 28:]


@pytest.mark.parametrize("damage", [_corrupt_data, _renamed_local_header, _understated_size])
def test_a_damaged_member_is_left_to_zipfile(damage):
    data = damage(_package({"a.xml": _BODY, "b.xml": _BODY}))
    first = _members(data)[0]
    assert first[0].filename == "a.xml" and first[1] is None
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        _zipfile_read(data, first[0])  # which then refuses it


def test_a_stored_member_is_left_to_zipfile():
    data = _package({"a.xml": _BODY}, zipfile.ZIP_STORED)
    assert _members(data)[0][1] is None


def test_an_empty_member_is_left_to_zipfile():
    # an inflater told "at most 0 bytes" would read it as "no limit"
    assert _members(_package({"a.xml": b"", "b.xml": _BODY}))[0][1] is None


def test_a_member_running_into_the_next_is_left_to_zipfile():
    data = _package({"a.xml": _BODY, "b.xml": _BODY})
    info, fast, end = _members(data)[0]
    assert fast is not None
    assert fast_inflate(data, info, end - 1) is None  # its data would end past the next local header


def test_preflight_reads_a_return_without_zipfile_inflating_a_member(tmp_path, monkeypatch):
    path = make_return(tmp_path)
    opened = []
    original = zipfile.ZipFile.open

    def counting_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    scan = preflight(path)
    assert scan.cells > 0
    assert opened == []


@pytest.mark.parametrize("damage", [_corrupt_data, _renamed_local_header, _understated_size])
def test_preflight_refuses_a_damaged_member_as_corrupt(damage, tmp_path):
    with zipfile.ZipFile(make_return(tmp_path)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    target = tmp_path / "damaged.xlsx"
    target.write_bytes(damage(_package({"a.xml": _BODY, **parts})))  # a worksheet part, damaged
    with pytest.raises(IntakeRejected) as info:
        preflight(target)
    assert info.value.code == "intake.corrupt-zip"
    assert "a.xml" in info.value.message_en
