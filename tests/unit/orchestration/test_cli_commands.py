"""The lazily loaded `lakehouse` command tree: `--help` lists every command without importing any of them,
each declared line is the command's own short help, every command module's commands are mounted, and every
command's own `--help` works."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import orchestration
from infra.settings import PROJECT_ROOT
from orchestration.cli import LAZY_COMMANDS, main

# What `lakehouse --help` must not pay for: the libraries behind the commands, and the command modules.
HEAVY = ("dagster", "pyiceberg", "pyarrow", "pandas", "sqlalchemy", "duckdb", "presidio_analyzer")


def _tree(group: click.Group, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], click.Command]:
    """Every command under ``group`` by its argv path, loading lazy ones as running them would."""
    found: dict[tuple[str, ...], click.Command] = {}
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"`lakehouse {' '.join((*path, name))}` is listed but does not load"
        found[(*path, name)] = command
        if isinstance(command, click.Group):
            found |= _tree(command, (*path, name))
    return found


@pytest.fixture(scope="module")
def tree() -> dict[tuple[str, ...], click.Command]:
    return _tree(main)


def test_help_lists_every_top_level_command(tree) -> None:
    shown = CliRunner().invoke(main, ["--help"])
    assert shown.exit_code == 0, shown.output
    listed = {line.split()[0] for line in shown.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {path[0] for path in tree}
    assert set(LAZY_COMMANDS) <= listed


def test_declared_lines_are_the_commands_own_short_help() -> None:
    for name, lazy in LAZY_COMMANDS.items():
        command = lazy.load()
        declared = click.Command(name, help=lazy.short_help)
        for limit in (45, 80, 500):  # narrow and wide terminals cut the line at the same word
            own = command.get_short_help_str(limit)
            assert declared.get_short_help_str(limit) == own, (
                f"LAZY_COMMANDS[{name!r}] in orchestration/cli.py says what `lakehouse --help` shows; "
                f"make it the command's own first line: {command.get_short_help_str(500)!r}"
            )


def test_every_command_module_is_mounted(tree) -> None:
    """A click command defined in an orchestration/cli_*.py module but reachable from no `lakehouse` path
    would be lost by the lazy map; each one must be under `lakehouse`."""
    reachable = {id(command) for command in tree.values()}
    lost = []
    for module_info in pkgutil.iter_modules(orchestration.__path__):
        if not module_info.name.startswith("cli"):
            continue
        module = importlib.import_module(f"orchestration.{module_info.name}")
        for attr, value in vars(module).items():
            if isinstance(value, click.Command) and value is not main and id(value) not in reachable:
                lost.append(f"orchestration.{module_info.name}:{attr}")
    assert lost == [], f"commands not mounted under `lakehouse`: {lost}"


def test_every_command_help_works(tree) -> None:
    runner = CliRunner()
    for path, command in tree.items():
        shown = runner.invoke(main, [*path, "--help"])
        assert shown.exit_code == 0, (path, shown.output)
        assert shown.output.startswith(f"Usage: main {' '.join(path)}"), (path, shown.output[:200])
        if command.help:
            first_word = command.get_short_help_str(500).split()[0]
            assert first_word in shown.output, path


def test_help_imports_no_command_module_and_no_heavy_library() -> None:
    probe = (
        "import json, sys\n"
        "from orchestration.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert "Commands:" in done.stdout
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    loaded_commands = {lazy.target.split(":")[0] for lazy in LAZY_COMMANDS.values()} & modules
    assert loaded_commands <= {"orchestration.cli"}, loaded_commands
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], heavy[:10]


def test_an_unknown_command_is_still_a_usage_error() -> None:
    shown = CliRunner().invoke(main, ["nonesuch"])
    assert shown.exit_code == 2
    assert "No such command 'nonesuch'" in shown.output
