"""Fixtures of the quality unit tests."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.unit.quality.quality_tables import parking_sessions


@pytest.fixture
def sessions() -> pa.Table:
    return parking_sessions()
