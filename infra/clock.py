"""China time (北京时间) for every report: one zone, one conversion, one display format.

Reports are read by Chinese auditors and stewards, whatever clock the machine runs on (the servers here run
in UTC). China has had no daylight saving time since 1991, so a fixed +08:00 offset is exact for every time
this project stores, and needs no tz database on the machine.

Stored times come in four kinds, and a converter must be told which one it holds:

- aware datetimes (any zone): converted;
- naive UTC (quality results, Trino's query log): ``naive="utc"``;
- naive China time (lineage runs, the sharing store, the masking report): ``naive="china"``;
- naive machine-local time (``datetime.now()``, older rows of the load ledger): ``naive="local"``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

CHINA = timezone(timedelta(hours=8), "CST")
CHINA_OFFSET = "+08:00"
# The one display format: "2026-11-30 23:05:00 +08:00" (the offset says the zone to a reader and a parser).
DISPLAY_FORMAT = "%Y-%m-%d %H:%M:%S"
# The doc of a naive column that holds China time (Iceberg field docs, report legends).
CHINA_TIME_DOC = "China Standard Time (Asia/Shanghai, UTC+8), naive"

NaiveIs = Literal["utc", "china", "local"]


def china_now() -> datetime:
    """Now, aware, in China time."""
    return datetime.now(CHINA)


def to_china(moment: datetime | int | float, naive: NaiveIs = "utc") -> datetime:
    """``moment`` as an aware China-time datetime.

    An int or float is epoch milliseconds (Iceberg snapshot ``timestamp_ms``); a naive datetime is read as
    ``naive`` says (see the module doc)."""
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        return datetime.fromtimestamp(moment / 1000, CHINA)
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime or epoch milliseconds, got {type(moment).__name__}")
    if moment.tzinfo is None:
        if naive == "china":
            return moment.replace(tzinfo=CHINA)
        # astimezone() on a naive datetime takes it as the machine's local time.
        moment = moment.replace(tzinfo=UTC) if naive == "utc" else moment.astimezone()
    return moment.astimezone(CHINA)


def china_naive(moment: datetime | int | float | None = None, naive: NaiveIs = "utc") -> datetime:
    """China wall-clock time without tzinfo, for naive columns documented as China time (now by default)."""
    return (china_now() if moment is None else to_china(moment, naive)).replace(tzinfo=None)


def format_china(moment: datetime | int | float | None, naive: NaiveIs = "utc", missing: str = "—") -> str:
    """The display form, e.g. ``2026-11-30 23:05:00 +08:00``; ``missing`` for no time."""
    if moment is None:
        return missing
    return f"{to_china(moment, naive):{DISPLAY_FORMAT}} {CHINA_OFFSET}"
