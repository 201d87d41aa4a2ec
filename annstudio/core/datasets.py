"""Data sets: the lecture's 2-D problems and regression points, Playground-style toy sets, and MNIST.

Every generator is a pure function of a :class:`~annstudio.core.spec.DataSpec` (size, noise, seed,
test fraction), so the same settings always give the same points. MNIST is obtained the way
``keras.datasets.mnist.load_data`` does it: from the Keras cache, else downloaded into that cache.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import UserError
from .spec import CLASSIFICATION_KINDS, FEATURES, DataSpec, SpecError

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
MNIST_SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}

#: The lecture's ten regression points (section 8.2, "overfitting in regression").
LECTURE_Y = np.array([0.9819, 0.7973, 1.9737, 0.1838, 1.3180, -0.8361, -0.6591, -2.4701, -2.8122, -6.2512])


class DataError(UserError):
    """A data set that cannot be had or used, with the reason in words."""


class DownloadCancelled(DataError):
    pass


@dataclass(frozen=True)
class Dataset:
    """Points (or images) and targets, split into a training and a test part.

    ``task`` is ``"binary"``, ``"multiclass"`` or ``"regression"``. ``bounds`` is the input range
    ``(x1_min, x1_max, x2_min, x2_max)`` for 2-D sets (for 1-D regression the x range and the y range).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str
    classes: int
    bounds: tuple[float, float, float, float]

    @property
    def has_test(self) -> bool:
        return len(self.x_test) > 0

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[1]) if self.x_train.ndim == 2 else 0


# ---------------------------------------------------------------------------------------------------
# 2-D classification

