"""Debian packages the stack needs (PostgreSQL, Maven), installed with apt-get when missing."""

from __future__ import annotations

import os
import shutil

from infra.stack import procs
from infra.stack.model import Progress, StackError


def install(package: str, progress: Progress) -> None:
    """`apt-get install -y <package>`, running `apt-get update` first only when there is no candidate."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise StackError(
            f"{package} is missing and cannot be installed here (needs root on Debian): install it"
        )
    policy = procs.run(["apt-cache", "policy", package], what="apt-cache policy")
    if "Candidate:" not in policy or "Candidate: (none)" in policy:
        progress("apt-get update (package lists are missing or stale)…")
        procs.run(["apt-get", "update"], what="apt-get update")
    progress(f"apt-get install -y {package}…")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        _install(package, env)
    except StackError:
        # Old package lists point at files the mirror no longer has: refresh once and retry.
        progress("apt-get update and retry…")
        procs.run(["apt-get", "update"], what="apt-get update")
        _install(package, env)


def _install(package: str, env: dict[str, str]) -> None:
    procs.run(
        ["apt-get", "install", "-y", "--no-install-recommends", package],
        what=f"apt-get install {package}",
        env=env,
    )
