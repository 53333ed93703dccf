"""The parsed catalogue kept in the workspace, so that ``collect`` and ``merge`` do not parse
``catalogue.xlsx`` again while it has not changed (at a national scale the workbook holds tens of
thousands of rows; parsing it takes seconds, loading this file a fraction of that).

The cache is JSON lines (zlib-compressed at level 3: a tenth of the size, in a third of the time of
level 6), not pickle: the workspace is a shared folder, and loading a pickle runs whatever it names. It records the SHA-256 of the workbook it was made from and the layout of the record
types; a cache made from other bytes, by another layout, or that cannot be read is ignored (the
workbook is read instead) and replaced. Written atomically (toolkit.atomic)."""

from __future__ import annotations

import json
import zlib
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from toolkit.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from toolkit.catalogue import Catalogue

#: bump when the meaning of a stored value changes without the field layout changing, or the format
#: changes (2: JSON lines, a table per line, instead of one JSON document)
VERSION = 2


def _layout() -> dict[str, list[list[str]]]:
    from toolkit.catalogue import TABLES

    return {name: [[f.name, str(f.type)] for f in fields(record_type) if f.name != "steps"]
            for name, (record_type, _) in TABLES.items()}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def dumps(digest: str, catalogue: "Catalogue") -> bytes:
    """The cache file's bytes for ``catalogue`` made from a workbook with SHA-256 ``digest``: one zlib
    stream of JSON lines, the header (version, digest, layout), then ``[table name, rows]`` per table.
    Written and read a table at a time, so that the whole JSON text (~70 MB for a national
    catalogue) and all of its parsed rows are never in memory at once."""
    layout = _layout()
    compressor = zlib.compressobj(3)
    head = {"version": VERSION, "sha256": digest, "layout": layout}
    parts = [compressor.compress(json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))]
    for name, columns in layout.items():
        line = json.dumps([name, [[_plain(getattr(r, f)) for f, _ in columns] for r in catalogue.records(name)]],
                          ensure_ascii=False, separators=(",", ":"))
        parts.append(compressor.compress(b"\n" + line.encode("utf-8")))
        del line
    parts.append(compressor.flush())
    return b"".join(parts)


def _lines(data: bytes) -> Iterator[bytes]:
    """The lines of the zlib stream ``data``, decompressed a piece at a time. Raises ValueError if the
    stream is cut short."""
    stream = zlib.decompressobj()
    pending = b""
    for start in range(0, len(data), 1 << 20):
        pending += stream.decompress(data[start:start + (1 << 20)])
        *complete, pending = pending.split(b"\n")
        yield from complete
    pending += stream.flush()
    if not stream.eof:
        raise ValueError("the cache ends before its end")
    yield from pending.split(b"\n")


def loads(data: bytes, digest: str) -> "Catalogue | None":
    """The catalogue in ``data`` if it was made from a workbook with SHA-256 ``digest`` by this
    layout; None otherwise. Raises on damaged data (``load`` turns that into None)."""
    from toolkit.catalogue import TABLES, Catalogue

    lines = _lines(data)
    head = json.loads(next(lines))
    layout = _layout()
    if not isinstance(head, dict) or head.get("version") != VERSION or head.get("sha256") != digest \
            or head.get("layout") != layout:
        return None
    built: dict[str, list[Any]] = {}
    # one object per distinct text, as a catalogue read from the workbook has: JSON makes one per
    # occurrence, which doubles the catalogue's memory and triples its pickle for the parsing workers
    shared: dict[str, str] = {}
    for name, columns in layout.items():
        found, rows = json.loads(next(lines))
        if found != name:
            raise ValueError(f"table {found!r} where {name!r} was expected")
        record_type = TABLES[name][0]
        dates = [i for i, (_, type_) in enumerate(columns) if type_ == "date | None"]
        texts = [i for i, (_, type_) in enumerate(columns) if type_ == "str"]
        records = []
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{name}: row of {len(row)} values, expected {len(columns)}")
            for i in dates:
                if row[i] is not None:
                    row[i] = date.fromisoformat(row[i])
            for i in texts:
                if type(row[i]) is str:
                    row[i] = shared.setdefault(row[i], row[i])
            records.append(record_type(*row))
        built[name] = records
        del rows
    if next(lines, None) is not None:
        raise ValueError("more tables than the layout has")
    return Catalogue.from_records(built)


def load(cache: Path, digest: str) -> "Catalogue | None":
    """The cached catalogue for a workbook with SHA-256 ``digest``; None when there is none, it is
    stale or it cannot be read (never raises)."""
    try:
        data = Path(cache).read_bytes()
    except OSError:
        return None
    try:
        return loads(data, digest)
    except Exception:  # damaged, truncated or tampered: read the workbook instead
        return None


def store(cache: Path, digest: str, catalogue: "Catalogue") -> None:
    """Keep ``catalogue`` as the cache; a folder that cannot be written only means no cache."""
    try:
        atomic_write_bytes(Path(cache), dumps(digest, catalogue))
    except OSError:
        pass