def _lecture_linear(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    x1 = 8 * rng.random((m, 1))
    x2 = 7 * rng.random((m, 1)) - 4
    return _lecture_stack(x1, x2, 0.8 * x1 + x2 - 3)


def _lecture_parabola(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    x1 = 10 * rng.random((m, 1)) - 5
    x2 = 8 * rng.random((m, 1)) - 4
    return _lecture_stack(x1, x2, -0.5 * (x1 - 1) ** 2 + 2 * x2 + 5)


def _lecture_stack(x1, x2, g) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 where g ≥ 0, stacked C1 first, then C0 — as the lecture's notebook builds train_X."""
    c1 = np.where(g >= 0)[0]
    c0 = np.where(g < 0)[0]
    x = np.vstack([np.hstack([x1[c1], x2[c1]]), np.hstack([x1[c0], x2[c0]])])
    y = np.concatenate([np.ones(len(c1)), np.zeros(len(c0))])
    return x, y


def _xor(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-5, 5, size=(m, 2))
    pad = 0.3
    x += np.where(x > 0, pad, -pad)  # keep a small gap around the axes, as Playground does
    return x, (x[:, 0] * x[:, 1] >= 0).astype(float)


def _circle(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    n_in = m // 2
    r = np.concatenate([rng.uniform(0, 2.0, n_in), rng.uniform(3.0, 5.0, m - n_in)])
    angle = rng.uniform(0, 2 * np.pi, m)
    x = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return x, np.concatenate([np.ones(n_in), np.zeros(m - n_in)])


def _gaussians(rng: np.random.Generator, m: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(m) % classes
    angle = 2 * np.pi * labels / classes + (np.pi / 4 if classes == 2 else np.pi / 2)
    centres = 2.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + rng.normal(0, 1.0, size=(m, 2)), labels.astype(float)


def _spiral(rng: np.random.Generator, m: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(m) % classes
    t = rng.uniform(0, 1, m)
    r = 5 * t
    angle = 1.75 * 2 * np.pi * t + 2 * np.pi * labels / classes
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)]), labels.astype(float)


_BOUNDS = {"linear": (0, 8, -4, 3), "parabola": (-5, 5, -4, 4)}


def _classification(spec: DataSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    m = spec.size
    if spec.kind == "linear":
        x, y = _lecture_linear(rng, m)
    elif spec.kind == "parabola":
        x, y = _lecture_parabola(rng, m)
    elif spec.kind == "xor":
        x, y = _xor(rng, m)
    elif spec.kind == "circle":
        x, y = _circle(rng, m)
    elif spec.kind == "gaussians":
        return (*_gaussians(rng, m, spec.classes), spec.classes)
    else:
        return (*_spiral(rng, m, spec.classes), spec.classes)
    return x, y, 2


# ---------------------------------------------------------------------------------------------------
# 1-D regression

def _regression(spec: DataSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if spec.kind == "lecture-points":
        return np.linspace(-4.5, 4.5, 10).reshape(-1, 1), LECTURE_Y.copy()
    x = np.sort(rng.uniform(-5, 5, spec.size)).reshape(-1, 1)
    if spec.kind == "sine":
        y = 2 * np.sin(x[:, 0])
    elif spec.kind == "cubic":
        y = 0.05 * x[:, 0] ** 3 - 0.5 * x[:, 0]
    else:  # step
        y = np.where(x[:, 0] >= 0, 1.5, -1.5)
    return x, y


def generate(spec: DataSpec) -> Dataset:
    """The data set ``spec`` describes, split into training and test points (2-D or 1-D only)."""
    spec.validate()
    if spec.kind == "mnist":
        raise DataError("MNIST is not generated; load it with load_mnist()")
    rng = np.random.default_rng(spec.seed)
    if spec.kind in CLASSIFICATION_KINDS:
        x, y, classes = _classification(spec, rng)
        task = "binary" if classes == 2 else "multiclass"
        if spec.noise > 0:
            x = x + rng.normal(0, spec.noise, size=x.shape)
        bounds = _BOUNDS.get(spec.kind) or _square_bounds(x)
    else:
        x, y = _regression(spec, rng)
        classes, task = 0, "regression"
        if spec.noise > 0:
            y = y + rng.normal(0, spec.noise, size=y.shape)
        bounds = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    x_train, y_train, x_test, y_test = split(x, y, spec.test_fraction, rng)
    return Dataset(spec.kind, x_train, y_train, x_test, y_test, task, classes, tuple(float(b) for b in bounds))


def _square_bounds(x: np.ndarray) -> tuple[float, float, float, float]:
    half = float(np.ceil(np.abs(x).max() + 0.5))
    return (-half, half, -half, half)


def split(x: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator):
    """Hold out ``test_fraction`` of the points, chosen at random; the rest keep their order."""
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    n_test = int(round(len(x) * test_fraction))
    if n_test == 0:
        return x, y, x[:0], y[:0]
    test = np.zeros(len(x), dtype=bool)
    test[rng.choice(len(x), size=n_test, replace=False)] = True
    return x[~test], y[~test], x[test], y[test]


def from_points(x: np.ndarray, y: np.ndarray, task: str, test_fraction: float = 0.0, seed: int = 0,
                name: str = "your data") -> Dataset:
    """A data set from points a user made or imported (2 columns for classification, 1 for regression)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[1] not in (1, 2) or len(x) != len(y) or len(x) == 0:
        raise DataError("points must be a table of x values with one target per row")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise DataError("points must be finite numbers")
    classes = 0
    if task != "regression":
        if (y != np.round(y)).any() or y.min() < 0 or y.max() > 9:
            raise DataError("class labels must be whole numbers from 0 to 9")
        classes = max(2, int(y.max()) + 1)
        task = "binary" if classes == 2 else "multiclass"
    bounds = _square_bounds(x) if x.shape[1] == 2 else (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    parts = split(x, y, test_fraction, np.random.default_rng(seed))
    return Dataset(name, *parts, task, classes, bounds)


# ---------------------------------------------------------------------------------------------------
# Input features (the lecture's "ANN as kernel learning")

def expand_features(points: np.ndarray, features: tuple[str, ...] | list[str]) -> np.ndarray:
    """Columns computed from 2-D points (x1, x2) in the order ``features`` names them, as float32."""
    points = np.asarray(points, dtype=np.float32)
    if not features or points.ndim != 2:
        return points
    if points.shape[1] == 1:  # 1-D regression: the only feature is x
        return points
    x1, x2 = points[:, 0], points[:, 1]
    table = {"x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1, "x2^2": lambda: x2 * x2,
             "x1*x2": lambda: x1 * x2, "sin(x1)": lambda: np.sin(x1), "sin(x2)": lambda: np.sin(x2)}
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise SpecError(f"unknown input feature(s): {', '.join(unknown)}")
    return np.column_stack([table[f]() for f in features]).astype(np.float32)


# ---------------------------------------------------------------------------------------------------
# MNIST, the Keras way

def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded data sets: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def mnist_cache_path() -> Path:
    return keras_cache_dir() / "mnist.npz"


def read_mnist_file(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read and check an ``mnist.npz``: (x_train, y_train, x_test, y_test) as uint8 arrays."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist or is not a file")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DataError(f"{path.name} is a single numpy array, not an MNIST .npz file")
        with loaded as npz:
            missing = [k for k in MNIST_SHAPES if k not in npz.files]
            if missing:
                raise DataError(f"{path.name} is not an MNIST file: it lacks {', '.join(missing)}")
            arrays = {k: npz[k] for k in MNIST_SHAPES}
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, zlib, npy and encryption errors all mean "damaged"
        raise DataError(f"{path.name} is not a readable MNIST .npz file ({type(exc).__name__})") from None
    for key, shape in MNIST_SHAPES.items():
        arr = arrays[key]
        if arr.dtype != np.uint8:
            raise DataError(f"{path.name} is not an MNIST file: {key} holds {arr.dtype}, not uint8")
        if arr.shape[1:] != shape[1:] or arr.ndim != len(shape) or len(arr) == 0:
            raise DataError(f"{path.name} is not an MNIST file: {key} has shape {arr.shape}, expected {shape}")
    for xs, ys in (("x_train", "y_train"), ("x_test", "y_test")):
        if len(arrays[xs]) != len(arrays[ys]):
            raise DataError(f"{path.name} is damaged: {len(arrays[xs])} images but {len(arrays[ys])} labels")
        if arrays[ys].max() > 9:
            raise DataError(f"{path.name} is damaged: {ys} holds labels above 9")
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


ProgressFn = Callable[[int, int], bool | None]


def _readable(tmp: str, target: Path) -> None:
    from .atomic import file_mode

    try:
        os.chmod(tmp, file_mode(target))
    except OSError:
        pass


def download_mnist(target: Path | None = None, progress: ProgressFn | None = None, url: str = MNIST_URL,
                   sha256: str | None = MNIST_SHA256, timeout: float = 30.0) -> Path:
    """Download ``mnist.npz`` into the Keras cache, atomically.

    ``progress(done_bytes, total_bytes)`` is called as data arrives; returning ``False`` cancels
    (:class:`DownloadCancelled`). A half-finished download never replaces a cache file.
    """
    import urllib.error
    import urllib.request

    target = Path(target) if target else mnist_cache_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the data folder {target.parent} ({exc.strerror})") from None
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(prefix=".mnist-", suffix=".part", dir=target.parent)
    try:
        _readable(tmp, target)  # mkstemp's file is private (0600): give it a new file's usual permissions
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - fixed https address
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DataError(f"could not download MNIST ({reason}); are you offline? "
                                f"Open a local mnist.npz file instead") from None
            with response:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                while True:
                    try:
                        chunk = response.read(1 << 16)
                    except (OSError, urllib.error.URLError) as exc:
                        raise DataError(f"the MNIST download broke off ({exc})") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None and progress(done, total) is False:
                        raise DownloadCancelled("the MNIST download was cancelled")
        if sha256 and digest.hexdigest() != sha256:
            raise DataError("the downloaded MNIST file is damaged (checksum mismatch); try again")
        read_mnist_file(tmp)
        os.replace(tmp, target)
        return target
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_mnist(path: str | os.PathLike | None = None, progress: ProgressFn | None = None,
               download: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST as Keras gives it: from ``path`` if given, else the Keras cache, else a download."""
    if path:
        return read_mnist_file(path)
    cached = mnist_cache_path()
    if cached.is_file():
        return read_mnist_file(cached)
    if not download:
        raise DataError(f"MNIST is not in the Keras cache ({cached}); download it or open a local mnist.npz")
    return read_mnist_file(download_mnist(cached, progress))


def mnist_dataset(path: str | os.PathLike | None = None, progress: ProgressFn | None = None,
                  size: int | None = None) -> Dataset:
    """MNIST scaled to [0, 1] floats, as the lecture does (``train_x / 255.0``)."""
    x_train, y_train, x_test, y_test = load_mnist(path, progress)
    if size:
        x_train, y_train = x_train[:size], y_train[:size]
    return Dataset("mnist", (x_train / np.float32(255)).astype(np.float32), y_train.astype(np.float32),
                   (x_test / np.float32(255)).astype(np.float32), y_test.astype(np.float32), *_MNIST_KIND)


_MNIST_KIND = ("multiclass", 10, (0.0, 28.0, 0.0, 28.0))  # task, classes, bounds


def mnist_stand_in(input_shape: tuple[int, ...] = (28, 28), rows: int = 8) -> Dataset:
    """A few blank images in MNIST's layout (with a test part, as MNIST has): for making a network's programs
    ready while the real images load (they do not depend on the data's size)."""
    x = np.zeros((rows, *input_shape), np.float32)
    y = np.zeros(rows, np.float32)
    return Dataset("mnist", x, y, x, y, *_MNIST_KIND)


def load(spec: DataSpec, progress: ProgressFn | None = None) -> Dataset:
    """Any data set a spec describes, MNIST included."""
    spec.validate()
    if spec.kind == "mnist":
        return mnist_dataset(spec.path or None, progress, size=spec.size if spec.size < 60000 else None)
    return generate(spec)
