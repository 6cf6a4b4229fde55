"""Header cells as exports really write them, matched to the contract's names.

An export's header may carry what no one sees: a space before or after a name (Excel pads cells), a
no-break or ideographic space, a zero-width character pasted with it, full-width brackets where the
contract has ASCII ones (注册资本（万元）), another letter case (AlertId). Each such header is the
contract's column, read under the contract's name with a note saying so. A header named twice is
refused: which of the two is meant cannot be guessed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from ingest.connectors import SourceError, SourceUnit
from ingest.connectors.base import header_key

__all__ = ["header_key", "match_headers"]


def match_headers(unit: SourceUnit, expected: Iterable[str]) -> SourceUnit:
    """``unit`` with each header that is a contract name written otherwise renamed to it (and a note).

    Raises SourceError when a contract name stands twice in the header, as written or once folded."""
    contract_names = set(expected)
    wanted = {header_key(name): name for name in contract_names}
    if len(wanted) < len(contract_names):
        wanted = {}  # two contract names fold alike: only exact headers can be trusted
    columns = unit.table.column_names
    as_contract = [name if name in contract_names else wanted.get(header_key(name), name) for name in columns]
    twice = sorted(
        name for name, count in Counter(as_contract).items() if count > 1 and name in contract_names
    )
    if twice:
        places = "; ".join(
            f"'{name}' in columns {', '.join(str(i + 1) for i, c in enumerate(as_contract) if c == name)}"
            for name in twice
        )
        raise SourceError(
            f"{unit.name}: the header names a column twice ({places}); which one holds the data cannot be "
            "told: ask the provider to resend the export with each column once"
        )
    renamed = [(old, new) for old, new in zip(columns, as_contract, strict=True) if old != new]
    if not renamed:
        return unit
    read_as = ", ".join(f"{old!r} as '{new}'" for old, new in renamed)
    note = (
        f"{unit.name}: {len(renamed)} header(s) written otherwise than the contract's, read as its: {read_as}"
    )
    return dataclasses.replace(unit, table=unit.table.rename_columns(as_contract), notes=[*unit.notes, note])
