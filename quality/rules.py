"""A rule is one GX expectation described in plain Python (no GX import), so suites can be derived,
compared and tested without paying GX's import cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Origin = Literal["contract", "custom", "dbt_model", "generic"]


@dataclass(frozen=True)
class Rule:
    """One expectation: the GX type name (snake case), its arguments, where it came from and why."""

    expectation: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    origin: Origin = "contract"
    note: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the expectation reads (empty for table-level expectations)."""
        if "column" in self.kwargs:
            return (self.kwargs["column"],)
        if "column_A" in self.kwargs:
            return (self.kwargs["column_A"], self.kwargs["column_B"])
        return tuple(self.kwargs.get("column_list", ()))

    @property
    def label(self) -> str:
        """What a steward reads in a failure message and in ``governance.quality_results``."""
        label = f"{self.expectation}({', '.join(self.columns)})" if self.columns else self.expectation
        if "min_value" in self.kwargs or "max_value" in self.kwargs:
            # Two bands on one column (contract range, plausible band) must stay distinguishable.
            low, high = self.kwargs.get("min_value"), self.kwargs.get("max_value")
            label += f" [{'' if low is None else low}..{'' if high is None else high}]"
        return label
