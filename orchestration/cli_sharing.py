"""`lakehouse request …` and `lakehouse report sharing`: sharing requests and the measured sharing KPI from
the command line (the same library calls as Dagster). `lakehouse catalog …` is in `cli_catalog`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import click

from infra.vocabulary import STEWARD_DEPARTMENT
from orchestration.cli_catalog import catalog  # noqa: F401  (mounted by orchestration.cli from here)
from orchestration.cli_output import (
    echo_json,
    echo_table,
    open_catalog,
    require_department,
    require_resource,
)


def _contracts():
    from governance.contracts import load_contracts

    return load_contracts()


def _store():
    from governance.sharing.service import open_store

    return open_store()


def _report(consequences) -> None:
    """Say what followed a decision: the SQL store stays authoritative if the mirror or the rules refresh
    failed (the lakehouse may be down on the stack profile; the hourly sweep catches up)."""
    if consequences.mirror_error:
        click.echo(f"note: audit mirror not updated now ({consequences.mirror_error})", err=True)
    if consequences.rules_error:
        click.echo(f"note: Trino access rules not refreshed now ({consequences.rules_error})", err=True)
    elif consequences.rules is not None:
        result = consequences.rules
        click.echo(
            f"Trino access rules refreshed: {len(result.grants)} live grants, {len(result.rejected)} rejected"
        )


def _contract(resource: str):
    contracts = _contracts()
    name = resource.rsplit(".", 1)[-1]
    if name not in contracts:
        raise click.ClickException(f"no resource {resource!r}; see `lakehouse catalog list`")
    return contracts[name]


# request -------------------------------------------------------------------------------------------------


def _parse_columns(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _request_rows(requests, at) -> list[dict]:
    return [
        {
            "request_id": r.request_id,
            "resource": r.resource,
            "requester": r.requester_department,
            "provider": r.provider_department,
            "state": r.state,
            "submitted_at": r.submitted_at,
            "compliance_due": r.compliance_due,
            "answer_due": r.answer_due,
            "overdue": r.overdue(at) or "",
        }
        for r in requests
    ]


def _show(request, as_json: bool) -> None:
    from governance.sharing.deadlines import now_cst

    at = now_cst()
    if as_json:
        data = request.as_dict(at)
        data["history"] = [e.__dict__ for e in request.history]
        echo_json(data)
        return
    for key, value in request.as_dict(at).items():
        if value not in (None, "", ()):
            shown = ",".join(value) if isinstance(value, tuple) else value
            click.echo(f"{key:<24} {shown}")
    click.echo("history:")
    for event in request.history:
        note = f"  {event.comment}" if event.comment else ""
        if "matched_rows" in event.detail:
            note += f"  [{event.detail['matched_rows']} rows matched]"
        click.echo(
            f"  {event.at:%Y-%m-%d %H:%M}  {event.actor:<16} {event.action:<8} "
            f"{event.from_state or '-'} → {event.to_state}{note}"
        )


@click.group("request")
def request() -> None:
    """共享申请: request a conditional resource; check, approve or refuse within the working-day limits."""


@request.command("create")
@click.option("--resource", required=True, help="Dataset name or resource id, e.g. parking_sessions.")
@click.option("--department", required=True, help="The requesting department id.")
@click.option("--columns", required=True, help="Comma-separated columns wanted.")
@click.option("--purpose", required=True, help="What the data is for (用途).")
@click.option("--row-condition", help="Optional row filter (where条件), e.g. \"lot_id = 'P001'\".")
@click.option("--by", "actor", help="Who submits (default: the requesting department).")
@click.option("--json", "as_json", is_flag=True)
def request_create(
    resource: str,
    department: str,
    columns: str,
    purpose: str,
    row_condition: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Submit a request; compliance check due in 2 working days, answer in 5 (10 if not yet published).

    A dbt mart is not requested itself: the refusal names the inputs to request instead."""
    from governance.catalogue import MART, exchange_table, read_catalogue, resource_kind
    from governance.sharing import service
    from governance.sharing.rules import RequestError, refuse_mart_request

    require_department(department)
    entry = require_resource(resource, read_catalogue(open_catalog()), "--resource")
    if resource_kind(entry) == MART:
        try:
            refuse_mart_request(entry, department)
        except RequestError as exc:
            raise click.ClickException(str(exc)) from exc
    contract = _contract(entry["dataset"])
    target = exchange_table(contract)
    published = bool(target) and open_catalog().table_exists(target)
    try:
        outcome = service.submit(
            _store(),
            contract,
            department,
            _parse_columns(columns) or [],
            purpose,
            row_condition,
            published=published,
            actor=actor,
        )
    except RequestError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(outcome.consequences)
    created = outcome.request
    if as_json:
        _show(created, True)
        return
    click.echo(
        f"{created.request_id}: submitted; compliance check due {created.compliance_due}, answer due "
        f"{created.answer_due}{' (provisional: holidays of that year not yet published)' if created.deadline_provisional else ''}"
    )


