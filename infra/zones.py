"""The zones (Iceberg namespaces, Trino schemas) and the names of the tables in them.

Every table name in the project is built here: ``EXCHANGE.table("parking_sessions")`` rather than a string
put together by hand, so that a zone is spelt once and a typo is an error, not a new namespace.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.vocabulary import DOMAINS


class TableName(str):
    """``zone.table``: a plain string everywhere a string goes (pyiceberg, SQL, JSON), with its parts."""

    __slots__ = ()

    def __new__(cls, zone: str, name: str) -> TableName:
        if zone not in ZONE_NAMES:
            raise ValueError(f"unknown zone {zone!r}; zones: {', '.join(ZONE_NAMES)}")
        if not name or "." in name:
            raise ValueError(f"table name {name!r} must be one non-empty identifier without a dot")
        return super().__new__(cls, f"{zone}.{name}")

    @classmethod
    def parse(cls, qualified: str) -> TableName:
        """``"exchange.parks"`` → TableName; an unqualified name or an unknown zone is an error."""
        zone, dot, name = qualified.partition(".")
        if not dot:
            raise ValueError(f"{qualified!r} is not zone-qualified (e.g. exchange.{qualified})")
        return cls(zone, name)

    @property
    def zone(self) -> str:
        return self.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.split(".", 1)[1]

    @property
    def identifier(self) -> tuple[str, str]:
        """pyiceberg's (namespace, table) form."""
        return (self.zone, self.table)


@dataclass(frozen=True)
class Zone:
    name: str

    def table(self, table: str) -> TableName:
        return TableName(self.name, table)

    def __str__(self) -> str:
        return self.name


RAW_ZONES: dict[str, Zone] = {domain: Zone(f"raw_{domain}") for domain in DOMAINS}
QUARANTINE = Zone("quarantine")
STAGING = Zone("staging")
EXCHANGE = Zone("exchange")
KPI = Zone("kpi")
GOVERNANCE = Zone("governance")

ZONES: tuple[Zone, ...] = (*RAW_ZONES.values(), QUARANTINE, STAGING, EXCHANGE, KPI, GOVERNANCE)
ZONE_NAMES: tuple[str, ...] = tuple(z.name for z in ZONES)
# What departments read (through Trino and Superset); everything else is for stewards.
SHARED_ZONES: tuple[Zone, ...] = (EXCHANGE, KPI)
# Marts dbt builds and the publish step copies into Iceberg zones of the same name.
MART_ZONES: tuple[Zone, ...] = (EXCHANGE, KPI)


def raw_zone(domain: str) -> Zone:
    try:
        return RAW_ZONES[domain]
    except KeyError:
        raise ValueError(f"unknown domain {domain!r}; domains: {', '.join(RAW_ZONES)}") from None


class SchemaQualified:
    """For records whose ``table`` field holds ``schema.table``: its two parts by name."""

    table: str

    @property
    def schema(self) -> str:
        return TableName.parse(self.table).zone

    @property
    def name(self) -> str:
        return TableName.parse(self.table).table


# Tables several layers name (one writes, others read): spelt here once.
LOAD_LEDGER = GOVERNANCE.table("load_ledger")
QUALITY_RESULTS = GOVERNANCE.table("quality_results")
MASKING_REPORT = GOVERNANCE.table("masking_report")
MART_LEAK_SCANS = GOVERNANCE.table("mart_leak_scans")
RESOURCE_CATALOGUE = GOVERNANCE.table("resource_catalogue")
SHARING_REQUESTS = GOVERNANCE.table("sharing_requests")
SHARING_REQUEST_HISTORY = GOVERNANCE.table("sharing_request_history")
ACCESS_GRANTS = GOVERNANCE.table("access_grants")
CORRECTION_TICKETS = GOVERNANCE.table("correction_tickets")
CORRECTION_TICKET_HISTORY = GOVERNANCE.table("correction_ticket_history")
QUERY_LOG = GOVERNANCE.table("query_log")
SHARING_RATE = KPI.table("sharing_rate")
SHARING_GAPS = KPI.table("sharing_gaps")
LINEAGE_EDGES = GOVERNANCE.table("lineage_edges")
LINEAGE_RUNS = GOVERNANCE.table("lineage_runs")
ALERTS = GOVERNANCE.table("alerts")
