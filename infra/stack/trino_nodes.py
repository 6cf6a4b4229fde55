"""Where each Trino node of the stack lives: its name, role, port, folder and heap.

Apart from ``infra.stack.trino`` (which starts and queries them) because the access rules and the query log
only need the coordinator's folder, and should not import the Trino, HTTP and requests clients for it.
"""

from __future__ import annotations

from infra.settings import Settings
from infra.stack.paths import StackPaths
from infra.stack.trino_config import TrinoNode

COORDINATOR = "trino"
WORKER = "trino-worker"


def coordinator_node(settings: Settings, paths: StackPaths) -> TrinoNode:
    return TrinoNode(COORDINATOR, True, settings.trino_port, paths.trino / "coordinator", heap="3G")


def worker_node(settings: Settings, paths: StackPaths, index: int = 1) -> TrinoNode:
    """Worker ``index`` (1-based). The first keeps the name, port and folder it has always had, so a stack
    started with one worker looks as before; worker n is `trino-worker-n` on the worker port + n - 1."""
    if index < 1:
        raise ValueError(f"worker numbers start at 1, not {index}")
    if index == 1:
        return TrinoNode(WORKER, False, settings.trino_worker_port, paths.trino / "worker", heap="2G")
    return TrinoNode(
        f"{WORKER}-{index}",
        False,
        settings.trino_worker_port + index - 1,
        paths.trino / f"worker-{index}",
        heap="2G",
        index=index,
    )


def worker_nodes(settings: Settings, paths: StackPaths, count: int) -> list[TrinoNode]:
    return [worker_node(settings, paths, index) for index in range(1, count + 1)]
