"""Write the office's catalogue workbook (row 1 field keys, row 2 Thai labels, data from row 3)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from toolkit.atomic import commit, temp_path
from toolkit.catalogue import TABLES, Catalogue
from toolkit.layout import BE_DATE_FORMAT
from toolkit.template.xlsx import check, new_workbook, write_value


def write_catalogue(cat: Catalogue, path: Path) -> Path:
    tmp = temp_path(path)
    book = new_workbook(str(tmp))
    head = book.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "font_name": "TH Sarabun New"})
    label = book.add_format({"italic": True, "bg_color": "#DDEBF7", "font_name": "TH Sarabun New"})
    text = book.add_format({"font_name": "TH Sarabun New", "num_format": "@"})
    day = book.add_format({"font_name": "TH Sarabun New", "num_format": BE_DATE_FORMAT})
    for name, (record_type, labels) in TABLES.items():
        ws = book.add_worksheet(name)
        keys = [f.name for f in fields(record_type) if f.name != "steps"]
        for c, key in enumerate(keys):
            check(ws.write_string(0, c, key, head), "write catalogue key")
            check(ws.write_string(1, c, labels.get(key, key), label), "write catalogue label")
            ws.set_column(c, c, 14 if key not in ("name_th", "description", "calc_method", "responsible_unit") else 40)
        for r, record in enumerate(cat.records(name), start=2):
            for c, key in enumerate(keys):
                write_value(ws, r, c, getattr(record, key), text, day)
        ws.freeze_panes(2, 1)
    book.close()
    commit(tmp, path)
    return path
