"""The cyclic collector is paused inside `core.collector.paused` and resumes only when
the last of nested or concurrent pauses ends, and only if it ran before."""

import gc
import threading

from core import collector


def test_nested_pauses_resume_the_collector_when_the_outer_one_ends():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused(collect_young=True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_resumes_the_collector():
    try:
        with collector.paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_concurrent_pauses_resume_when_the_last_thread_leaves():
    inside, leave = threading.Barrier(2), threading.Event()

    def worker():
        with collector.paused():
            inside.wait()
            leave.wait()

    thread = threading.Thread(target=worker)
    thread.start()
    with collector.paused():
        inside.wait()
    assert not gc.isenabled(), "the other thread is still inside its pause"
    leave.set()
    thread.join()
    assert gc.isenabled()
