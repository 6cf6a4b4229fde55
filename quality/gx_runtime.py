"""The one place that imports Great Expectations: lazily (the import costs seconds), analytics off.

Contexts are ephemeral (no great_expectations.yml): suites are derived from contracts on every run, so
nothing but validation results and Data Docs needs to persist. A context with a ``docs_root`` keeps
suites and (sanitised) validation results as JSON under ``docs_root/gx-store`` and renders Data Docs
into ``docs_root`` itself; one without keeps everything in memory (unit tests, ad-hoc validation).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

DATASOURCE = "lakehouse"
DOCS_SITE = "quality"
STORE_DIR = "gx-store"
DOCS_SITE_MODULE = "quality.docs_site"


@cache
def gx() -> ModuleType:
    # Must be set before the import: GX reads it when its usage statistics module loads.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations

    return great_expectations


def _project_config(docs_root: Path | None) -> Any:
    gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    quiet = ProgressBarsConfig(globally=False)
    if docs_root is None:
        return DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=quiet,
            analytics_enabled=False,
        )
    # GX's builders and views, with templates compiled and stored results read once per process
    # (quality/docs_site.py). No profiling section: nothing here profiles, so it rendered nothing and only
    # listed the result store once more per build.
    page_view = {"module_name": DOCS_SITE_MODULE, "class_name": "PageView"}
    site = {
        "class_name": "SiteBuilder",
        "site_index_builder": {
            "module_name": DOCS_SITE_MODULE,
            "class_name": "IndexBuilder",
            "view": {"module_name": DOCS_SITE_MODULE, "class_name": "IndexPageView"},
        },
        "site_section_builders": {
            "expectations": {"view": page_view},
            "validations": {"view": page_view},
            "profiling": "None",
        },
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_root)},
    }
    return DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(docs_root / STORE_DIR)),
        data_docs_sites={DOCS_SITE: site},
        progress_bars=quiet,
        analytics_enabled=False,
    )


@cache
def context(docs_root: Path | None = None) -> Any:
    """An ephemeral GX context (one per process and docs folder: contexts are cheap but not free)."""
    if docs_root is not None:
        docs_root.mkdir(parents=True, exist_ok=True)
    ctx = gx().get_context(mode="ephemeral", project_config=_project_config(docs_root))
    ctx.data_sources.add_pandas(DATASOURCE)
    return ctx


def batch_definition(ctx: Any, asset_name: str) -> Any:
    """A whole-dataframe batch definition for ``asset_name`` (created on first use)."""
    source = ctx.data_sources.get(DATASOURCE)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        return asset.get_batch_definition("whole")
    except KeyError:
        return asset.add_batch_definition_whole_dataframe("whole")
