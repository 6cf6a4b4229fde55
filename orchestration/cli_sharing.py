"""`lakehouse catalog …`, `lakehouse request …` and `lakehouse report sharing`: the catalogue, sharing
requests and the measured sharing KPI from the command line (the same library calls as Dagster)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import click

from infra.vocabulary import STEWARD_DEPARTMENT
from orchestration.cli_output import echo_json, echo_table, open_catalog


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


def _find_entry(entries: list[dict], resource: str) -> dict:
    for entry in entries:
        if resource in (entry["dataset"], entry["resource_id"]):
            return entry
    raise click.ClickException(f"no resource {resource!r}; see `lakehouse catalog list`")


def _contract(resource: str):
    contracts = _contracts()
    name = resource.rsplit(".", 1)[-1]
    if name not in contracts:
        raise click.ClickException(f"no resource {resource!r}; see `lakehouse catalog list`")
    return contracts[name]


# catalog -------------------------------------------------------------------------------------------------


@click.group("catalog")
def catalog() -> None:
    """信息资源目录: the resource catalogue built from the contracts."""


@catalog.command("list")
@click.option("--department", help="Only resources this department provides.")
@click.option("--sharing-type", type=click.Choice(["unconditional", "conditional", "not_shared"]))
@click.option("--json", "as_json", is_flag=True)
def catalog_list(department: str | None, sharing_type: str | None, as_json: bool) -> None:
    """One line per resource: provider, 共享属性, 开放属性, 更新周期, classification, exchange table."""
    from governance.catalogue import read_catalogue

    entries = [
        e
        for e in read_catalogue(open_catalog())
        if (department is None or e["provider_department"] == department)
        and (sharing_type is None or e["sharing_type"] == sharing_type)
    ]
    if as_json:
        echo_json([{k: v for k, v in e.items() if k != "columns_json"} for e in entries])
        return
    echo_table(
        entries,
        [
            "resource_id",
            "title",
            "provider_department",
            "sharing_type_label",
            "open_type_label",
            "update_frequency_label",
            "classification_label",
            "exchange_table",
        ],
    )


@catalog.command("show")
@click.argument("resource")
@click.option("--json", "as_json", is_flag=True)
def catalog_show(resource: str, as_json: bool) -> None:
    """One resource with its data items (信息项) and the grants in force on it."""
    from governance.catalogue import entry_items, read_catalogue
    from governance.sharing.grants import live_grants

    entry = _find_entry(read_catalogue(open_catalog()), resource)
    items = entry_items(entry)
    grants = [g for g in live_grants(store=_store()) if g.resource == entry["dataset"]]
    if as_json:
        echo_json(
            {
                **{k: v for k, v in entry.items() if k != "columns_json"},
                "items": items,
                "grants": [_grant_json(g) for g in grants],
            }
        )
        return
    for key in (
        "resource_id",
        "title",
        "purpose",
        "provider_department_name",
        "sharing_type_label",
        "open_type_label",
        "update_frequency_label",
        "classification_label",
        "legal_basis",
        "exchange_table",
    ):
        if entry.get(key):
            click.echo(f"{key:<26} {entry[key]}")
    click.echo("")
    shown = [{k: "" if v is None else v for k, v in item.items()} for item in items]
    echo_table(shown, ["name", "label", "type", "sharing_type_label", "pii_label", "masking_label"])
    click.echo("")
    if grants:
        click.echo("live grants:")
        rows = [
            {
                "department": g.department,
                "columns": ",".join(g.columns),
                "row_filter": g.row_condition or "",
                "expires_at": g.expires_at,
                "grant_id": g.grant_id,
            }
            for g in grants
        ]
        echo_table(rows, ["department", "columns", "row_filter", "expires_at", "grant_id"])
    elif entry["sharing_type"] == "conditional":
        click.echo("live grants: none (only the provider reads it)")


def _grant_json(grant) -> dict:
    """A grant as `catalog show --json` has always shown it."""
    return {
        "grant_id": grant.grant_id,
        "department": grant.department,
        "resource": grant.resource,
        "table": str(grant.table),
        "columns": grant.columns,
        "row_filter": grant.row_condition,
        "provider_department": grant.provider_department,
        "granted_at": grant.granted_at,
        "expires_at": grant.expires_at,
    }


@catalog.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dcat", "csv", "csv-items"]),
    default="dcat",
    show_default=True,
    help="dcat: DCAT-AP JSON-LD; csv: one row per resource; csv-items: one row per data item (信息项).",
)
@click.option("--out", type=click.Path(path_type=Path), help="File to write (default: standard output).")
def catalog_export(fmt: str, out: Path | None) -> None:
    """The catalogue for the provincial/national platform (DCAT-AP JSON-LD, or CSV with Chinese headers)."""
    from governance.catalogue import read_catalogue
    from governance.sharing.deadlines import now_cst
    from governance.sharing.exports import items_to_csv, to_csv, to_dcat_jsonld

    entries = read_catalogue(open_catalog())
    if fmt == "dcat":
        text = to_dcat_jsonld(entries, issued=now_cst())
    elif fmt == "csv":
        text = to_csv(entries)
    else:
        text = items_to_csv(entries)
    if out is None:
        click.echo(text.removeprefix("\ufeff"), nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="")
    click.echo(f"wrote {len(entries)} resources to {out}")


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
    """Submit a request; compliance check due in 2 working days, answer in 5 (10 if not yet published)."""
    from governance.catalogue import exchange_table
    from governance.sharing import service
    from governance.sharing.rules import RequestError

    contract = _contract(resource)
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
def request_approve(
    request_id: str,
    actor: str | None,
    columns: str | None,
    row_condition: str | None,
    expires: datetime | None,
    comment: str | None,
) -> None:
    """Approve named columns with an optional row condition and an expiry; the grant takes effect now."""
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
        )
    except RequestError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(outcome.consequences)
    approved = outcome.request
    condition = f" where {approved.row_condition}" if approved.row_condition else ""
    click.echo(
        f"{request_id}: approved; {approved.requester_department} reads "
        f"{','.join(approved.approved_columns or ())} of {approved.exchange_table}{condition} "
        f"until {approved.expires_at:%Y-%m-%d %H:%M}"
    )


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
