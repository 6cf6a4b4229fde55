"""Superset's own venv, built with uv from the committed lock into the cache (one venv per lock hash).

The venv is keyed by the lock's hash, so a second `up` installs nothing and a changed lock builds a
fresh venv beside the old one instead of mutating a venv a running server uses.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from infra.stack.model import Progress, StackError
from infra.stack.paths import cache_dir, cache_lock

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
LOCK = HERE / "requirements.lock"
PYTHON_VERSION = "3.11"
MARKER = ".installed"


def lock_hash(lock: Path = LOCK) -> str:
    return hashlib.sha256(lock.read_bytes()).hexdigest()[:12]


def venv_dir(cache: Path, lock: Path = LOCK) -> Path:
    return cache / f"superset-venv-{lock_hash(lock)}"


def find_uv(cache: Path) -> Path:
    """uv from PATH, else the copy the Makefile pins under the cache."""
    found = shutil.which("uv")
    if found:
        return Path(found)
    pinned = cache / "tools" / "bin" / "uv"
    if pinned.is_file():
        return pinned
    raise StackError("uv is missing: run `make install` (it installs a pinned uv under the cache)")


def uv_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("UV_CACHE_DIR", str(cache / "uv"))
    # Use the machine's Python 3.11; never download an interpreter at run time.
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.pop("VIRTUAL_ENV", None)
    return env


def is_installed(venv: Path) -> bool:
    return (venv / MARKER).is_file() and (venv / "bin" / "superset").is_file()


def ensure_installed(progress: Progress, cache: Path | None = None) -> Path:
    """The venv for the current lock (built on first use, under the cache's install lock)."""
    cache = cache or cache_dir()
    venv = venv_dir(cache)
    if is_installed(venv):
        return venv
    with cache_lock(cache):
        if is_installed(venv):
            return venv
        uv = find_uv(cache)
        env = uv_env(cache)
        started = time.monotonic()
        # A half-built venv (interrupted install) is rebuilt from scratch, never trusted.
        shutil.rmtree(venv, ignore_errors=True)
        progress(f"installing Superset into {venv} (uv, from the lock; ~1 min cold)")
        _run([str(uv), "venv", "--quiet", "--python", PYTHON_VERSION, str(venv)], env)
        _run(
            [str(uv), "pip", "sync", "--quiet", "--python", str(venv / "bin" / "python"), str(LOCK)],
            env,
        )
        (venv / MARKER).write_text(f"{lock_hash()}\n", encoding="utf-8")
        progress(f"Superset installed in {time.monotonic() - started:.0f} s")
    return venv


def compile_lock(cache: Path | None = None) -> None:
    """Re-resolve requirements.txt into requirements.lock (exact pins for every transitive package)."""
    cache = cache or cache_dir()
    root = HERE.parents[2]
    _run(
        [
            str(find_uv(cache)),
            "pip",
            "compile",
            "--quiet",
            "--python-version",
            PYTHON_VERSION,
            str(REQUIREMENTS.relative_to(root)),
            "-o",
            str(LOCK.relative_to(root)),
        ],
        uv_env(cache),
        cwd=root,
    )


def _run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--lock"]:
        compile_lock()
    else:
        print(ensure_installed(print))
