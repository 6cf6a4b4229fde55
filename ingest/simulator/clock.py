"""Simulated time: days of the run, intraday activity profiles and the as-of cutoff of the snapshot.

Everything is int64 seconds / numpy datetime64, so a day of 100,000 events is timed without Python loops.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

# Relative activity per hour of day (0..23), one profile per kind of system.
OFFICE = np.array(
    [0, 0, 0, 0, 0, 0, 0.2, 0.6, 2, 4, 4.5, 4, 2, 3.5, 4, 4, 3.5, 2, 0.8, 0.5, 0.4, 0.3, 0.1, 0]
)
COMMUTE = np.array(
    [0.3, 0.2, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 4, 2.5, 2, 2, 2.2, 2, 2, 2.3, 3, 4, 3.6, 2.5, 1.8, 1.3, 0.9, 0.5]
)
LEISURE = np.array(
    [
        0.2,
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.4,
        1,
        2,
        3,
        3.5,
        3.5,
        3.2,
        3.2,
        3.4,
        3.4,
        3.2,
        3,
        3,
        2.8,
        2.2,
        1.5,
        0.8,
        0.4,
    ]
)
CLINIC = np.array(
    [0, 0, 0, 0, 0, 0, 0.1, 1.5, 4.5, 5, 4.5, 3, 1, 2.5, 3.5, 3, 2, 0.8, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1]
)
DAYLIGHT = np.array(
    [
        0.1,
        0.05,
        0.05,
        0.05,
        0.1,
        0.3,
        1,
        2,
        3,
        3.5,
        3.5,
        3,
        2.5,
        2.5,
        2.8,
        3,
        3,
        2.5,
        2,
        1.8,
        1.5,
        1,
        0.5,
        0.2,
    ]
)
ANYTIME = np.ones(24)


def run_days(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def day_seconds(day: date) -> np.int64:
    """Seconds since the epoch at 00:00 of ``day`` (naive local time, Asia/Shanghai as the systems record it)."""
    return np.datetime64(day, "s").astype(np.int64)


def times_in_day(rng: np.random.Generator, day: date, n: int, profile: np.ndarray) -> np.ndarray:
    """``n`` sorted event times (int64 seconds) on ``day``, distributed over the hours like ``profile``."""
    hours = rng.choice(24, size=n, p=profile / profile.sum())
    return np.sort(day_seconds(day) + hours * 3600 + rng.integers(0, 3600, n))


def ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of datetime64 values."""
    d = dates.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    return (
        years.astype(np.int64) + 1970,
        (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - months.astype("datetime64[D]")).astype(np.int64) + 1,
    )


def compact(day: date) -> str:
    return day.strftime("%Y%m%d")
