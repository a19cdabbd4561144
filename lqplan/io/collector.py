"""Hold off Python's cyclic garbage collector while a large input is read into objects.

Reading a show makes hundreds of thousands of dicts, lists and models that hold no reference
cycles, and every one of them counts towards the collector's next pass; each full pass walks the
whole growing heap again. On the 10,000-SKU catalog those passes were about a third of parsing
and of validating the models. Nothing is lost by waiting: what is made here stays alive, and the
collector runs as usual once the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (nested blocks are fine), then restore it."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
