"""The shared corpus of odd and hostile workbooks (../shared/corpus beside the project root): read in
place, never copied. Tests that need it skip, with this reason, only when the folder is absent."""

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
