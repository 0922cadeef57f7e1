"""Worker processes: how many cores there are, and pools that are safe to start anywhere."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def spawn_pool(workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
               ) -> ProcessPoolExecutor:
    """A pool of fresh interpreters. Spawned, not forked: the callers hold open database
    connections, a transaction, or the scheduler's threads, none of which survive a fork.
    (Like any spawned process, the workers import the main module: scripts need the usual
    `if __name__ == "__main__":` guard.)"""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initializer, initargs=initargs)
