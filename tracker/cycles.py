"""Python's cycle collector paused while a large result that holds no cycle is built and written.

A report builds tens of thousands of small objects (a source, sentence or JSON object each) that
hold no cycle. Every few hundred of them set the collector walking the young objects, and once
the pause ends the first collection walks every object made during it: a fifth of a large
report's time for no garbage.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def cycles_uncollected(func: Callable[P, R]) -> Callable[P, R]:
    """`func` with the cycle collector paused (and resumed after it, if it ran before). What `func`
    made and dropped is freed by reference counting as usual."""

    @functools.wraps(func)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused
