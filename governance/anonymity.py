"""Re-identification check of a row-level exchange table: what of a masked resource may be published.

Masking removes identifiers; it does not stop someone who knows a neighbour's birth year, sex and town
from finding her row, and through its pseudonym every other row about her. So before a resource's masked
staging copy is published (docs/adr/0012-sensitive-data-and-reidentification.md), the table that would
reach the exchange zone is built and judged:

* items the contract withholds (``sharing_type: not_shared``) are left out;
* rows of data subjects who may be under 14 (PIPL Art. 28: the column declared ``minor_under_14``, a
  birth year or date; an unknown age counts as possibly under 14) are left out and counted;
* k-anonymity: every equivalence class (one combination of quasi-identifier values, null included) holds
  at least k rows;
* l-diversity: in every class, every sensitive column left in the table holds at least l distinct values
  (a class where the column is entirely empty discloses nothing and is not counted);
* a table below k or l is blocked or, where the contract declares ``on_failure: suppress_rows``, the rows
  of the failing classes are left out, counted and reported;
* a sensitive column the contract gives no release (see ``DatasetContract.sensitive_release``) blocks.

Only column names, counts and k/l leave this module, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from governance.contracts import DatasetContract

MINOR_AGE = 14  # PIPL Art. 28 and 31: personal information of children under 14 is sensitive
_CLASS = "__class"
_SEPARATOR = "\x1f"  # unit separator: never part of a masked value
_NULL = "\x00"  # a null quasi-identifier is a value of its own (its rows form a class together)


@dataclass(frozen=True)
class SensitiveItem:
    column: str
    category: str  # infra.vocabulary.SENSITIVE_CATEGORIES
    release: str | None  # infra.vocabulary.SENSITIVE_RELEASES; None: the contract gives it none
    published: bool  # present in the row-level exchange table


@dataclass(frozen=True)
class Diversity:
    """k and l of one table: the smallest class and the fewest distinct sensitive values in a class."""

    k: int | None  # None: no quasi-identifier (nobody can be singled out by them) or no row
    l: int | None  # noqa: E741 — None: no sensitive column in the table, or nothing in it
    failing_classes: pa.Array  # class keys below k or l


@dataclass(frozen=True)
class Release:
    dataset: str
    table: pa.Table  # what may be published
    quasi_identifiers: tuple[str, ...]
    sensitive: tuple[SensitiveItem, ...]
    k_required: int
    l_required: int
    on_failure: str
    before: Diversity  # as staged (after withholding items and minors' rows)
    after: Diversity  # as published
    rows_staged: int
    minors_withheld: int
    rows_suppressed: int

    @property
    def refused(self) -> tuple[str, ...]:
        return tuple(s.column for s in self.sensitive if s.release is None)

    @property
    def k(self) -> int | None:
        return self.after.k

    @property
    def l(self) -> int | None:  # noqa: E743
        return self.after.l

    @property
    def passed(self) -> bool:
        k_ok = self.k is None or self.k >= self.k_required
        l_ok = self.l is None or self.l >= self.l_required
        return k_ok and l_ok and not self.refused

    def describe(self) -> str:
        where = f"exchange.{self.dataset}"
        problems = [
            f"{where}.{column}: sensitive data with no release (drop, generalise, withhold or share the "
            f"resource conditionally)"
            for column in self.refused
        ]
        if self.k is not None and self.k < self.k_required:
            problems.append(
                f"{where}: k = {self.k} over {', '.join(self.quasi_identifiers)} (at least "
                f"{self.k_required} required): a class this small can single a person out"
            )
        if self.l is not None and self.l < self.l_required:
            problems.append(
                f"{where}: l = {self.l} for {', '.join(self.diverse_columns)} (at least {self.l_required} "
                "required): everyone in a class shares the sensitive value"
            )
        if problems:
            return "; ".join(problems)
        done = [
            f"k = {self.k if self.k is not None else '—'}",
            f"l = {self.l if self.l is not None else '—'}",
        ]
        if self.rows_suppressed:
            done.append(f"{self.rows_suppressed} row(s) of classes under k/l suppressed")
        if self.minors_withheld:
            done.append(f"{self.minors_withheld} row(s) of possible minors under {MINOR_AGE} withheld")
        return f"{where}: " + ", ".join(done)

    @property
    def diverse_columns(self) -> tuple[str, ...]:
        return diverse_columns(self.sensitive, self.quasi_identifiers)


def diverse_columns(
    sensitive: tuple[SensitiveItem, ...], quasi_identifiers: tuple[str, ...]
) -> tuple[str, ...]:
    """Sensitive attributes judged for l: published, not a quasi-identifier, not the minors' age marker."""
    return tuple(
        s.column
        for s in sensitive
        if s.published and s.column not in quasi_identifiers and s.category != "minor_under_14"
    )


