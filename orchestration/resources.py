"""Dagster resources: thin handles onto the plain libraries' settings and catalog."""

from __future__ import annotations

from functools import cached_property

import dagster as dg
from pyiceberg.catalog import Catalog

from infra.catalog import open_catalog
from infra.settings import Settings, load_settings


class LakehouseResource(dg.ConfigurableResource):
    """Where the lakehouse lives; configuration comes from LAKEHOUSE_* environment variables."""

    profile: str = "embedded"

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def catalog(self) -> Catalog:
        return open_catalog(self.settings)


def lakehouse_resource() -> LakehouseResource:
    return LakehouseResource(profile=dg.EnvVar("LAKEHOUSE_PROFILE").get_value("embedded") or "embedded")
