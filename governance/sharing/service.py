"""Sharing decisions and what follows them, for the CLI and Dagster alike.

Each function performs one step of the request workflow on the store (submit, check, approve, refuse,
revoke, the expiry sweep) and then its consequences: the history is written by the store in the same
transaction; the audit mirror (`governance.sharing_requests`, `…_request_history`, `access_grants`) is
rewritten; and on the stack profile, when the step changes who reads what, Trino's access rules are
regenerated from the live grants (Trino re-reads them within 5 s). The SQL store is the source of truth:
after a decision, a failed mirror or refresh is reported, not raised (the hourly sweep catches up), unless
the caller asks for ``strict`` (the Dagster asset, whose failure should show).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyiceberg.catalog import Catalog

from governance.access.grant import Grant
from governance.access.refresh import RefreshResult, write_access_rules
from governance.access.row_match import matched_rows
from governance.contracts import DatasetContract, load_contracts
from governance.sharing.deadlines import now_cst
from governance.sharing.grants import live_grants
from governance.sharing.mirror import mirror
from governance.sharing.rules import SharingRequest, shared_columns, validate_row_condition
from governance.sharing.store import RequestStore, sharing_db_url
from infra.settings import Settings, load_settings
from infra.stack.secrets import TrinoUser

log = logging.getLogger(__name__)

DEFAULT_GRANT_DAYS = 365


@dataclass(frozen=True)
class Consequences:
    """What followed a step: rows mirrored per table and the rules refresh, or why each did not happen."""

    mirrored: dict[str, int] | None = None
    mirror_error: str | None = None
    rules: RefreshResult | None = None  # None: not needed, not on the stack profile, or failed
    rules_error: str | None = None


@dataclass(frozen=True)
class Outcome:
    request: SharingRequest
    consequences: Consequences


def open_store(settings: Settings | None = None) -> RequestStore:
    return RequestStore.open(sharing_db_url(settings))


def _contract_of(request: SharingRequest, contract: DatasetContract | None) -> DatasetContract:
    return contract if contract is not None else load_contracts()[request.resource]


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}"


def after_step(
    store: RequestStore,
    *,
    rules_change: bool,
    catalog: Catalog | None = None,
    settings: Settings | None = None,
    strict: bool = False,
) -> Consequences:
    """Mirror the store for audit and, if who-reads-what changed, refresh Trino's rules on the stack."""
    settings = settings or load_settings()
    mirrored = mirror_error = None
    try:
        with warnings.catch_warnings():
            # pyiceberg warns that an overwrite of an empty table deleted nothing: noise, not news.
            warnings.simplefilter("ignore", UserWarning)
            mirrored = mirror(catalog if catalog is not None else _open_catalog(settings), store)
    except Exception as exc:
        if strict:
            raise
        mirror_error = _describe(exc)
    rules = rules_error = None
    if rules_change and settings.profile != "embedded":
        try:
            rules = refresh_access_rules(settings, store=store)
        except Exception as exc:
            if strict:
                raise
            rules_error = _describe(exc)
    return Consequences(mirrored, mirror_error, rules, rules_error)


def _open_catalog(settings: Settings) -> Catalog:
    from infra.catalog import open_catalog

    return open_catalog(settings)


def submit(
    store: RequestStore,
    contract: DatasetContract,
    requester: str,
    columns: Iterable[str],
    purpose: str,
    row_condition: str | None = None,
    *,
    published: bool,
    actor: str | None = None,
    catalog: Catalog | None = None,
) -> Outcome:
    """共享申请: submit a request (deadlines fixed now); nobody reads anything new yet."""
    created = store.create(
        contract, requester, columns, purpose, row_condition, published=published, actor=actor
    )
    return Outcome(created, after_step(store, rules_change=False, catalog=catalog))


def check(
    store: RequestStore,
    request_id: str,
    actor: str,
    comment: str | None = None,
    contract: DatasetContract | None = None,
    catalog: Catalog | None = None,
) -> Outcome:
    """合规性审核: pass the request to the provider, or refuse it naming the rules it breaks."""
    found = store.get(request_id, with_history=False)
    checked = store.check_compliance(_contract_of(found, contract), request_id, actor, comment)
    return Outcome(checked, after_step(store, rules_change=False, catalog=catalog))


