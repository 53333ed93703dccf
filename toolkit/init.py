"""``toolkit init``: create a workspace, with the bundled sample catalogue if asked."""

from __future__ import annotations

from pathlib import Path

from toolkit.catalogue import Catalogue
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace
from workbook_templates import SAMPLE_DIR


def init_workspace(root: Path, sample: bool = False, force: bool = False) -> Workspace:
    """Create the folders; write ``catalogue.xlsx`` (sample or empty) unless one exists (or ``force``)."""
    ws = Workspace.create(root)
    if force or not ws.catalogue_path.exists():
        catalogue = Catalogue.from_csv_folder(SAMPLE_DIR) if sample else Catalogue({}, {}, {})
        write_catalogue(catalogue, ws.catalogue_path)
    return ws
