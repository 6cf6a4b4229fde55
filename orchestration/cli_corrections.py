"""`lakehouse correction …`: 校核纠错 from the command line (the same library calls as Dagster).

A reader of a shared table reports a wrong value (table, the row's key, the column, what is wrong); the
table's provider department answers within the working-day limit, accepting with the source fix or
rejecting with a reason. Rules and storage: `governance/corrections/`.
"""

from __future__ import annotations

import click

from governance.corrections.limits import ANSWER_DAYS
from orchestration.cli_output import echo_json, echo_table


def _store():
    from governance.corrections.service import open_store

    return open_store()


def _errors() -> tuple[type[Exception], ...]:
    from governance.corrections.rules import CorrectionError
    from governance.corrections.targets import TargetError

    return CorrectionError, TargetError


def _note(outcome) -> None:
    """The SQL store is authoritative; a mirror that could not be written now is caught up by Dagster."""
    if outcome.mirror_error:
        click.echo(f"note: governance mirror not updated now ({outcome.mirror_error})", err=True)


def _deadline(ticket) -> str:
    provisional = (
        " (provisional: holidays of that year not yet published)" if ticket.deadline_provisional else ""
    )
    return f"answer due {ticket.answer_due}{provisional}"


def _key(ticket) -> str:
    return ", ".join(f"{c}={v}" for c, v in ticket.row_key.items())


def _show(ticket, as_json: bool) -> None:
    from governance.sharing.deadlines import now_cst

    data = ticket.as_dict(now_cst())
    if as_json:
        data["history"] = [e.__dict__ for e in ticket.history]
        echo_json(data)
        return
    data["row_key"] = _key(ticket)
    for key, value in data.items():
        if value not in (None, "", False) or key == "overdue":
            click.echo(f"{key:<24} {value}")
    click.echo("history:")
    for event in ticket.history:
        note = f"  {event.comment}" if event.comment else ""
        click.echo(
            f"  {event.at:%Y-%m-%d %H:%M}  {event.actor:<16} {event.action:<7} "
            f"{event.from_state or '-'} → {event.to_state}{note}"
        )


@click.group(
    "correction",
    help=f"校核纠错: report a wrong value in a shared table; its provider accepts (with the source fix) or "
    f"rejects (with a reason) within {ANSWER_DAYS} working days (Chinese calendar, 调休 included).",
)
def correction() -> None:
    pass


@correction.command("create")
@click.option(
    "--table", required=True, help="The shared table, e.g. exchange.parks (a bare name means exchange)."
)
@click.option(
    "--key",
    "key_values",
    multiple=True,
    required=True,
    help="The row: one --key per key column, in key order or as col=value "
    "(e.g. --key PK001, or --key lot_id=PL001 --key 'hour_start=2025-09-25 08:00').",
)
@click.option("--column", required=True, help="The column holding the wrong value.")
@click.option("--department", required=True, help="Your department id; it must be able to read the table.")
@click.option("--reason", required=True, help="What is wrong (stored with any identifier in it tagged).")
@click.option(
    "--proposed-value",
    help="The right value, if known. For a personal column it is not stored: the ticket records only that "
    "one was given, and the provider checks the source record.",
)
@click.option("--by", "actor", help="Who files (default: the department).")
@click.option("--json", "as_json", is_flag=True)
def correction_create(
    table: str,
    key_values: tuple[str, ...],
    column: str,
    department: str,
    reason: str,
    proposed_value: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """File a correction ticket; the provider department's answer is due within the working-day limit."""
    from governance.corrections import service

    try:
        outcome = service.create(
            _store(), table, department, list(key_values), column, reason, proposed_value, actor=actor
        )
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    _note(outcome)
    ticket = outcome.ticket
    if as_json:
        _show(ticket, True)
        return
    click.echo(
        f"{ticket.ticket_id}: open on {ticket.table_name} ({_key(ticket)}) column {ticket.column_name}; "
        f"{ticket.provider_department} to answer, {_deadline(ticket)}"
    )
    if ticket.proposed_value_withheld:
        click.echo(
            f"note: {ticket.column_name} is a personal column: the proposed value was not stored", err=True
        )


@correction.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only tickets not yet answered.")
@click.option("--overdue", is_flag=True, help="Only open tickets past their working-day limit.")
@click.option("--table", help="Only this shared table (e.g. exchange.parks).")
@click.option("--department", help="Tickets filed by or addressed to this department.")
@click.option("--json", "as_json", is_flag=True)
def correction_list(
    only_open: bool, overdue: bool, table: str | None, department: str | None, as_json: bool
) -> None:
    """Tickets with their deadlines; overdue ones are flagged."""
    from governance.sharing.deadlines import now_cst

    at = now_cst()
    if table and "." not in table:
        table = f"exchange.{table}"
    tickets = _store().list(
        state="open" if only_open or overdue else None, table=table, department=department
    )
    tickets = [t for t in tickets if not overdue or t.overdue(at)]
    if as_json:
        echo_json([t.as_dict(at) for t in tickets])
        return
    rows = [
        {
            "ticket_id": t.ticket_id,
            "table": t.table_name,
            "key": _key(t),
            "column": t.column_name,
            "requester": t.requester_department,
            "provider": t.provider_department,
            "state": t.state,
            "answer_due": t.answer_due,
            "overdue": "overdue" if t.overdue(at) else "",
        }
        for t in tickets
    ]
    echo_table(
        rows,
        ["ticket_id", "table", "key", "column", "requester", "provider", "state", "answer_due", "overdue"],
    )


@correction.command("show")
@click.argument("ticket_id")
@click.option("--json", "as_json", is_flag=True)
def correction_show(ticket_id: str, as_json: bool) -> None:
    """One ticket with its whole history."""
    try:
        found = _store().get(ticket_id)
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    _show(found, as_json)


@correction.command("answer")
@click.argument("ticket_id")
@click.option("--department", required=True, help="The answering department: the table's provider.")
@click.option(
    "--accept", "decision", flag_value="accept", help="The value was wrong and is fixed at the source."
)
@click.option("--reject", "decision", flag_value="reject", help="The value stands.")
@click.option("--fix", help="With --accept: the source fix reference (change id, corrected-record note).")
@click.option("--reason", help="With --reject: why the value stands (required).")
@click.option("--by", "actor", help="Who answers (default: the department).")
def correction_answer(
    ticket_id: str,
    department: str,
    decision: str | None,
    fix: str | None,
    reason: str | None,
    actor: str | None,
) -> None:
    """Answer a ticket as its provider: --accept --fix "…" or --reject --reason "…"."""
    from governance.corrections import service

    if decision is None:
        raise click.UsageError("say --accept (with --fix) or --reject (with --reason)")
    try:
        outcome = service.answer(
            _store(), ticket_id, department, accept=decision == "accept", fix=fix, reason=reason, actor=actor
        )
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    _note(outcome)
    ticket = outcome.ticket
    late = "" if ticket.history[-1].detail.get("on_time", True) else " (after its deadline)"
    click.echo(f"{ticket_id}: {ticket.state}{late}")
