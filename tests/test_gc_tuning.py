"""mlspec.gc_tuning: the collector runs less often inside, exactly as before afterwards, and stays off when off."""

from __future__ import annotations

import gc

import pytest

from mlspec.gc_tuning import fewer_collections


def test_the_threshold_is_raised_inside_and_restored_after_even_on_error() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with pytest.raises(RuntimeError), fewer_collections(allocations=40_000):
            assert gc.get_threshold() == (40_000, 10, 10)
            raise RuntimeError("boom")
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_a_switched_off_collector_stays_off() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(0)
        with fewer_collections():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)
