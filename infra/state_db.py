"""Small state databases (SQLite embedded, PostgreSQL on the stack): what every history table shares."""

from __future__ import annotations

import sqlalchemy as sa


def append_only(table: sa.Table) -> None:
    """Make ``table`` append-only in the database (SQLite and PostgreSQL triggers, created with it).

    One rule for every history table (sharing request events, correction ticket events): history is
    append-only in the database itself, not only by convention in the code that writes it.
    """
    name = table.name
    for operation in ("UPDATE", "DELETE"):
        sa.event.listen(
            table,
            "after_create",
            sa.DDL(
                f"CREATE TRIGGER {name}_no_{operation.lower()} BEFORE {operation} ON {name} "
                f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END"
            ).execute_if(dialect="sqlite"),
        )
    sa.event.listen(
        table,
        "after_create",
        sa.DDL(
            f"CREATE FUNCTION {name}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{name} is append-only'; END $$"
        ).execute_if(dialect="postgresql"),
    )
    sa.event.listen(
        table,
        "after_create",
        sa.DDL(
            f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}_append_only()"
        ).execute_if(dialect="postgresql"),
    )
