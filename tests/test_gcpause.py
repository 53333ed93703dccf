"""toolkit.gcpause: the cyclic collector paused inside the block and restored after it."""

import gc

import pytest

from toolkit.gcpause import collector_paused


def test_paused_inside_and_restored_after_even_on_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with collector_paused():
            assert not gc.isenabled()
            with collector_paused():  # nested: the inner block leaves it off
                pass
            assert not gc.isenabled()
            1 / 0
    assert gc.isenabled()


def test_a_collector_off_before_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_reference_counting_still_frees_while_paused():
    import weakref

    class Thing:
        pass

    with collector_paused():
        thing = Thing()
        alive = weakref.ref(thing)
        del thing
        assert alive() is None  # freed at once: no cycle, no collector needed


def test_blocks_in_two_threads_keep_it_off_until_the_last_ends():
    import threading

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    states = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            states["after the first ended"] = gc.isenabled()
        states["after both"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert states == {"after the first ended": False, "after both": True}
