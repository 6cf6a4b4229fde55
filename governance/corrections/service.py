"""Correction decisions and what follows them, for the CLI and Dagster alike.

Each step (file a ticket, answer it) is written to the store with its history event in one transaction,
then the audit mirror (`governance.correction_tickets`, `…_ticket_history`) is rewritten. The SQL store is
the source of truth: after a step a failed mirror is reported, not raised (the hourly Dagster asset
catches up), unless the caller asks for ``strict``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pyiceberg.catalog import Catalog

from governance.access.policy import AccessPolicy, project_policy
from governance.corrections.mirror import mirror
from governance.corrections.rules import CorrectionTicket
from governance.corrections.store import CorrectionStore
from governance.corrections.targets import CorrectionTarget, correction_targets, find_target
from governance.sharing.deadlines import now_cst
from governance.sharing.grants import live_grants
from governance.sharing.store import RequestStore, sharing_db_url
from infra.settings import Settings


@dataclass(frozen=True)
class Outcome:
    ticket: CorrectionTicket
    mirrored: dict[str, int] | None = None
    mirror_error: str | None = None  # why the mirror was not rewritten now (the store has the step)


def open_store(settings: Settings | None = None) -> CorrectionStore:
    """The ticket store in the sharing requests' database (same URL, same profile rules)."""
    return CorrectionStore.open(sharing_db_url(settings))


def reader_policy(at: datetime | None = None, settings: Settings | None = None) -> AccessPolicy:
    """Who reads what now: the one access policy over the catalogue and the live sharing grants."""
    moment = at or now_cst()
    return project_policy(live_grants(moment, RequestStore.open(sharing_db_url(settings))), moment)


def shared_tables() -> dict[str, CorrectionTarget]:
    from governance.contracts import load_contracts

    return correction_targets(load_contracts())


def after_step(
    store: CorrectionStore, catalog: Catalog | None = None, *, strict: bool = False
) -> tuple[dict[str, int] | None, str | None]:
    """Rewrite the audit mirror: (rows per table, None) or (None, why not)."""
    try:
        with warnings.catch_warnings():
            # pyiceberg warns that an overwrite of an empty table deleted nothing: noise, not news.
            warnings.simplefilter("ignore", UserWarning)
            return mirror(catalog if catalog is not None else _open_catalog(), store), None
    except Exception as exc:
        if strict:
            raise
        return None, f"{exc.__class__.__name__}: {exc}"


def _open_catalog() -> Catalog:
    from infra.catalog import open_catalog

    return open_catalog()


def create(
    store: CorrectionStore,
    table: str,
    requester: str,
    key_values: Sequence[str],
    column: str,
    reason: str,
    proposed_value: str | None = None,
    *,
    targets: Mapping[str, CorrectionTarget] | None = None,
    policy: AccessPolicy | None = None,
    catalog: Catalog | None = None,
    actor: str | None = None,
    at: datetime | None = None,
) -> Outcome:
    """校核纠错: a reader of ``table`` reports a wrong value in one row's column; due in ANSWER_DAYS."""
    target = find_target(table, targets if targets is not None else shared_tables())
    ticket = store.create(
        target,
        policy if policy is not None else reader_policy(at),
        requester,
        key_values,
        column,
        reason,
        proposed_value,
        actor=actor,
        at=at,
    )
    return Outcome(ticket, *after_step(store, catalog))


def answer(
    store: CorrectionStore,
    ticket_id: str,
    department: str,
    *,
    accept: bool,
    fix: str | None = None,
    reason: str | None = None,
    catalog: Catalog | None = None,
    actor: str | None = None,
    at: datetime | None = None,
) -> Outcome:
    """The provider's answer: accepted with the source fix reference, or rejected with the reason."""
    ticket = store.answer(ticket_id, department, accept=accept, fix=fix, reason=reason, actor=actor, at=at)
    return Outcome(ticket, *after_step(store, catalog))


def sweep(catalog: Catalog, store: CorrectionStore | None = None) -> dict[str, int]:
    """The periodic step (Dagster): rewrite the mirror, so the overdue flags move with the calendar."""
    mirrored, _ = after_step(store or open_store(), catalog, strict=True)
    return mirrored or {}
