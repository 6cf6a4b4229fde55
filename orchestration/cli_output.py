"""What the CLI's commands share: printing tables and JSON, opening the catalog of the active profile."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog


def echo_table(rows: list[dict], columns: list[str]) -> None:
    if not rows:
        click.echo("(no rows)")
        return
    widths = {c: max(_width(c), *(_width(str(r.get(c, ""))) for r in rows)) for c in columns}
    click.echo("  ".join(_pad(c, widths[c]) for c in columns))
    click.echo("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        click.echo("  ".join(_pad(str(row.get(c, "")), widths[c]) for c in columns))


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def echo_json(payload: object) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def open_catalog():
    """The Iceberg catalog of the active profile (imports pyiceberg only when a command needs it)."""
    from infra.catalog import open_catalog as open_profile_catalog

    return open_profile_catalog()


def require_name(name: str, known: Iterable[str], what: str, param_hint: str) -> str:
    """``name`` if it is one of ``known``; otherwise a usage error naming the closest (or every) ``what``."""
    import difflib

    known = sorted(set(known))
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else f"{what}s: {', '.join(known) or 'none yet'}"
    raise click.BadParameter(f"no {what} {name!r}; {hint}", param_hint=param_hint)


def require_dataset(name: str, param_hint: str = "DATASET") -> str:
    """``name`` if a contract defines it; otherwise a usage error naming the closest datasets (or all)."""
    from governance.contracts import load_contracts

    return require_name(name, load_contracts(), "dataset", param_hint)


def require_department(name: str | None, param_hint: str = "--department") -> str | None:
    """A department id (or None when not given); otherwise a usage error naming the closest ids."""
    from infra.vocabulary import DEPARTMENTS

    return None if name is None else require_name(name, DEPARTMENTS, "department", param_hint)


def require_resource(name: str, entries: list[dict], param_hint: str = "RESOURCE") -> dict:
    """The catalogue entry (source resource or mart) named by its dataset, resource id or shared table;
    otherwise a usage error naming the closest names (or all)."""
    by_name = {}
    for entry in entries:
        for key in ("dataset", "resource_id", "exchange_table"):
            if entry.get(key):
                by_name.setdefault(entry[key], entry)
    if name not in by_name:
        # Raises, suggesting the short names people type (datasets and marts), not every spelling of each.
        require_name(name, [e["dataset"] for e in entries], "resource", param_hint)
    return by_name[name]


def shared_table_names(catalog: Catalog) -> list[str]:
    """Every table departments may be served: the catalogue's shared tables (resources and marts) and what
    the shared zones hold now (e.g. kpi.sharing_rate, which no catalogue entry describes)."""
    from governance.catalogue import read_catalogue
    from infra.zones import MART_ZONES

    names = {e["exchange_table"] for e in read_catalogue(catalog) if e.get("exchange_table")}
    namespaces = {ns[0] for ns in catalog.list_namespaces()}
    for zone in MART_ZONES:
        if zone.name in namespaces:
            names |= {".".join(ident) for ident in catalog.list_tables(zone.name)}
    return sorted(names)


def require_table(name: str, catalog: Catalog, param_hint: str = "TABLE") -> str:
    """A shared table (``zone.table``) of the catalogue or the shared zones; otherwise a usage error naming
    the closest tables (or all)."""
    return require_name(name, shared_table_names(catalog), "shared table", param_hint)
