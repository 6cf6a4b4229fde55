"""The Iceberg catalog for the active profile, and the zones (namespaces) it holds."""

from __future__ import annotations

import os

from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import SqlCatalog

from infra.settings import Settings, load_settings, require_cluster_env
from infra.zones import ZONE_NAMES


def catalog_properties(settings: Settings) -> dict[str, str]:
    if settings.profile == "embedded":
        settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
        return {"uri": settings.sqlite_catalog_uri, "warehouse": settings.warehouse_dir.as_uri()}
    if settings.profile == "cluster":
        # Like the stack, but the credentials come from the environment only (no secrets file under the
        # home): refuse before SQLAlchemy or the S3 client try an empty host or password.
        require_cluster_env(settings)
    return {
        "uri": settings.pg_catalog_uri,
        "warehouse": f"s3://{settings.s3_bucket}/warehouse",
        # pyarrow's S3 client, explicitly: fsspec/s3fs would also do, but one client keeps behaviour predictable.
        "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO",
        "s3.endpoint": settings.s3_endpoint,
        "s3.access-key-id": settings.s3_access_key,
        "s3.secret-access-key": settings.s3_secret_key,
        "s3.region": "us-east-1",
        "s3.path-style-access": "true",
    }


def s3_client_env() -> None:
    """Make pyarrow's AWS SDK send checksums only when required (before any S3 client is created).

    Recent AWS SDKs add CRC trailers (aws-chunked) to every upload; the stack's S3 API server (s3proxy)
    rejects those on UploadPart with HTTP 400. An explicit setting in the environment wins.
    """
    os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED")
    os.environ.setdefault("AWS_RESPONSE_CHECKSUM_VALIDATION", "WHEN_REQUIRED")


def open_catalog(settings: Settings | None = None) -> Catalog:
    """Open the catalog and make sure every zone exists (cheap and idempotent)."""
    settings = settings or load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    if settings.profile != "embedded":
        s3_client_env()
    catalog = SqlCatalog(settings.catalog_name, **catalog_properties(settings))
    existing = {ns[0] for ns in catalog.list_namespaces()}
    for zone in ZONE_NAMES:
        if zone not in existing:
            catalog.create_namespace_if_not_exists(zone)
    return catalog
