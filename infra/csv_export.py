"""The one CSV writer for files people open in a spreadsheet (catalogue exports, quarantine exports).

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return before one) is a formula to
Excel and WPS: a department's export could run a command on the steward's machine. Such cells are written
with a leading apostrophe, which spreadsheets show as text and which keeps the value readable. Raw zones
keep what the source sent; only what we write for people is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel opens UTF-8 with a byte-order mark as UTF-8 (without it, as the local code page).
UTF8_BOM = "\ufeff"


def neutralise(value: object) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(headers: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, object]]) -> str:
    """``headers`` are (key, label) pairs: labels form the header row, keys pick each row's cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(label) for _, label in headers])
    for row in rows:
        writer.writerow([neutralise(row.get(key)) for key, _ in headers])
    return UTF8_BOM + buffer.getvalue()
