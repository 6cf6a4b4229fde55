"""Who may read a table, and how: the one access policy (docs/adr/0007-access-rules-generated.md).

`AccessPolicy.readers(table)` answers for every department from the catalogue's access resources and the live
grants; Trino's rules (`trino_rules`), Superset's roles (`superset_roles`) and the sharing KPI
(`governance.sharing.measure`) all ask it, so none of them can drift from the others.

- The named steward accounts (`STEWARDS`, not a department: the rules name them user by user) read
  everything, unmasked. The data office is a department like any other: its analysts read what any
  department reads. Every department reads the `kpi` zone.
- A resource's exchange table: its provider reads it as published; an unconditional one is read by every
  department with its personal columns masked (unless a grant covers them); a conditional one only with a
  live grant — the granted columns, the rows of the grant's row condition, until the grant's expiry.
- A dbt mart is read by the departments that may read EVERY input it uses: an unconditional input by
  everyone, a conditional one by its provider or with a live grant on it that has no row condition (the
  mart is built from every row of the input, so a grant for some rows cannot open it). A reader's expiry is
  that of the earliest grant it relies on. A personal column of a mart is masked unless the department may
  read that column unmasked in every input it comes from (it provides it, or a grant covers the column).
- Any other table (raw, staging, quarantine, governance, a table the catalogue does not know): stewards only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from governance.access.grant import CST, Grant, to_cst
from governance.access.resources import AccessResource, MartInput, project_resources
from governance.access.row_filter import RowConditionError, validate_row_condition
from infra.vocabulary import DEPARTMENTS
from infra.zones import KPI, TableName

# Zones every department reads whole (measured KPIs, no personal data).
EVERYONE_ZONES: tuple[str, ...] = (KPI.name,)
# The reader that is no department: the named steward accounts. Steward rights once went to the data
# office's group, so whichever analyst sat there read raw personal data and wrote; they follow the person now.
STEWARDS = "stewards"


@dataclass(frozen=True)
class RowScope:
    """Rows one grant opens: those matching `condition` (None = all) while `expires_at` has not passed."""

    condition: str | None = None
    expires_at: datetime | None = None  # naive CST

    def trino_sql(self) -> str | None:
        parts = [f"({self.condition})"] if self.condition else []
        if self.expires_at is not None:
            stamp = self.expires_at.replace(tzinfo=CST).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            parts.append(f"current_timestamp < TIMESTAMP '{stamp} UTC'")
        return " AND ".join(parts) or None


@dataclass(frozen=True)
class Access:
    """How one department reads one table: full, with personal columns masked, or as granted."""

    columns: tuple[str, ...] | None = None  # None: every column; otherwise only these (the rest denied)
    masked: tuple[str, ...] = ()  # personal columns served masked
    rows: tuple[RowScope, ...] = ()  # empty: every row; otherwise the rows any scope opens
    grant_ids: tuple[str, ...] = ()  # the grants this access rests on

    @property
    def kind(self) -> str:
        if self.columns is None and not self.rows:
            return "masked" if self.masked else "full"
        return "granted"

    def trino_filter(self) -> str | None:
        """The row filter Trino applies: any scope's rows, expiry included (None = every row)."""
        conditions = [s.trino_sql() for s in self.rows]
        if not conditions or None in conditions:
            return None
        return conditions[0] if len(conditions) == 1 else " OR ".join(f"({c})" for c in conditions)

    def row_condition(self) -> str | None:
        """The grants' row conditions alone (None = every row): Superset's row-level filter."""
        conditions = [s.condition for s in self.rows]
        if not conditions or None in conditions:
            return None
        return conditions[0] if len(conditions) == 1 else " OR ".join(f"({c})" for c in conditions)


FULL = Access()


@dataclass(frozen=True)
class RejectedGrant:
    grant: Grant
    reason: str


def check_grants(
    resources: Iterable[AccessResource],
    grants: Iterable[Grant],
    now: datetime,
    departments: Iterable[str] = DEPARTMENTS,
) -> tuple[list[Grant], list[RejectedGrant]]:
    """Live, valid grants (row condition normalised) and the rejected ones with the reason."""
    by_table = {r.table: r for r in resources}
    known_departments = set(departments)
    valid: list[Grant] = []
    rejected: list[RejectedGrant] = []
    for grant in grants:
        if not grant.live(now):
            continue
        resource = by_table.get(grant.table)
        reason = None
        if grant.department not in known_departments:
            reason = f"unknown department {grant.department!r}"
        elif resource is None:
            reason = f"{grant.table} is not an exchange table"
        elif resource.is_mart:
            reason = f"{grant.table} is a mart: it is read through grants on its inputs"
        elif unknown := sorted(set(grant.columns) - set(resource.columns)):
            reason = f"{grant.table} has no column(s) {', '.join(unknown)}"
        if reason is None and grant.row_condition and resource is not None:
            try:
                condition = validate_row_condition(grant.row_condition, resource.columns)
                grant = replace(grant, row_condition=condition)
            except RowConditionError as exc:
                reason = str(exc)
        if reason is None:
            valid.append(grant)
        else:
            rejected.append(RejectedGrant(grant, reason))
    return valid, rejected


