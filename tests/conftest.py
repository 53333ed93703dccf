import pytest

from toolkit.reference import Reference, load_reference


@pytest.fixture(scope="session")
def ref() -> Reference:
    return load_reference()
