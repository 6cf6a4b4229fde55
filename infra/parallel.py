"""Columns side by side in threads: pyarrow's kernels release the GIL, so one column's parsing, gathering
or regex passes run while another column's Python work (a keyed-digest loop) holds it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
THREADS_PER_CORE = 1  # bench/masking.py on 2 cores: 2 threads per core measured no faster


def thread_map(work: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    """``[work(i) for i in items]``, in order, run on a short-lived thread pool."""
    items = list(items)
    workers = max(1, min(len(items), (os.cpu_count() or 1) * THREADS_PER_CORE))
    if workers == 1:
        return [work(i) for i in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, items))
