"""Real servers on one host, loopback only: PostgreSQL, an S3 API server (s3proxy) and Trino.

`up` installs (downloads cached under LAKEHOUSE_CACHE), configures and starts them; `down` stops them by
the PIDs recorded under $LAKEHOUSE_HOME/stack/run/; `status` health-checks them. See docs/stack.md.
"""

from infra.stack.model import ComponentStatus, StackError
from infra.stack.registry import down, stack_settings, status, up

__all__ = ["ComponentStatus", "StackError", "down", "stack_settings", "status", "up"]
