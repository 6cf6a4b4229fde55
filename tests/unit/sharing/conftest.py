import pytest

from governance.contracts import load_contracts
from governance.sharing.store import RequestStore


@pytest.fixture(scope="session")
def contracts():
    return load_contracts()


@pytest.fixture
def store(tmp_path):
    return RequestStore.open(f"sqlite:///{tmp_path / 'sharing.db'}")