def class_keys(table: pa.Table, quasi_identifiers: tuple[str, ...]) -> pa.Array:
    """One key per row naming its equivalence class (all rows share one class without quasi-identifiers)."""
    if not quasi_identifiers:
        return pa.repeat(pa.scalar("", pa.string()), table.num_rows)
    parts = [pc.cast(table.column(name), pa.string()) for name in quasi_identifiers]
    joined = pc.binary_join_element_wise(*parts, _SEPARATOR, null_handling="replace", null_replacement=_NULL)
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def diversity(
    table: pa.Table,
    quasi_identifiers: tuple[str, ...],
    sensitive: tuple[str, ...],
    k: int,
    l: int,  # noqa: E741
) -> Diversity:
    """k and l of ``table``, and the classes that fall short of ``k`` or ``l``."""
    keyed = pa.table(
        {_CLASS: class_keys(table, quasi_identifiers), **{s: table.column(s) for s in sensitive}}
    )
    valid = pc.CountOptions(mode="only_valid")
    aggregations = [([], "count_all")]
    for column in sensitive:
        aggregations += [(column, "count_distinct", valid), (column, "count", valid)]
    classes = keyed.group_by(_CLASS).aggregate(aggregations)
    if classes.num_rows == 0:
        return Diversity(None, None, pa.array([], pa.string()))
    sizes = classes.column("count_all")
    failing = pc.less(sizes, k)
    smallest_l: int | None = None
    for column in sensitive:
        distinct, present = classes.column(f"{column}_count_distinct"), classes.column(f"{column}_count")
        judged = pc.greater(present, 0)  # an entirely empty column in a class discloses nothing
        failing = pc.or_(failing, pc.and_(judged, pc.less(distinct, l)))
        if pc.any(judged).as_py():
            low = pc.min(pc.filter(distinct, judged)).as_py()
            smallest_l = low if smallest_l is None else min(smallest_l, low)
    k_found = pc.min(sizes).as_py() if quasi_identifiers else None
    return Diversity(k_found, smallest_l, pc.filter(classes.column(_CLASS), failing).combine_chunks())


def possible_minors(values: pa.ChunkedArray | pa.Array, today: date) -> pa.Array:
    """True where a subject may be under 14 on ``today``, from a birth year (text or integer) or date.

    Only the year is used: born in the year that turned 14 today may still be 13. Unknown counts as minor.
    """
    if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
        years = pc.year(values)
    else:
        text = pc.utf8_slice_codeunits(pc.cast(values, pa.string()), 0, 4)
        digits = pc.match_substring_regex(text, r"^[0-9]{4}$")
        years = pc.cast(pc.if_else(digits, text, pa.scalar(None, pa.string())), pa.int64())
    minor = pc.greater_equal(years, today.year - MINOR_AGE)
    result = pc.fill_null(minor, True)
    return result.combine_chunks() if isinstance(result, pa.ChunkedArray) else result


def sensitive_items(contract: DatasetContract) -> tuple[SensitiveItem, ...]:
    published = {c.name for c in contract.exchange_columns}
    return tuple(
        SensitiveItem(c.name, str(c.sensitive), contract.sensitive_release(c), c.name in published)
        for c in contract.sensitive_columns
    )


def judged_columns(contract: DatasetContract) -> tuple[str, ...]:
    """The staged columns the verdict on the exchange table depends on: quasi-identifiers, the sensitive
    columns judged for l, and the minors' age markers. Reading only these judges a whole table cheaply
    (governance.incremental); the verdict is the one the full table gets."""
    items = sensitive_items(contract)
    qis = contract.quasi_identifiers
    minors = tuple(s.column for s in items if s.category == "minor_under_14")
    return tuple(dict.fromkeys((*qis, *diverse_columns(items, qis), *minors)))


def release_rows(
    contract: DatasetContract, staged: pa.Table, today: date, columns: tuple[str, ...] | None = None
) -> tuple[pa.Table, int]:
    """The exchange table before k and l: withheld items and possible minors' rows left out (row by row,
    so a table's release rows are its parts' release rows). ``columns``: keep only these of the exchange
    columns. Returns the rows and how many minors' rows were withheld."""
    names = [c.name for c in contract.exchange_columns if columns is None or c.name in columns]
    minors = pa.repeat(pa.scalar(False), staged.num_rows)
    for item in sensitive_items(contract):
        if item.category == "minor_under_14":
            minors = pc.or_(minors, possible_minors(staged.column(item.column), today))
    return staged.select(names).filter(pc.invert(minors)), int(pc.sum(minors).as_py() or 0)


def prepare_release(
    contract: DatasetContract,
    staged: pa.Table,
    today: date | None = None,
    columns: tuple[str, ...] | None = None,
) -> Release:
    """The exchange table of ``contract`` built from its masked ``staged`` table, and the verdict on it.

    ``columns`` (``judged_columns``): ``staged`` holds only those; the verdict and counts are the full
    table's, but the release's table is a projection for judging, never for publication.
    """
    today = today or date.today()
    spec = contract.reidentification
    items = sensitive_items(contract)
    table, minors_withheld = release_rows(contract, staged, today, columns)
    qis = contract.quasi_identifiers
    judged = diverse_columns(items, qis)
    before = diversity(table, qis, judged, spec.k, spec.l)
    after, suppressed = before, 0
    if spec.on_failure == "suppress_rows" and len(before.failing_classes):
        keep = pc.invert(pc.is_in(class_keys(table, qis), value_set=before.failing_classes))
        kept = table.filter(keep)
        suppressed = table.num_rows - kept.num_rows
        table = kept
        after = diversity(table, qis, judged, spec.k, spec.l)
    return Release(
        dataset=contract.name,
        table=table,
        quasi_identifiers=qis,
        sensitive=items,
        k_required=spec.k,
        l_required=spec.l,
        on_failure=spec.on_failure,
        before=before,
        after=after,
        rows_staged=staged.num_rows,
        minors_withheld=minors_withheld,
        rows_suppressed=suppressed,
    )
