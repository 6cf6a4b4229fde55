"""The `cluster` profile: everything from LAKEHOUSE_* variables, nothing from a secrets file, and a clear
refusal naming what is missing before anything connects."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from infra.settings import CLUSTER_REQUIRED_ENV, PROFILES, ClusterSettingsError, load_settings

CLUSTER_ENV = {
    "LAKEHOUSE_PG_HOST": "pg.city.internal",
    "LAKEHOUSE_PG_PASSWORD": "pg-secret",
    "LAKEHOUSE_S3_ENDPOINT": "https://objects.city.internal",
    "LAKEHOUSE_S3_ACCESS_KEY": "lakehouse-access",
    "LAKEHOUSE_S3_SECRET_KEY": "s3-secret",
    "LAKEHOUSE_TRINO_HOST": "trino.lakehouse.svc",
}


@pytest.fixture
def cluster_env(lakehouse_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "cluster")
    for name in CLUSTER_REQUIRED_ENV:
        monkeypatch.delenv(name, raising=False)
    return lakehouse_home


def test_cluster_settings_come_from_the_environment(
    cluster_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CLUSTER_ENV.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.profile == "cluster" and "cluster" in PROFILES
    assert settings.pg_jdbc_url == "jdbc:postgresql://pg.city.internal:5432/iceberg_catalog"
    assert settings.s3_endpoint == "https://objects.city.internal"
    assert settings.trino_url == "https://trino.lakehouse.svc:8443"
    assert settings.dbt_target == "trino"
    from infra.catalog import catalog_properties

    props = catalog_properties(settings)
    assert props["uri"] == "postgresql+psycopg://lakehouse:pg-secret@pg.city.internal:5432/iceberg_catalog"
    assert props["s3.endpoint"] == "https://objects.city.internal"
    assert props["s3.secret-access-key"] == "s3-secret"


def test_cluster_never_reads_the_stacks_secrets_file(cluster_env: Path) -> None:
    """A stack home's generated credentials must not leak into the cluster profile as defaults."""
    secrets = cluster_env / "secrets"
    secrets.mkdir(parents=True)
    (secrets / "stack.json").write_text(
        json.dumps({"pg_password": "local", "s3_access_key": "local", "s3_secret_key": "local"}),
        encoding="utf-8",
    )
    settings = load_settings()
    assert (settings.pg_password, settings.s3_access_key, settings.s3_secret_key) == ("", "", "")
    assert settings.pg_host == "" and settings.s3_endpoint == ""


def test_opening_the_catalog_without_the_environment_names_every_missing_variable(
    cluster_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.catalog import open_catalog

    monkeypatch.setenv("LAKEHOUSE_PG_HOST", CLUSTER_ENV["LAKEHOUSE_PG_HOST"])
    monkeypatch.setenv("LAKEHOUSE_S3_ACCESS_KEY", "   ")  # blank is missing
    with pytest.raises(ClusterSettingsError) as caught:
        open_catalog()
    message = str(caught.value)
    missing = [name for name in CLUSTER_REQUIRED_ENV if name != "LAKEHOUSE_PG_HOST"]
    assert all(name in message for name in missing)
    assert "LAKEHOUSE_PG_HOST" not in message


def test_cli_help_names_only_profiles_that_exist() -> None:
    """Every `<word> profile` and `--profile` choice in the CLI's help is one of PROFILES."""
    from orchestration.cli import main

    generic = {
        "the",
        "a",
        "an",
        "active",
        "this",
        "that",
        "any",
        "every",
        "each",
        "its",
        "same",
        "one",
        "other",
    }
    texts: list[str] = []

    def walk(command: click.Command, ctx: click.Context) -> None:
        texts.append(command.help or "")
        texts.extend(getattr(p, "help", None) or "" for p in command.params)
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, click.Context(sub, parent=ctx, info_name=name))

    walk(main, click.Context(main, info_name="lakehouse"))
    named = {m.lower() for text in texts for m in re.findall(r"\b([A-Za-z_]+) profile\b", text)}
    named |= {
        choice
        for text in texts
        for listing in re.findall(r"LAKEHOUSE_PROFILE \(([^)]*)\)", text)
        for choice in re.findall(r"[a-z_]+", listing.split(",")[0])
    }
    assert {"embedded", "stack"} <= named  # the walk read the help texts
    assert named - generic <= set(PROFILES), named - generic - set(PROFILES)
