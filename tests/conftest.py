import pytest

from tests.builders import small_catalogue
from toolkit.reference import Reference, load_reference
from toolkit.template.catalogue_writer import write_catalogue
from toolkit.workspace import Workspace


@pytest.fixture(scope="session")
def ref() -> Reference:
    return load_reference()


@pytest.fixture
def ws(tmp_path) -> Workspace:
    """A workspace with the small test catalogue (tests/builders.py), empty inbox and ledger."""
    ws = Workspace.create(tmp_path / "ws")
    write_catalogue(small_catalogue(), ws.catalogue_path)
    return ws
