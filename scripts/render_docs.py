"""Render what an agency receives: one PNG per sheet kind of a sample template, into docs/.

Needs LibreOffice (soffice) and poppler (pdftoppm, pdftotext); the toolkit itself needs neither.
Run: .venv/bin/python scripts/render_docs.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from schemas import SHEETS
from toolkit.calendar import Round
from toolkit.catalogue import Catalogue
from toolkit.reference import load_reference
from toolkit.template.generate import generate_template
from workbook_templates import SAMPLE_DIR

DOCS = Path(__file__).resolve().parents[1] / "docs"
AGENCY, ROUND = "0100", "2564-Q4"


def main() -> int:
    soffice = shutil.which("soffice")
    if not soffice or not shutil.which("pdftoppm"):
        print("needs LibreOffice (soffice) and poppler-utils (pdftoppm)", file=sys.stderr)
        return 2
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = generate_template(Catalogue.from_csv_folder(SAMPLE_DIR), load_reference(), AGENCY,
                                     Round.parse(ROUND), work).path
        subprocess.run([soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(work), str(template)], check=True, capture_output=True, timeout=180)
        pdf = work / f"{template.stem}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout.split("\f")
        wanted = {"instructions": "Project and KPI progress return"}
        wanted.update({spec.key: f"/ {spec.en} —" for spec in SHEETS})
        for key, marker in wanted.items():
            page = next((i + 1 for i, t in enumerate(text) if marker in t), None)
            if page is None:
                print(f"no page shows {key}", file=sys.stderr)
                return 1
            out = DOCS / f"template-{key}"
            subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(out)], check=True)
            print(f"{out}.png  (page {page})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
