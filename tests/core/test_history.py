"""The training history: rows of numbers kept as columns."""
import math

import numpy as np
import pytest

from annstudio.core.history import History, as_history


def test_rows_come_back_as_given_and_read_like_a_list():
    rows = [{"epoch": 1, "loss": 0.5, "accuracy": 0.75}, {"epoch": 2, "loss": 0.25, "accuracy": 0.8, "test_loss": 0.3}]
    h = History(rows)
    assert list(h) == rows and h == rows and len(h) == 2 and h
    assert h[-1] == rows[-1] and h[0] == rows[0] and h[:1] == rows[:1]
    assert isinstance(h[0]["epoch"], int)
    assert h.keys() == ["epoch", "loss", "accuracy", "test_loss"]
    np.testing.assert_array_equal(h.column("loss"), [0.5, 0.25])
    assert math.isnan(h.column("test_loss")[0]) and h.column("test_loss")[1] == 0.3
    assert np.isnan(h.column("r2")).all()
    with pytest.raises(IndexError):
        h[2]
    assert not History() and History() == []
    assert as_history(h) is h and as_history(rows) == h


def test_values_that_are_not_numbers_are_left_out():
    h = History([{"epoch": 1, "loss": 0.5, "note": "hi", "flag": True, "missing": None}])
    assert h[0] == {"epoch": 1, "loss": 0.5}


def test_rows_added_as_columns_read_like_rows():
    h = History([{"epoch": 1, "loss": 0.5}])
    h.extend_columns({"epoch": np.array([2.0, 3.0]), "loss": np.array([0.25, 0.125]), "r2": np.array([0.1, 0.2])})
    assert list(h) == [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25, "r2": 0.1}, {"epoch": 3, "loss": 0.125, "r2": 0.2}]
    h.extend_columns({"epoch": np.arange(4, 200, dtype=float), "loss": np.zeros(196)})  # past its buffers
    assert len(h) == 199 and h[-1] == {"epoch": 199, "loss": 0.0}
    h.extend_columns({})
    assert len(h) == 199
    with pytest.raises(ValueError):
        h.extend_columns({"epoch": np.arange(2.0), "loss": np.arange(3.0)})


def test_epochs_default_to_their_place():
    h = History([{"loss": 1.0}, {"loss": 0.5}, {"epoch": 7, "loss": 0.2}])
    np.testing.assert_array_equal(h.epochs(), [1, 2, 7])


def test_a_snapshot_keeps_its_rows_while_the_history_grows_on():
    h = History({"epoch": e, "loss": 1 / e} for e in range(1, 51))
    snap = h.snapshot()
    for e in range(51, 5000):  # grows far past its first buffers
        h.append({"epoch": e, "loss": 1 / e, "new_key": 1.0})
    assert len(snap) == 50 and snap[-1] == {"epoch": 50, "loss": 1 / 50} and "new_key" not in snap.keys()
    assert len(h) == 4999 and h[-1]["new_key"] == 1.0 and "new_key" not in h[0]
    with pytest.raises(TypeError):
        snap.append({"epoch": 51})


def test_a_long_run_takes_megabytes_not_hundreds_of_them():
    import tracemalloc

    tracemalloc.start()
    try:
        h = History()
        for e in range(1, 200_001):
            h.append({"epoch": e, "loss": 0.1, "accuracy": 0.9, "test_loss": 0.2, "test_accuracy": 0.8})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(h) == 200_000 and h[199_999]["epoch"] == 200_000
    assert peak < 25 * 2**20  # the same rows as dicts: ~70 MB