@dataclass(frozen=True)
class AccessPolicy:
    """The catalogue's access resources and the grants in force at `at` (checked: invalid ones rejected)."""

    resources: Mapping[str, AccessResource]
    grants: tuple[Grant, ...]
    at: datetime
    departments: tuple[str, ...] = tuple(DEPARTMENTS)
    rejected: tuple[RejectedGrant, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        resources: Iterable[AccessResource],
        grants: Iterable[Grant],
        at: datetime,
        departments: Iterable[str] = DEPARTMENTS,
    ) -> AccessPolicy:
        resources = list(resources)
        departments = tuple(departments)
        valid, rejected = check_grants(resources, grants, at, departments)
        return cls(
            resources={r.table: r for r in resources},
            grants=tuple(valid),
            at=to_cst(at),
            departments=departments,
            rejected=tuple(rejected),
        )

    def readers(self, table: str) -> dict[str, Access]:
        """Department (or `STEWARDS`) -> how it may read `table` ("exchange.x", "kpi.x", …); absent
        departments may not."""
        name = TableName.parse(table)
        found: dict[str, Access] = {STEWARDS: FULL}
        if name.zone in EVERYONE_ZONES:
            return found | dict.fromkeys(self.departments, FULL)
        resource = self.resources.get(name)
        if resource is None:
            return found  # not in the catalogue: stewards only (fail closed)
        for department in self.departments:
            access = self._mart(resource, department) if resource.is_mart else self._own(resource, department)
            if access is not None:
                found[department] = access
        return found

    def _grants(self, department: str, table: str) -> list[Grant]:
        return [g for g in self.grants if g.department == department and g.table == table]

    def _own(self, resource: AccessResource, department: str) -> Access | None:
        """A resource's own exchange table."""
        if department in resource.providers:
            return FULL  # its own data, as published
        mine = self._grants(department, resource.table)
        ids = tuple(g.grant_id for g in mine if g.grant_id)
        whole = any(not g.columns for g in mine)
        granted = set(resource.columns) if whole else {c for g in mine for c in g.columns}
        if resource.sharing_type == "unconditional":
            masked = tuple(c for c in resource.personal_columns if c not in granted)
            return Access(masked=masked, grant_ids=ids)
        if resource.sharing_type != "conditional" or not mine:
            return None
        columns = None if whole else tuple(c for c in resource.columns if c in granted)
        rows = tuple(RowScope(g.row_condition, g.expires_at) for g in mine)
        return Access(columns=columns, rows=rows, grant_ids=ids)

    def _whole_row_grants(self, department: str, source: MartInput) -> list[Grant]:
        if source.table is None:
            return []
        return [g for g in self._grants(department, source.table) if not g.row_condition]

    def _reads_input(self, department: str, source: MartInput) -> bool:
        if source.sharing_type == "unconditional" or department == source.provider:
            return True
        return source.sharing_type == "conditional" and bool(self._whole_row_grants(department, source))

    def _reads_unmasked(self, department: str, source: MartInput, column: str) -> bool:
        if department == source.provider:
            return True
        return any(g.covers(column) for g in self._whole_row_grants(department, source))

    def _mart(self, resource: AccessResource, department: str) -> Access | None:
        inputs = resource.inputs or ()
        if not inputs or not all(self._reads_input(department, i) for i in inputs):
            return None
        relied = [
            g
            for i in inputs
            if i.sharing_type == "conditional" and department != i.provider
            for g in self._whole_row_grants(department, i)
        ]
        masked = tuple(
            c
            for c in resource.personal_columns
            if not all(self._reads_unmasked(department, i, c) for i in inputs if c in i.personal_columns)
        )
        expiry = _earliest_end(relied, inputs)
        rows = (RowScope(None, expiry),) if expiry is not None else ()
        return Access(masked=masked, rows=rows, grant_ids=tuple(g.grant_id for g in relied if g.grant_id))


def _earliest_end(relied: list[Grant], inputs: Iterable[MartInput]) -> datetime | None:
    """When a mart reader loses an input: the earliest, over inputs, of its latest grant's expiry."""
    ends = []
    for source in inputs:
        on_input = [g for g in relied if g.table == source.table]
        if not on_input or any(g.expires_at is None for g in on_input):
            continue  # read without a grant, or with one that does not end
        ends.append(max(g.expires_at for g in on_input if g.expires_at is not None))
    return min(ends) if ends else None


def project_policy(grants: Iterable[Grant], at: datetime | None = None) -> AccessPolicy:
    """The policy of this project's contracts and dbt marts with these grants, at `at` (default now)."""
    return AccessPolicy.of(project_resources().values(), grants, at or datetime.now(UTC))
