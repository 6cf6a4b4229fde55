"""Small Arrow tables shaped by the contracts, made in code."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa

from governance.contracts import load_contracts

T0 = datetime(2026, 11, 20, 8, 0)
PLATES = ["沪A12345", "沪B2C345", "沪AD12345", "沪C9Z876", "沪E55555"]


def parking_sessions(n: int = 5) -> pa.Table:
    contract = load_contracts()["parking_sessions"]
    rows = [
        {
            "session_id": f"PK{i:06d}",
            "lot_id": "PL0001",
            "plate": PLATES[i % len(PLATES)],
            "entered_at": T0 + timedelta(minutes=10 * i),
            "exited_at": T0 + timedelta(minutes=10 * i + 45),
            "fee_yuan": 5.0 + i,
            "payment_method": ["wechat", "alipay", "cash"][i % 3],
        }
        for i in range(n)
    ]
    return pa.Table.from_pylist(rows, schema=contract.raw_arrow_schema())
