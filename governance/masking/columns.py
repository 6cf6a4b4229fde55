"""Mask several columns of one table at once, side by side (``infra.parallel``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from governance.masking.policies import apply_policy
from infra.parallel import thread_map


@dataclass(frozen=True)
class ColumnPolicy:
    source: str  # column of the input table
    policy: str
    pii_class: str | None
    option: str | None = None


def mask_columns(
    table: pa.Table, plan: Mapping[str, ColumnPolicy], key: bytes
) -> dict[str, pa.Array | pa.ChunkedArray | None]:
    """Output column -> masked values (``None`` where the policy drops the column), in ``plan`` order."""

    def one(rule: ColumnPolicy) -> pa.Array | pa.ChunkedArray | None:
        return apply_policy(table.column(rule.source), rule.policy, rule.pii_class, key, rule.option)

    return dict(zip(plan, thread_map(one, plan.values()), strict=True))
