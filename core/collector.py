"""Pausing Python's cyclic garbage collector around work that builds many objects.

Rendering a long document (WeasyPrint builds hundreds of thousands of boxes) or building
100,000 compliance rows makes objects that reference counting frees on its own; while
they are made, the cyclic collector would only walk them again and again (measured: a
fifth to a third of a long table's render, 60 % of building the compliance rows).
"""

import contextlib
import gc
import threading

_lock = threading.Lock()
_state = {"holders": 0, "was_enabled": False}


@contextlib.contextmanager
def paused(*, collect_young: bool = False):
    """The cyclic collector paused while the block runs (nested and concurrent blocks
    share one pause: it resumes when the last one ends, and only if it ran before).
    `collect_young` then collects the youngest generation, where whatever the block made
    and left in cycles still is (a full collection would walk the whole process)."""
    with _lock:
        if _state["holders"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["holders"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["holders"] -= 1
            if _state["holders"] == 0 and _state["was_enabled"]:
                gc.enable()
        if collect_young:
            gc.collect(0)
