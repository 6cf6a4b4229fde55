import pytest

from governance.contracts import load_contracts
from governance.sharing.store import RequestStore


@pytest.fixture(scope="session")
def contracts():
    return load_contracts()


@pytest.fixture
def store(tmp_path):
    return RequestStore.open(f"sqlite:///{tmp_path / 'sharing.db'}")


def write_exchange_table(catalog, name: str, rows: list[dict]) -> str:
    """`exchange.<name>` holding exactly these rows (replacing what it held), as publication leaves it."""
    import pyarrow as pa

    identifier = f"exchange.{name}"
    data = pa.Table.from_pylist(rows)
    catalog.create_namespace_if_not_exists("exchange")
    if catalog.table_exists(identifier):
        catalog.load_table(identifier).overwrite(data)
    else:
        catalog.create_table(identifier, schema=data.schema).append(data)
    return identifier


HOTLINE_ROWS = [
    {"ticket_id": "T1", "category": "消防安全", "street": "申港大道"},
    {"ticket_id": "T2", "category": "消防安全", "street": "环湖西一路"},
    {"ticket_id": "T3", "category": "噪声扰民", "street": "申港大道"},
]
