import os
import shutil

import numpy as np
import pytest

from annstudio.core import datasets
from annstudio.core.datasets import DataError, DownloadCancelled, expand_features, generate
from annstudio.core.spec import CLASSIFICATION_KINDS, REGRESSION_KINDS, DataSpec


def test_lecture_linear_set_follows_the_lecture_rule_and_ranges():
    d = generate(DataSpec("linear", size=1000, seed=5))
    assert d.x_train.shape == (1000, 2) and d.task == "binary" and not d.has_test
    x1, x2 = d.x_train[:, 0], d.x_train[:, 1]
    assert x1.min() >= 0 and x1.max() <= 8 and x2.min() >= -4 and x2.max() <= 3
    np.testing.assert_array_equal(d.y_train, (0.8 * x1 + x2 - 3 >= 0).astype(np.float32))
    # stacked as the notebook does: class 1 first, then class 0
    n1 = int(d.y_train.sum())
    assert d.y_train[:n1].all() and not d.y_train[n1:].any()


def test_lecture_parabola_set_follows_the_lecture_rule_and_ranges():
    d = generate(DataSpec("parabola", size=1000, seed=1))
    x1, x2 = d.x_train[:, 0].astype(float), d.x_train[:, 1].astype(float)
    assert x1.min() >= -5 and x1.max() <= 5 and x2.min() >= -4 and x2.max() <= 4
    g = -0.5 * (x1 - 1) ** 2 + 2 * x2 + 5
    agree = (g >= 0) == (d.y_train == 1)
    assert agree[np.abs(g) > 1e-4].all()  # float32 rounding only on the boundary itself
    assert d.bounds == (-5, 5, -4, 4)


@pytest.mark.parametrize("kind", CLASSIFICATION_KINDS + REGRESSION_KINDS)
def test_every_set_is_seeded_split_and_sized(kind):
    spec = DataSpec(kind, size=200, noise=0.1, seed=7, test_fraction=0.25)
    a, b = generate(spec), generate(spec)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    total = len(a.x_train) + len(a.x_test)
    assert total == (10 if kind == "lecture-points" else 200)
    assert len(a.x_test) == round(total * 0.25)
    c = generate(DataSpec(kind, size=200, noise=0.1, seed=8, test_fraction=0.25))
    assert not np.array_equal(a.x_train, c.x_train) or kind == "lecture-points" and not np.array_equal(a.y_train, c.y_train)


def test_lecture_regression_points_are_exact():
    d = generate(DataSpec("lecture-points"))
    np.testing.assert_allclose(d.x_train[:, 0], np.linspace(-4.5, 4.5, 10), rtol=1e-6)
    np.testing.assert_allclose(d.y_train[[0, 9]], [0.9819, -6.2512], rtol=1e-5)
    assert d.task == "regression"


def test_more_than_two_classes():
    d = generate(DataSpec("spiral", size=300, classes=3))
    assert d.task == "multiclass" and d.classes == 3 and set(np.unique(d.y_train)) == {0, 1, 2}


def test_xor_is_the_product_sign():
    d = generate(DataSpec("xor", size=400, seed=1))
    np.testing.assert_array_equal(d.y_train, (d.x_train[:, 0] * d.x_train[:, 1] >= 0).astype(np.float32))


def test_features_make_xor_separable_columns():
    pts = np.array([[1.0, 2.0], [-1.0, 3.0]])
    cols = expand_features(pts, ("x1", "x2", "x1*x2", "x1^2", "sin(x2)"))
    np.testing.assert_allclose(cols, [[1, 2, 2, 1, np.sin(2)], [-1, 3, -3, 1, np.sin(3)]], rtol=1e-6)
    assert cols.dtype == np.float32


def test_from_points_checks_labels():
    d = datasets.from_points([[0, 0], [1, 1], [2, 2]], [0, 1, 2], "classification")
    assert d.classes == 3
    with pytest.raises(DataError, match="whole numbers"):
        datasets.from_points([[0, 0]], [0.5], "classification")
    with pytest.raises(DataError, match="finite"):
        datasets.from_points([[0, np.nan]], [0], "classification")


# --- MNIST, the Keras way --------------------------------------------------------------------------

def test_mnist_from_a_given_path(mnist_path):
    x_train, y_train, x_test, y_test = datasets.load_mnist(mnist_path)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_test.max() == 9


def test_mnist_from_the_keras_cache_without_download(mnist_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert datasets.mnist_cache_path() == tmp_path / "datasets" / "mnist.npz"
    with pytest.raises(DataError, match="not in the Keras cache"):
        datasets.load_mnist(download=False)
    (tmp_path / "datasets").mkdir()
    os.symlink(mnist_path, tmp_path / "datasets" / "mnist.npz")
    _, y_train, _, _ = datasets.load_mnist(download=False)
    assert len(y_train) == 60000


def test_mnist_download_fills_the_cache_with_progress(mnist_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    seen = []
    target = datasets.download_mnist(progress=lambda done, total: seen.append((done, total)),
                                     url=mnist_path.as_uri(), sha256=None)
    assert target == datasets.mnist_cache_path() and target.is_file()
    assert seen and seen[-1][0] == seen[-1][1] == mnist_path.stat().st_size
    assert len(datasets.load_mnist(download=False)[0]) == 60000


def test_mnist_download_cancel_and_checksum_leave_no_file(mnist_path, tmp_path):
    target = tmp_path / "mnist.npz"
    with pytest.raises(DownloadCancelled):
        datasets.download_mnist(target, progress=lambda done, total: False, url=mnist_path.as_uri(), sha256=None)
    with pytest.raises(DataError, match="checksum"):
        datasets.download_mnist(target, url=mnist_path.as_uri(), sha256="0" * 64)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_mnist_download_offline_says_so(tmp_path):
    with pytest.raises(DataError, match="offline"):
        datasets.download_mnist(tmp_path / "m.npz", url="http://127.0.0.1:9/mnist.npz", timeout=2)


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(os.urandom(2000)) and p, "not a readable MNIST"),
    (lambda p: p.write_bytes(b"") or p, "not a readable MNIST"),
    (lambda p: _npz(p, a=np.zeros(3)), "lacks x_train"),
    (lambda p: _npz(p, x_train=np.zeros((5, 28, 28)), y_train=np.zeros(5, np.uint8),
                    x_test=np.zeros((5, 28, 28), np.uint8), y_test=np.zeros(5, np.uint8)), "not uint8"),
    (lambda p: _npz(p, x_train=np.zeros((5, 27, 28), np.uint8), y_train=np.zeros(5, np.uint8),
                    x_test=np.zeros((5, 28, 28), np.uint8), y_test=np.zeros(5, np.uint8)), "has shape"),
    (lambda p: _npz(p, x_train=np.zeros((5, 28, 28), np.uint8), y_train=np.zeros(4, np.uint8),
                    x_test=np.zeros((5, 28, 28), np.uint8), y_test=np.zeros(5, np.uint8)), "5 images but 4 labels"),
])
def test_bad_mnist_files_are_refused_clearly(tmp_path, make, words):
    path = tmp_path / "mnist.npz"
    make(path)
    with pytest.raises(DataError, match=words):
        datasets.load_mnist(path)


def test_truncated_mnist_file_is_refused(mnist_path, tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(mnist_path.read_bytes()[:100_000])
    with pytest.raises(DataError):
        datasets.load_mnist(path)


def test_missing_mnist_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        datasets.load_mnist(tmp_path / "nope.npz")
    shutil.rmtree(tmp_path)
