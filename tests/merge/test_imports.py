"""``toolkit merge`` validates nothing: it must start without importing pandas, pandera or openpyxl
(~0.7 s of every merge's start, a tenth of the 70-return office's whole merge)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_merge_and_the_ledger_import_no_data_frame_library() -> None:
    loaded = _modules_after("import toolkit.merge.run, toolkit.merge.followup, toolkit.ledger")
    assert {"pandas", "pandera", "openpyxl"}.isdisjoint(loaded), sorted(
        m for m in loaded if m.split(".")[0] in {"pandas", "pandera", "openpyxl"})[:5]


def test_the_schemas_import_pandera_only_when_a_schema_is_made() -> None:
    assert "pandera" not in _modules_after("import schemas")
    loaded = _modules_after("import datetime, schemas\n"
                            "ctx = schemas.ValidationContext(2564, datetime.date(2020, 10, 1), datetime.date(2021, 9, 30))\n"
                            "[spec.pandera_schema(ctx) for spec in schemas.SHEETS]")
    assert "pandera" in loaded
