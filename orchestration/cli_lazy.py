"""Subcommands imported only when they run, so `lakehouse --help` does not pay for every library behind them.

A command module may import pyiceberg, SQLAlchemy, pyarrow or Dagster on its way in (seconds on this host);
`--help` only needs each command's name and one line. The group keeps both in a map and imports a command's
module when that command (or its own `--help`) is asked for. A test compares each declared line with the
loaded command's own short help, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click


@dataclass(frozen=True)
class Lazy:
    """Where a command lives (``"package.module:attr"``) and the line `--help` shows for it.

    ``attr`` is a click command, or a function returning one (for a group assembled from several modules).
    """

    target: str
    short_help: str

    def load(self) -> click.Command:
        module_name, _, attr = self.target.partition(":")
        found = getattr(importlib.import_module(module_name), attr)
        command = found if isinstance(found, click.Command) else found()
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(click.Group):
    """A click group whose lazily listed commands are imported on first use."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, Lazy] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, Lazy] = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = self.lazy_commands[cmd_name].load()
            self.add_command(command, cmd_name)  # imported once per process
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own version calls get_command for every name, which would import every module.
        names = [n for n in self.list_commands(ctx) if n in self.lazy_commands or not self.commands[n].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.commands:
                command = self.commands[name]
            else:
                command = click.Command(name, help=self.lazy_commands[name].short_help)
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class LazyChoice(click.Choice):
    """A click.Choice whose choices come from ``load`` on first use (validation, `--help`, completion):
    the module that knows them may be too heavy to import for every other command."""

    def __init__(self, load: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded
