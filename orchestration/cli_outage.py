"""A stack server that stops answering while a command runs becomes one line, not a library traceback.

`lakehouse ingest`, `demo --profile stack` and friends talk to PostgreSQL (catalog), s3proxy (warehouse)
and Trino through pyiceberg, pyarrow, SQLAlchemy and the trino client, each of which fails in its own
words, 50-odd frames deep. When a command fails on the stack profile, the stack's own health check says
which server is gone, and the user gets that and what to do next; any other failure keeps its traceback.
"""

from __future__ import annotations

import errno
import shlex
import sys
from typing import Any

import click

from infra.settings import Settings, load_settings

# What the pipeline and the SQL command need; the audit receiver and Superset are not in their way.
DATA_SERVICES = ("postgres", "s3", "trino")


def down_services(settings: Settings) -> list[str]:
    """The data services that do not answer their health check right now, as `name (url)`."""
    from infra import stack

    return [
        f"{s.name} ({s.url})" for s in stack.status(settings) if s.name in DATA_SERVICES and not s.healthy
    ]


def outage_message(argv: list[str]) -> str | None:
    """One line naming the stack services that are down and the commands to recover, or None."""
    settings = load_settings()  # after `--profile stack` the environment says stack
    if settings.profile == "embedded":
        return None
    try:
        down = down_services(settings)
    except Exception:  # the health check itself failing must not hide the original error
        return None
    if not down:
        return None
    again = " ".join(["lakehouse", *(shlex.quote(arg) for arg in argv)])
    return (
        f"{', '.join(down)} stopped answering under {settings.home}: check with `lakehouse status`, "
        f"start it again with `lakehouse up`, then re-run `{again}`"
    )


# A full disk (ENOSPC), a quota (EDQUOT) or a file-size limit (EFBIG) while the warehouse is written.
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def no_space_message(exc: BaseException, argv: list[str]) -> str | None:
    """One line for a write that ran out of space anywhere in the exception's chain, or None.

    pyarrow reports it 40 frames deep as "Error writing bytes to file"; the user needs to know it is the
    disk under the home, that the failed load committed nothing, and what to run once space is freed.
    """
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno in _NO_SPACE:
            home = load_settings().home
            again = " ".join(["lakehouse", *(shlex.quote(arg) for arg in argv)])
            return (
                f"warehouse write failed under {home}: {cause.strerror or 'no space left'}; the failed write "
                f"committed nothing (its table stays at its last snapshot): free space there, then re-run "
                f"`{again}`"
            )
        cause = cause.__cause__ or cause.__context__
    return None


class OutageAwareGroup(click.Group):
    """The `lakehouse` group: a failure caused by a dead stack server or a full disk exits 1 with one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            message = no_space_message(exc, sys.argv[1:]) or outage_message(sys.argv[1:])
            if message is None:
                raise
            raise click.ClickException(message) from exc
