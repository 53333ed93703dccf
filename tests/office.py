"""Drive a real LibreOffice (headless) from tests. The toolkit itself never needs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")


def convert(source: Path, target_format: str, out_dir: Path) -> Path:
    """``soffice --convert-to`` with a private profile; returns the converted file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", target_format, "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=180)
    ext = target_format.split(":", 1)[0]
    result = out_dir / f"{source.stem}.{ext}"
    assert result.exists(), f"LibreOffice wrote no {result}"
    return result
