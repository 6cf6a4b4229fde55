"""Find a JDK new enough for Trino at run time (never a fixed path)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.stack.model import StackError

TRINO_MIN_JAVA = 24
# Where distributions and installers put JDKs; each entry is globbed for <jdk>/bin/java.
SEARCH_ROOTS = (
    "/usr/lib/jvm",
    "/usr/java",
    "/opt/java",
    "/opt",
    "/usr/local",
    "~/.sdkman/candidates/java",
    "~/.jdks",
)

_VERSION = re.compile(r'version "(?P<v>[^"]+)"')


@dataclass(frozen=True)
class Jdk:
    home: Path
    major: int
    version: str

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"

    @property
    def keytool(self) -> Path:
        return self.home / "bin" / "keytool"


def parse_java_version(output: str) -> tuple[int, str]:
    """Major version and full version from `java -version` output ("1.8.0_x" means 8)."""
    match = _VERSION.search(output)
    if not match:
        raise ValueError(f"no version in: {output!r}")
    version = match.group("v")
    parts = re.split(r"[.+_-]", version)
    major = int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(parts[0])
    return major, version


def probe(java: Path) -> Jdk | None:
    """Ask a `bin/java` for its version; None if it is not a working java."""
    if not java.is_file() or not os.access(java, os.X_OK):
        return None
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
        major, version = parse_java_version(out.stderr + out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return Jdk(home=java.resolve().parent.parent, major=major, version=version)


def candidates(roots: Iterable[str] = SEARCH_ROOTS) -> list[Path]:
    """`bin/java` paths to try, in order: JAVA_HOME, the search roots, then PATH."""
    found: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        found.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    for root in roots:
        base = Path(root).expanduser()
        if base.is_dir():
            found.extend(sorted(base.glob("*/bin/java")))
            found.extend(sorted(base.glob("*/Contents/Home/bin/java")))
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path))
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve() if path.exists() else path, path)
    return list(unique.values())


def find_jdk(min_major: int = TRINO_MIN_JAVA, roots: Iterable[str] = SEARCH_ROOTS) -> Jdk:
    """JAVA_HOME if it is new enough, else the newest JDK >= min_major found on this machine."""
    seen: list[str] = []
    best: Jdk | None = None
    java_home = os.environ.get("JAVA_HOME")
    for java in candidates(roots):
        jdk = probe(java)
        if jdk is None:
            continue
        seen.append(f"{jdk.home} ({jdk.version})")
        if jdk.major < min_major:
            continue
        if java_home and java == Path(java_home) / "bin" / "java":
            return jdk
        if best is None or jdk.major > best.major:
            best = jdk
    if best is None:
        found = "; ".join(seen) or "none"
        raise StackError(
            f"Trino needs Java {min_major} or newer; found: {found}. "
            f"Install a JDK >= {min_major} (e.g. Temurin) and set JAVA_HOME to it."
        )
    return best
