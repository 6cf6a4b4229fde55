"""JDK discovery for Trino: no servers, fake `java` scripts in a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.stack.jdk import find_jdk, parse_java_version
from infra.stack.model import StackError


@pytest.mark.parametrize(
    ("output", "major", "version"),
    [
        ('openjdk version "25.0.3" 2026-04-21 LTS', 25, "25.0.3"),
        ('openjdk version "17.0.15" 2025-04-15', 17, "17.0.15"),
        ('openjdk version "24" 2025-03-18', 24, "24"),
        ('java version "1.8.0_402"', 8, "1.8.0_402"),
        ('openjdk version "26-ea" 2026-03-17', 26, "26-ea"),
    ],
)
def test_parse_java_version(output: str, major: int, version: str) -> None:
    assert parse_java_version(output) == (major, version)


def test_parse_java_version_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_java_version("command not found")


def _fake_jdk(root: Path, name: str, version: str) -> Path:
    home = root / name
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2026-01-01' >&2\n")
    java.chmod(0o755)
    (home / "bin" / "keytool").write_text("#!/bin/sh\n")
    return home


@pytest.fixture
def no_system_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")


def test_picks_newest_jdk_at_least_24(tmp_path: Path, no_system_java: None) -> None:
    _fake_jdk(tmp_path, "java-17", "17.0.15")
    _fake_jdk(tmp_path, "jdk-24", "24.0.2")
    newest = _fake_jdk(tmp_path, "temurin-25", "25.0.3")
    jdk = find_jdk(24, roots=[str(tmp_path)])
    assert (jdk.home, jdk.major) == (newest.resolve(), 25)
    assert jdk.java == newest.resolve() / "bin" / "java"


def test_java_home_wins_when_new_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_system_java: None
) -> None:
    _fake_jdk(tmp_path / "scan", "temurin-26", "26.0.1")
    chosen = _fake_jdk(tmp_path, "mine", "24.0.1")
    monkeypatch.setenv("JAVA_HOME", str(chosen))
    assert find_jdk(24, roots=[str(tmp_path / "scan")]).home == chosen.resolve()


def test_old_java_home_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_system_java: None
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(_fake_jdk(tmp_path, "old", "17.0.1")))
    found = _fake_jdk(tmp_path / "scan", "temurin-25", "25")
    assert find_jdk(24, roots=[str(tmp_path / "scan")]).home == found.resolve()


def test_clear_error_when_no_jdk_is_new_enough(tmp_path: Path, no_system_java: None) -> None:
    _fake_jdk(tmp_path, "java-17", "17.0.15")
    with pytest.raises(StackError, match=r"Java 24 or newer.*17\.0\.15"):
        find_jdk(24, roots=[str(tmp_path)])
