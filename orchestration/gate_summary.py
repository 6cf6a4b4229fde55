"""The gates on a shared table's path, shown on the shared table's own asset.

The blocking gates sit where they act (the GX gate on each raw table, the privacy gate on staging, the GX
and leak gates on the dbt mart), so an exchange or kpi asset alone would not show whether what it serves
passed them. This check reads their last results from the governance tables, the same evidence the
dossier shows (``governance.dossier.evidence``): names, counts and verdicts, never a row value.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg
from pyiceberg.catalog import Catalog

from governance.anonymity import Release
from governance.dossier import evidence

GATES_CHECK = "gates_on_path"


def gates_check_spec(key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        GATES_CHECK,
        asset=key,
        blocking=False,
        description=(
            "The last result of every gate on this table's path: the GX suite and freshness of each raw "
            "table it comes from (and of the dbt mart), the privacy gate of each dataset (leak scan, k and "
            "l). Warns when one did not pass; the blocking gates themselves stop publication."
        ),
    )


def _when(gate_time: object) -> str | None:
    return None if gate_time is None else f"{gate_time:%Y-%m-%d %H:%M:%S} China time"


def gates_result(
    key: dg.AssetKey,
    catalog: Catalog,
    quality_tables: Iterable[str],
    datasets: Iterable[str],
    release: Release | None = None,
) -> dg.AssetCheckResult:
    """Passed when every gate on the path has a last result and it passed (and the release, if any)."""
    tables = sorted(set(quality_tables))
    wanted = sorted(set(datasets))
    gates = evidence.gates(catalog, tables)
    privacy = evidence.privacy_checks(catalog, wanted)
    problems = [f"{g.table} {g.suite}: {', '.join(g.failed) or 'failed'}" for g in gates if not g.passed]
    validated = {g.table for g in gates if "freshness" not in g.suite}
    problems += [f"{t}: no GX result recorded yet" for t in tables if t not in validated]
    for check in privacy:
        if not check.leak_scan_passed:
            problems.append(f"{check.dataset}: leak scan found {check.leaks_found} value(s)")
        if check.reidentification_passed is False:
            problems.append(f"{check.dataset}: re-identification check failed (k={check.k}, l={check.l})")
    problems += [
        f"{d}: no privacy gate result recorded yet" for d in wanted if d not in {p.dataset for p in privacy}
    ]
    if release is not None and not release.passed:
        problems.append(f"publication: {release.describe()}")
    metadata: dict[str, dg.RawMetadataValue] = {
        "gates": dg.MetadataValue.json(
            [
                {
                    "table": g.table,
                    "suite": g.suite,
                    "passed": g.passed,
                    "expectations": g.expectations,
                    "failed": list(g.failed),
                    "validated_at": _when(g.validated_at),
                }
                for g in gates
            ]
        ),
        "privacy_gate": dg.MetadataValue.json(
            [
                {
                    "dataset": p.dataset,
                    "leak_scan_passed": p.leak_scan_passed,
                    "leaks_found": p.leaks_found,
                    "reidentification_passed": p.reidentification_passed,
                    "k": p.k,
                    "l": p.l,
                    "rows_suppressed": p.rows_suppressed,
                    "checked_at": _when(p.checked_at),
                }
                for p in privacy
            ]
        ),
        "gates_passed": sum(g.passed for g in gates),
        "gates_failed": sum(not g.passed for g in gates),
    }
    if release is not None:
        metadata["published_k"] = release.k if release.k is not None else "—"
        metadata["published_l"] = release.l if release.l is not None else "—"
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=GATES_CHECK,
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(problems)[:3000]
        or f"{len(gates)} gate(s) and {len(privacy)} privacy gate(s) passed",
        metadata=metadata,
    )
