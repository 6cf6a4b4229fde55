"""Real servers on one host, loopback only: PostgreSQL, an S3 API server (s3proxy) and Trino.

`up` installs (downloads cached under LAKEHOUSE_CACHE), configures and starts them; `down` stops them by
the PIDs recorded under $LAKEHOUSE_HOME/stack/run/; `status` health-checks them. See docs/stack.md.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ComponentStatus", "StackError", "down", "stack_settings", "status", "up"]


def __getattr__(name: str) -> Any:
    # Resolved on first use: the embedded profile imports a few light modules of this package (users,
    # paths, node layout) at every start and should not pay for the PostgreSQL driver and Trino clients
    # the server registry imports.
    if name in ("ComponentStatus", "StackError"):
        from infra.stack import model

        return getattr(model, name)
    if name in ("down", "stack_settings", "status", "up"):
        from infra.stack import registry

        return getattr(registry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
