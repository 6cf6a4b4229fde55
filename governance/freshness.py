"""How old a resource may be for its 更新周期 (update frequency): one rule for the quality gate's freshness
check and the sharing KPI's "fresh for its update frequency"."""

from __future__ import annotations

from datetime import timedelta

# One period plus slack for the department's hand-over and the nightly run (02:00): a daily source
# delivered at 23:00 and loaded at 02:00 must still be fresh at 22:00 the next day.
MAX_AGE: dict[str, timedelta] = {
    "realtime": timedelta(minutes=30),
    "hourly": timedelta(hours=2),
    "daily": timedelta(hours=30),
    "weekly": timedelta(days=8),
    "monthly": timedelta(days=33),
    "quarterly": timedelta(days=95),
    "yearly": timedelta(days=370),
}


def max_age(update_frequency: str) -> timedelta:
    return MAX_AGE[update_frequency]
