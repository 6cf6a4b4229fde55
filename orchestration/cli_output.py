"""What the CLI's commands share: printing tables and JSON, opening the catalog of the active profile."""

from __future__ import annotations

import json

import click


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


def require_dataset(name: str, param_hint: str = "DATASET") -> str:
    """``name`` if a contract defines it; otherwise a usage error naming the closest datasets (or all)."""
    import difflib

    from governance.contracts import load_contracts

    known = sorted(load_contracts())
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else f"datasets: {', '.join(known)}"
    raise click.BadParameter(f"no dataset {name!r}; {hint}", param_hint=param_hint)
