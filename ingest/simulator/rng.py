"""Independent random streams, one per dataset (and per day), derived from the run's seed.

Each stream is keyed by names rather than by draw order, so adding a dataset or a day never shifts the
numbers another dataset sees: the output of one dataset depends only on (seed, its own key).
"""

from __future__ import annotations

import zlib

import numpy as np


def _key(part: str | int) -> int:
    # crc32 is stable across processes (unlike hash()), which keeps runs byte-identical.
    return part if isinstance(part, int) else zlib.crc32(part.encode("utf-8"))


def stream(seed: int, *key: str | int) -> np.random.Generator:
    """A PCG64 generator for ``key`` under ``seed``; same arguments, same numbers."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *(_key(k) for k in key)])))