@request.command("list")
@click.option(
    "--state",
    type=click.Choice(["submitted", "compliance_checked", "approved", "refused", "expired", "revoked"]),
)
@click.option("--department", help="Requests made by or to this department.")
@click.option("--overdue", is_flag=True, help="Only requests past a deadline.")
@click.option("--json", "as_json", is_flag=True)
def request_list(state: str | None, department: str | None, overdue: bool, as_json: bool) -> None:
    """Requests with their deadlines; overdue ones are flagged."""
    from governance.sharing.deadlines import now_cst

    require_department(department)
    at = now_cst()
    store = _store()
    store.expire_due(at)
    requests = [r for r in store.list(state=state, department=department) if not overdue or r.overdue(at)]
    if as_json:
        echo_json([r.as_dict(at) for r in requests])
        return
    echo_table(
        _request_rows(requests, at),
        [
            "request_id",
            "resource",
            "requester",
            "provider",
            "state",
            "compliance_due",
            "answer_due",
            "overdue",
        ],
    )


@request.command("show")
@click.argument("request_id")
@click.option("--json", "as_json", is_flag=True)
def request_show(request_id: str, as_json: bool) -> None:
    """One request with its whole history."""
    from governance.sharing.rules import RequestError

    try:
        found = _store().get(request_id)
    except RequestError as exc:
        raise click.ClickException(str(exc)) from exc
    _show(found, as_json)


@request.command("check")
@click.argument("request_id")
@click.option("--by", "actor", default=STEWARD_DEPARTMENT, show_default=True)
@click.option("--comment")
def request_check(request_id: str, actor: str, comment: str | None) -> None:
    """合规性审核: pass the request to the provider, or refuse it naming the rules it breaks."""
    from governance.sharing import service
    from governance.sharing.rules import RequestError

    try:
        store = _store()
        found = store.get(request_id, with_history=False)
        outcome = service.check(store, request_id, actor, comment, contract=_contract(found.resource))
    except RequestError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(outcome.consequences)
    checked = outcome.request
    click.echo(
        f"{request_id}: {checked.state}{': ' + checked.refusal_reason if checked.refusal_reason else ''}"
    )


