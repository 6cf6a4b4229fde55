"""Whether schedules and sensors start running by themselves in a deployment (`LAKEHOUSE_AUTOMATION`).

Each schedule and sensor states whether it is safe to run unattended (docs/adr/0014-…); a deployment that
wants nothing to start by itself (a test stack, a restore rehearsal) sets ``LAKEHOUSE_AUTOMATION=off``.
What a steward turned on or off in the UI stays as they set it: a default status only decides what
Dagster does with a schedule or sensor nobody has touched.
"""

from __future__ import annotations

import os

import dagster as dg

AUTOMATION_ENV = "LAKEHOUSE_AUTOMATION"
_VALUES = {"on": True, "off": False}


def automation_on() -> bool:
    """``LAKEHOUSE_AUTOMATION``: on (the default) or off; anything else is refused, naming the choices, so a
    typo does not silently leave every sensor stopped."""
    value = os.environ.get(AUTOMATION_ENV, "on").strip().lower() or "on"
    if value not in _VALUES:
        raise ValueError(f"{AUTOMATION_ENV}={value!r}: use on or off")
    return _VALUES[value]


def sensor_status(safe: bool = True) -> dg.DefaultSensorStatus:
    """RUNNING for a sensor that is safe unattended, unless the deployment turned automation off."""
    running = safe and automation_on()
    return dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED


def schedule_status(safe: bool = True) -> dg.DefaultScheduleStatus:
    """RUNNING for a schedule that is safe unattended, unless the deployment turned automation off."""
    running = safe and automation_on()
    return dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
