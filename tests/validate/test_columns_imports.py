"""Validating a file does not search the import path for geopandas, which pandera tries to import for
every column's type, when geopandas is not installed."""

import importlib.util
import subprocess
import sys

import pytest

SCRIPT = """
import sys
from pathlib import Path
from tests.builders import make_return
from toolkit.reference import load_reference
from toolkit.validate.run import validate_file
import tempfile
searched = []
sys.addaudithook(lambda event, args: searched.append(args[0]) if event == "import" and args[0] == "geopandas" else None)
with tempfile.TemporaryDirectory() as tmp:
    path = make_return(Path(tmp))
    ref = load_reference()
    assert validate_file(path, ref).report.accepted
print(len(searched), sys.modules.get("geopandas", "absent"))
"""


@pytest.mark.skipif(importlib.util.find_spec("geopandas") is not None, reason="geopandas is installed here")
def test_pandera_does_not_search_for_a_missing_geopandas():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "None"]
