"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import gc
import math
import time
import tracemalloc
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Best wall-clock time of ``repeat`` calls of ``fn``, in seconds (garbage collected before each)."""
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def peak_mb(fn: Callable[[], object]) -> float:
    """Peak memory traced by tracemalloc during one call of ``fn``, in MiB (numpy and pandas buffers included)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
