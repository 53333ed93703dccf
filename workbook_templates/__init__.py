"""Template specifications' reference data and the bundled sample catalogue (CSV files)."""

from pathlib import Path

REFERENCE_DIR = Path(__file__).parent / "reference"
SAMPLE_DIR = Path(__file__).parent / "sample"