def approve(
    store: RequestStore,
    request_id: str,
    actor: str | None = None,
    expires_at: datetime | None = None,
    columns: Sequence[str] | None = None,
    row_condition: str | None = None,
    comment: str | None = None,
    contract: DatasetContract | None = None,
    catalog: Catalog | None = None,
    allow_empty: str | None = None,
) -> Outcome:
    """Approve (by the providing department unless ``actor`` says who), for a year unless ``expires_at``;
    the grant takes effect now. The approved row condition is counted against the exchange table first: a
    grant that matches no row is refused unless ``allow_empty`` says why it should stand."""
    found = store.get(request_id, with_history=False)
    contract = _contract_of(found, contract)
    catalog = catalog if catalog is not None else _open_catalog(load_settings())
    condition = row_condition if row_condition is not None else found.requested_row_condition
    matched = matched_rows(
        catalog,
        found.exchange_table,
        validate_row_condition(condition, shared_columns(contract)),
        shared_columns(contract),
    )
    approved = store.approve(
        contract,
        request_id,
        actor or found.provider_department,
        expires_at=expires_at or now_cst() + timedelta(days=DEFAULT_GRANT_DAYS),
        columns=columns,
        row_condition=row_condition,
        comment=comment,
        matched_rows=matched,
        allow_empty=allow_empty,
    )
    return Outcome(approved, after_step(store, rules_change=True, catalog=catalog))


def refuse(
    store: RequestStore,
    request_id: str,
    reason: str,
    actor: str | None = None,
    catalog: Catalog | None = None,
) -> Outcome:
    """Refuse with the reason (拒绝理由), by the providing department unless ``actor`` says who."""
    return _end(store, store.refuse, request_id, reason, actor, catalog, rules_change=False)


def revoke(
    store: RequestStore,
    request_id: str,
    reason: str,
    actor: str | None = None,
    catalog: Catalog | None = None,
) -> Outcome:
    """End an approved grant before its expiry; Trino stops serving it at the refresh."""
    return _end(store, store.revoke, request_id, reason, actor, catalog, rules_change=True)


def _end(
    store: RequestStore,
    transition: Callable[[str, str, str], SharingRequest],
    request_id: str,
    reason: str,
    actor: str | None,
    catalog: Catalog | None,
    *,
    rules_change: bool,
) -> Outcome:
    """A refusal or revocation: by the providing department unless ``actor`` says who, with its reason."""
    found = store.get(request_id, with_history=False)
    ended = transition(request_id, actor or found.provider_department, reason)
    return Outcome(ended, after_step(store, rules_change=rules_change, catalog=catalog))


def sweep(
    catalog: Catalog, store: RequestStore | None = None, settings: Settings | None = None
) -> tuple[list[str], Consequences]:
    """The periodic step (Dagster): record due expiries, mirror, and regenerate the rules on the stack, so
    they converge even when a refresh after a decision failed. Failures raise."""
    store = store or open_store(settings)
    expired = store.expire_due()
    return expired, after_step(store, rules_change=True, catalog=catalog, settings=settings, strict=True)


def refresh_access_rules(
    settings: Settings,
    now: datetime | None = None,
    users: Iterable[TrinoUser] | None = None,
    store: RequestStore | None = None,
) -> RefreshResult:
    """Regenerate Trino's rules and groups from the contracts, dbt marts and the grants live in the store."""
    now = now or datetime.now(UTC)
    store = store or open_store(settings)
    return write_access_rules(settings, live_grants(now, store), now, users)


def rules_at_start(settings: Settings, users: Sequence[TrinoUser]) -> RefreshResult:
    """The hook `infra.stack.registry.up` calls before the coordinator starts."""
    return refresh_access_rules(settings, users=users)


def grants_in_force(settings: Settings | None = None) -> list[Grant]:
    """The live grants now; none when the store cannot be read (conditional data stays with its providers)."""
    try:
        return live_grants(store=open_store(settings))
    except Exception as exc:  # e.g. the sharing database is not created yet on a fresh stack
        log.warning("no sharing grants available (%s): conditional datasets stay with providers", exc)
        return []


def main() -> None:
    """`python -m governance.sharing.service`: refresh the rules now (e.g. from cron)."""
    from infra.stack.registry import stack_settings

    result = refresh_access_rules(stack_settings(load_settings(), create=False))
    print(f"rules {'updated' if result.rules_changed else 'unchanged'}; {len(result.grants)} live grant(s)")
    for bad in result.rejected:
        print(f"rejected grant {bad.grant.describe()}: {bad.reason}")


if __name__ == "__main__":
    main()