@request.command("approve")
@click.argument("request_id")
@click.option("--by", "actor", help="Who approves (default: the providing department).")
@click.option("--columns", help="Comma-separated columns granted (default: all requested).")
@click.option("--row-condition", help="Row filter (where条件) on the grant (default: the requested one).")
@click.option(
    "--expires",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="When the grant ends (default: 365 days from now).",
)
@click.option("--comment", help="审核意见.")
@click.option(
    "--allow-empty",
    "allow_empty",
    metavar="REASON",
    help="Approve although the row condition matches no row of the exchange table now, for this reason "
    "(kept in the history); without it such an approval is refused.",
)
def request_approve(
    request_id: str,
    actor: str | None,
    columns: str | None,
    row_condition: str | None,
    expires: datetime | None,
    comment: str | None,
    allow_empty: str | None,
) -> None:
    """Approve named columns with an optional row condition and an expiry; the grant takes effect now.

    The row condition is counted against the exchange table first: one that matches no row shares
    nothing and is refused unless --allow-empty gives the reason it should stand."""
    from governance.sharing import service
    from governance.sharing.rules import RequestError

    try:
        store = _store()
        found = store.get(request_id, with_history=False)
        if expires is not None and expires.time() == time.min:
            expires = expires + timedelta(days=1)  # a date means "through that day"
        outcome = service.approve(
            store,
            request_id,
            actor,
            expires_at=expires,
            columns=_parse_columns(columns),
            row_condition=row_condition,
            comment=comment,
            contract=_contract(found.resource),
            allow_empty=allow_empty,
        )
    except RequestError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(outcome.consequences)
    approved = outcome.request
    condition = f" where {approved.row_condition}" if approved.row_condition else ""
    click.echo(
        f"{request_id}: approved; {approved.requester_department} reads "
        f"{','.join(approved.approved_columns or ())} of {approved.exchange_table}{condition} "
        f"until {approved.expires_at:%Y-%m-%d %H:%M}{_matched(approved)}"
    )


def _matched(request) -> str:
    """What the approval's history says it matched: '; 120 rows now' (or why it stands with none)."""
    detail = next((e.detail for e in reversed(request.history) if e.action == "approve"), {})
    if "matched_rows" not in detail:
        return ""
    reason = detail.get("allow_empty_reason")
    return f"; {detail['matched_rows']} rows now" + (f" (allowed empty: {reason})" if reason else "")


@request.command("refuse")
@click.argument("request_id")
@click.option("--reason", default="", help="拒绝理由 (required: a refusal without a reason is rejected).")
@click.option("--by", "actor", help="Who refuses (default: the providing department).")
def request_refuse(request_id: str, reason: str, actor: str | None) -> None:
    """Refuse a request, giving the reason."""
    from governance.sharing import service

    _decide(lambda store: service.refuse(store, request_id, reason, actor))
    click.echo(f"{request_id}: refused ({reason.strip()})")


@request.command("revoke")
@click.argument("request_id")
@click.option("--reason", default="", help="Why the grant ends early (required).")
@click.option("--by", "actor", help="Who revokes (default: the providing department).")
def request_revoke(request_id: str, reason: str, actor: str | None) -> None:
    """End an approved grant before its expiry."""
    from governance.sharing import service

    _decide(lambda store: service.revoke(store, request_id, reason, actor))
    click.echo(f"{request_id}: revoked")


def _decide(decision) -> None:
    """Run one decision through the sharing service and say what followed it."""
    from governance.sharing.rules import RequestError

    try:
        outcome = decision(_store())
    except RequestError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(outcome.consequences)


# report sharing ------------------------------------------------------------------------------------------


@click.command("sharing")
@click.option("--json", "as_json", is_flag=True, help="The KPI, every resource's state and the gaps as JSON.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    help="Where to write the HTML report with its SVG chart (default LAKEHOUSE_HOME/reports/sharing_report.html).",
)
@click.option("--write", is_flag=True, help="Also replace kpi.sharing_rate and kpi.sharing_gaps.")
def sharing_report(as_json: bool, html_path: Path | None, write: bool) -> None:
    """网上共享率 measured now: per department and overall, with every gap and its reason."""
    from governance.sharing.measure import measure_catalog, write_kpi
    from governance.sharing.report import to_json, to_text, write_html
    from infra.settings import load_settings

    catalog_ = open_catalog()
    measurement = measure_catalog(catalog_)
    if write:
        write_kpi(catalog_, measurement)
    path = write_html(measurement, html_path or load_settings().reports_dir / "sharing_report.html")
    if as_json:
        click.echo(to_json(measurement))
        click.echo(f"chart: {path}", err=True)
        return
    click.echo(to_text(measurement))
    click.echo(f"chart: {path}")
