"""The background jobs as plain functions: loading/downloading MNIST and reading the test digits, no window."""
import threading

import numpy as np
import pytest

from annstudio.core import datasets
from annstudio.core.jobs import Cancelled, JobState, evaluate_reader, load_mnist_job


def test_state_reports_only_changes_and_says_when_cancelled():
    seen = []
    state = JobState(lambda done, total: seen.append((done, total)))
    assert state.report(0, 2000) and state.report(1, 2000) and state.report(2, 2000)
    assert seen == [(0, 2000), (2, 2000)]  # 1 of 2000 is still 0 ‰
    state.report(5, 0), state.report(6, 0)  # an unknown total: every report
    assert seen[-2:] == [(5, 0), (6, 0)]
    state.check()
    threading.Thread(target=state.cancel).start()  # from any thread
    for _ in range(1000):
        if state.cancelled:
            break
        threading.Event().wait(0.001)
    assert state.cancelled and state.report(3, 10) is False
    with pytest.raises(Cancelled):
        state.check()


def test_downloading_mnist_reports_bytes_and_can_be_cancelled(mnist_path, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MNIST_URL", mnist_path.as_uri())
    monkeypatch.setattr(datasets, "MNIST_SHA256", None)
    target = tmp_path / "cache" / "mnist.npz"
    seen = []
    state = JobState(lambda done, total: seen.append((done, total)))
    data = load_mnist_job(target, True, state)
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert 0.0 <= float(data.x_train.min()) and float(data.x_train.max()) <= 1.0
    size = mnist_path.stat().st_size
    assert target.stat().st_size == size and seen[-1] == (size, size)
    assert len(seen) <= 1001  # per mille, not per chunk
    target.unlink()

    state = JobState(lambda done, total: state.cancel() if done > size // 3 else None)
    with pytest.raises(Cancelled):
        load_mnist_job(target, True, state)
    assert list(target.parent.iterdir()) == []  # not even a partial file


def test_a_cancelled_load_does_not_read_the_file(tmp_path):
    state = JobState()
    state.cancel()
    with pytest.raises(Cancelled):
        load_mnist_job(tmp_path / "missing.npz", False, state)


def test_a_bad_file_says_why(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(datasets.DataError):
        load_mnist_job(bad, False, JobState())


@pytest.fixture(scope="module")
def reader():
    import keras

    from annstudio.core.reader import KerasReader

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    return KerasReader(model, "tiny.keras")


def test_evaluating_a_reader_reads_every_digit_in_batches(reader):
    images = np.random.default_rng(0).random((23, 28, 28)).astype("float32")
    seen = []
    predicted = evaluate_reader(reader, images, JobState(lambda done, total: seen.append(done)), batch=10)
    np.testing.assert_array_equal(predicted, reader.predict(images).argmax(axis=1))
    assert predicted.dtype == np.int64 and seen == [0, 10, 20, 23]


def test_evaluating_stops_between_batches_when_cancelled(reader):
    images = np.zeros((40, 28, 28), "float32")
    seen = []
    state = JobState(lambda done, total: (seen.append(done), done >= 10 and state.cancel()))
    with pytest.raises(Cancelled):
        evaluate_reader(reader, images, state, batch=10)
    assert seen == [0, 10]
