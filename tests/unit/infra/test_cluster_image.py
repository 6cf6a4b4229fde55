"""The images the cluster runs are built nowhere here (no registry is reachable), so their Dockerfiles are
checked against what they must mirror: the Makefile's install, the package list, the lock groups."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from infra.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
SUPERSET = PROJECT_ROOT / "infra" / "cluster" / "images" / "superset.Dockerfile"


def _instructions(path: Path) -> list[str]:
    """Dockerfile instructions with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_lakehouse_image_installs_as_make_install_does() -> None:
    lines = _instructions(DOCKERFILE)
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    uv_version = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert uv_version is not None
    assert f"ARG UV_VERSION={uv_version.group(1)}" in lines
    assert lines[0] == "FROM python:3.11-slim"
    syncs = [line for line in lines if "uv sync" in line]
    assert syncs and all(line.count("--frozen") == line.count("uv sync") for line in syncs)
    assert all(line.count("--no-dev") == line.count("uv sync") for line in syncs)
    # dbt's own environment, as `make install` makes it (docs/adr/0025-…): synced, and the project on its path.
    assert "UV_PROJECT_ENVIRONMENT=$(DBT_VENV) $(UV) sync --frozen --project infra/dbt_env" in makefile
    assert any(
        "UV_PROJECT_ENVIRONMENT=/opt/lakehouse/.venv-dbt" in line and "--project infra/dbt_env" in line
        for line in syncs
    )
    assert "lingang_lakehouse.pth" in makefile and any("lingang_lakehouse.pth" in line for line in lines)
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for group in re.findall(r"--group (\S+)", " ".join(syncs)):
        assert group in pyproject["dependency-groups"]
    assert any(dep.startswith("dagster-k8s") for dep in pyproject["dependency-groups"]["cluster"])
    copied = {line.split()[1].rstrip("/") for line in lines if line.startswith("COPY ")}
    assert set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]) <= copied
    assert "dbt_project" in copied
    assert "lakehouse" in pyproject["project"]["scripts"]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("0", "root")


def test_build_context_admits_code_but_no_home_or_generated_secret() -> None:
    rules = [
        r
        for r in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if r and r[0] != "#"
    ]
    assert rules[0] == "*"  # everything out unless named
    admitted = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    assert not admitted & {"var", ".venv", "tests", "infra/cluster/generated"}
    assert "infra/cluster/generated/" in rules


def test_superset_image_uses_the_stacks_lock_and_config() -> None:
    sources = [line.split()[1] for line in _instructions(SUPERSET) if line.startswith("COPY ")]
    assert "infra/stack/superset/requirements.lock" in sources
    assert "infra/stack/superset/superset_config.py" in sources
    assert all((PROJECT_ROOT / source).is_file() for source in sources)
    assert any(line.startswith("USER 10001") for line in _instructions(SUPERSET))
