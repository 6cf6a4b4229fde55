"""What each user should be able to read, written from the rules of docs/sharing.md and the mission, NOT from
`governance.access.policy` (a matrix that asked the policy would only prove Trino renders the policy).

Inputs are what the data centre publishes: the resource catalogue (`governance.resource_catalogue` as
written by the pipeline), the live grants of the sharing store, and dbt's manifest for the inputs of each mart.

- the steward accounts: every table, unmasked;
- `raw_*`, `staging`, `quarantine`, `governance`, any other zone: stewards only;
- `kpi`: every department;
- an exchange table of a resource: its provider whole; an unconditional one every department with its
  personal columns masked (a grant covering one unmasks it); a conditional one only with a live grant:
  the granted columns (personal ones unmasked), the rows of the grant's row condition;
- a dbt mart in exchange: a department that may read every input (unconditional, provided by it, or a
  conditional one it holds a live grant without row condition on; an input not shared by law: its
  provider only); a personal column (an input's personal column of the same name) masked unless the
  department reads it unmasked in every input it comes from;
- Superset's service account: nothing as itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from governance.access.grant import Grant

NOT_PERSONAL = (None, "none", "not_personal")
ZONES_FOR_ALL = ("kpi",)


@dataclass(frozen=True)
class Expect:
    """How one user should read one table."""

    readable: bool
    columns: frozenset[str] | None = None  # None: every column
    masked: frozenset[str] = frozenset()
    personal: frozenset[str] = frozenset()  # this table's personal columns (unmasked unless in `masked`)
    row_conditions: tuple[str, ...] | None = None  # None: every row; otherwise the rows any condition matches

    def allows(self, column: str) -> bool:
        return self.readable and (self.columns is None or column in self.columns)


DENIED = Expect(False)


@dataclass(frozen=True)
class Entry:
    dataset: str
    provider: str
    sharing_type: str
    exchange_table: str | None
    shared_personal: frozenset[str]  # personal columns of its exchange table
    staged_personal: frozenset[str]  # personal columns that reach staging (what a mart may read)


def entries_of(catalogue: Iterable[Mapping]) -> dict[str, Entry]:
    found = {}
    for row in catalogue:
        if row.get("resource_kind") == "mart":
            continue  # a mart is read through its inputs (from dbt's manifest below), not as a resource
        items = json.loads(row["columns_json"])
        personal = [i for i in items if i["pii"] not in NOT_PERSONAL]
        found[row["dataset"]] = Entry(
            dataset=row["dataset"],
            provider=row["provider_department"],
            sharing_type=row["sharing_type"],
            exchange_table=row["exchange_table"],
            shared_personal=frozenset(i["name"] for i in personal if i["shared"]),
            staged_personal=frozenset(i["name"] for i in personal if i["masking"] != "drop"),
        )
    return found


@dataclass
class Expectations:
    entries: dict[str, Entry]
    grants: list[Grant]
    mart_inputs: dict[str, tuple[str, ...]]  # "exchange.<mart>" -> datasets it reads
    stewards: frozenset[str]
    departments: tuple[str, ...]
    personal_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.personal_names = frozenset(
            name for e in self.entries.values() for name in e.staged_personal | e.shared_personal
        )

    def department_of(self, user: str) -> str | None:
        """The demo's analysts are `analyst_<department>`; anyone else reads as no department."""
        name = user.removeprefix("analyst_")
        return name if user.startswith("analyst_") and name in self.departments else None

    def expect(self, user: str, table: str) -> Expect:
        if user in self.stewards:
            return Expect(True, personal=self.personal_names)  # nothing masked for them
        department = self.department_of(user)
        zone = table.split(".")[0]
        if department is None:
            return DENIED
        if zone in ZONES_FOR_ALL:
            return Expect(True)
        if zone != "exchange":
            return DENIED
        resource = next((e for e in self.entries.values() if e.exchange_table == table), None)
        if resource is not None:
            return self._resource(department, resource)
        if table in self.mart_inputs:
            return self._mart(department, table)
        return DENIED  # in exchange but neither a resource nor a known mart: stewards only

    def _grants(self, department: str, table: str | None) -> list[Grant]:
        return [g for g in self.grants if g.department == department and str(g.table) == table]

    def _resource(self, department: str, entry: Entry) -> Expect:
        personal = entry.shared_personal
        if department == entry.provider:
            return Expect(True, personal=personal)
        grants = self._grants(department, entry.exchange_table)
        granted = {c for g in grants for c in g.columns}
        if entry.sharing_type == "unconditional":
            return Expect(True, masked=frozenset(personal - granted), personal=personal)
        if entry.sharing_type != "conditional" or not grants:
            return DENIED
        conditions = tuple(g.row_condition for g in grants if g.row_condition)
        whole = len(conditions) < len(grants)  # one grant without a condition opens every row
        return Expect(
            True,
            columns=None if any(not g.columns for g in grants) else frozenset(granted),
            personal=personal,
            row_conditions=None if whole else conditions,
        )

    def _reads_input(self, department: str, entry: Entry | None) -> bool:
        if entry is None:
            return False
        if department == entry.provider or entry.sharing_type == "unconditional":
            return True
        whole = [g for g in self._grants(department, entry.exchange_table) if not g.row_condition]
        return entry.sharing_type == "conditional" and bool(whole)

    def _unmasked_in(self, department: str, entry: Entry, column: str) -> bool:
        if department == entry.provider:
            return True
        whole = [g for g in self._grants(department, entry.exchange_table) if not g.row_condition]
        return any(column in g.columns for g in whole)

    def _mart(self, department: str, table: str) -> Expect:
        inputs = [self.entries.get(name) for name in self.mart_inputs[table]]
        if not inputs or not all(self._reads_input(department, i) for i in inputs):
            return DENIED
        personal = frozenset(c for i in inputs if i for c in i.staged_personal)
        masked = frozenset(
            c
            for c in personal
            if not all(self._unmasked_in(department, i, c) for i in inputs if i and c in i.staged_personal)
        )
        return Expect(True, masked=masked, personal=personal)
