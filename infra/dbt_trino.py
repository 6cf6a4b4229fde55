"""dbt on Trino: the environment a dbt run gets, and the one statement that publishes a built mart.

On the embedded profile dbt builds the marts in DuckDB (target ``embedded``); on the stack and cluster
profiles Trino builds them as Iceberg tables (target ``trino``, dbt-trino) in ``BUILD_SCHEMA``, a schema no
department reads. The gates (GX suite, leak scan) read the built table there, and only then
``publish_statement`` replaces the shared ``exchange`` / ``kpi`` table with it, by Trino, in one Iceberg
commit (docs/adr/0016-marts-built-by-trino-on-the-stack.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from pyiceberg.catalog import Catalog

from infra.settings import Settings
from infra.stack.paths import StackPaths
from infra.stack.secrets import STEWARD_USER, load_or_create_users
from infra.stack.trino_config import STEWARD_CATALOG

# Where dbt-trino builds every model (dbt_project/profiles.yml `schema`; generate_schema_name keeps all
# models there on Trino). Not a zone: nobody but the steward accounts reads it.
BUILD_SCHEMA = "mart_build"
# Trino's statements read a mart's table properties from the model's dbt config `properties`, which are
# Trino expressions (dbt-trino's convention): format, partitioning, sorted_by …
_PUBLISH = "CREATE OR REPLACE TABLE {target}{properties} AS SELECT * FROM {source}"


def uses_trino(settings: Settings) -> bool:
    return settings.dbt_target == "trino"


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _relation(*parts: str) -> str:
    return ".".join(quote_identifier(p) for p in parts)


def built_relation(name: str) -> str:
    """The Trino name of a model dbt built (in the steward catalog's build schema)."""
    return _relation(STEWARD_CATALOG, BUILD_SCHEMA, name)


def publish_statement(schema: str, name: str, properties: Mapping[str, Any] | None = None) -> str:
    """`CREATE OR REPLACE TABLE <zone>.<name> WITH (…) AS SELECT * FROM <build>.<name>`: one commit of the
    shared table, its history kept (rollback, time travel), readers see the old snapshot until it lands.

    ``schema`` and ``name`` come from dbt's manifest, ``properties`` from the model's own config.
    """
    with_clause = ""
    if properties:
        with_clause = " WITH (" + ", ".join(f"{key} = {value}" for key, value in properties.items()) + ")"
    return _PUBLISH.format(
        target=_relation(STEWARD_CATALOG, schema, name), properties=with_clause, source=built_relation(name)
    )


def _steward_password(settings: Settings) -> str:
    """The steward account's password: from the environment (cluster), else the stack's users file."""
    given = os.environ.get("LAKEHOUSE_TRINO_STEWARD_PASSWORD", "")
    if given:
        return given
    users = load_or_create_users(StackPaths.of(settings).secrets)
    return next(u.password for u in users if u.name == STEWARD_USER)


def dbt_environment(settings: Settings) -> dict[str, str]:
    """What a dbt process needs in its environment on this profile (profiles.yml reads it)."""
    env = {"LAKEHOUSE_DBT_TARGET": settings.dbt_target, "LAKEHOUSE_HOME": str(settings.home)}
    if not uses_trino(settings):
        return env
    # The Trino client (httpx, requests, trino) is imported on the stack profile only: the embedded
    # definitions import this module at every start and never talk to Trino.
    from infra.stack import trino as trino_node

    cert = str(trino_node.cert_pem(StackPaths.of(settings)))
    env.update(
        {
            "LAKEHOUSE_TRINO_HOST": settings.trino_host,
            "LAKEHOUSE_TRINO_PORT": str(settings.trino_port),
            "LAKEHOUSE_DBT_TRINO_USER": STEWARD_USER,
            "LAKEHOUSE_DBT_TRINO_PASSWORD": _steward_password(settings),
            "LAKEHOUSE_DBT_TRINO_CATALOG": STEWARD_CATALOG,
            "LAKEHOUSE_TRINO_CERT": cert,
            # The trino client's requests session lets REQUESTS_CA_BUNDLE override the certificate it is
            # given (docs/stack.md, gotchas): inside the dbt process the bundle is the stack's certificate.
            "REQUESTS_CA_BUNDLE": cert,
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY", ""), settings.trino_host])),
        }
    )
    return env


@contextmanager
def dbt_environment_set(settings: Settings) -> Iterator[dict[str, str]]:
    """`dbt_environment` in os.environ while the block runs (dagster-dbt starts dbt with this process's
    environment), the previous values back afterwards."""
    env = dbt_environment(settings)
    before = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def read_built(catalog: Catalog, name: str) -> pa.Table:
    """A mart as dbt-trino built it, read from the Iceberg catalog (the gates scan this, before publication)."""
    return catalog.load_table((BUILD_SCHEMA, name)).scan().to_arrow()


def publish_built(settings: Settings, schema: str, name: str, properties: Mapping[str, Any] | None) -> int:
    """Replace ``<schema>.<name>`` with the built mart, by Trino as the steward account; returns its rows."""
    from infra.stack import trino as trino_node

    statement = publish_statement(schema, name, properties)
    connection = trino_node.connect(
        settings, StackPaths.of(settings), STEWARD_USER, _steward_password(settings)
    )
    with connection:
        cursor = connection.cursor()
        cursor.execute(statement)
        cursor.fetchall()
        cursor.execute(f"SELECT count(*) FROM {_relation(STEWARD_CATALOG, schema, name)}")
        return int(cursor.fetchall()[0][0])
