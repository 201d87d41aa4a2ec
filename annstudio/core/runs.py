"""What a finished run leaves behind to compare, and the Qt-free maths of comparing runs: short names that
say how runs differ, and the decision boundary of a surface (marching squares)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .history import History, as_history

#: How a setting is called in a short run name ("lr 0.1 · batch 8"), in the order names list them.
SHORT_KEYS: dict[str, str] = {
    "workspace": "", "data": "", "features": "", "network": "", "optimizer": "", "loss": "",
    "learning rate": "lr", "batch size": "batch", "seed": "seed", "shuffle": "shuffle",
}
MAX_NAME = 48  # characters of a short name before it is cut with "…"


@dataclass
class Run:
    """What one run leaves to compare.

    ``history``: one row per epoch (``{"epoch": 1, "loss": …, "test_loss": …}``), kept as a
    :class:`~annstudio.core.history.History` (columns: a long run's million rows). ``data_key``: runs with
    equal keys were trained on the same data. ``curve``: (x, y) of a 1-D regression fit. ``surface``:
    the network's output on a grid, (len(ys), len(xs)) = p(class 1) or (…, classes), with ``axes`` =
    (xs, ys); a 1-D ``surface`` with ``axes`` = (xs,) is taken as the ``curve``. ``points``: the data to
    draw under the fits, (x, y) for regression or (inputs (n, 2), class labels (n,)) for 2-D data.
    """

    name: str
    history: History = field(default_factory=History)
    data_key: str = ""
    curve: tuple[np.ndarray, np.ndarray] | None = None
    surface: np.ndarray | None = None
    axes: tuple[np.ndarray, ...] | None = None
    points: tuple[np.ndarray, np.ndarray] | None = None
    grad_norms: tuple | None = None  # ((layer name, gradient norm), ...) at the end of the run
    settings: dict = field(default_factory=dict)  # what made the run, in words: {"optimizer": "Adam", …}
    data_label: str = ""   # the data in words ("Lecture: parabola · 1000 points · x₁, x₂")
    run_id: str = ""       # the same id again: the run went on (an edit, more epochs), not a new run

    def __post_init__(self) -> None:
        self.history = as_history(self.history)
        if self.surface is not None and np.ndim(self.surface) == 1 and self.curve is None:
            if self.axes is None or len(self.axes) != 1:
                raise ValueError("a fitted curve given as a 1-D surface needs axes=(xs,)")
            self.curve, self.surface, self.axes = (self.axes[0], self.surface), None, None
        if self.curve is not None:
            x, y = (np.asarray(a, dtype=np.float64).reshape(-1) for a in self.curve)
            if len(x) != len(y):
                raise ValueError(f"the fitted curve has {len(x)} x values but {len(y)} y values")
            self.curve = (x, y)
        if self.surface is not None:
            self.surface = np.asarray(self.surface, dtype=np.float64)
            if self.axes is None or len(self.axes) != 2:
                raise ValueError("a decision surface needs axes=(xs, ys)")
            xs, ys = (np.asarray(a, dtype=np.float64) for a in self.axes)
            if self.surface.shape[:2] != (len(ys), len(xs)):
                raise ValueError(f"the surface is {self.surface.shape[:2]} but the axes are "
                                 f"{len(ys)} rows by {len(xs)} columns")
            self.axes = (xs, ys)
        if self.points is not None:
            self.points = (np.asarray(self.points[0], dtype=np.float64), np.asarray(self.points[1]))

    @property
    def kind(self) -> str:
        """``"curve"`` (1-D regression fit), ``"surface"`` (2-D decision surface) or ``""`` (loss only)."""
        return "curve" if self.curve is not None else "surface" if self.surface is not None else ""

    def final(self, key: str = "loss") -> float:
        values = self.history.column(key)
        values = values[np.isfinite(values)]
        return float(values[-1]) if len(values) else math.nan


# ---------------------------------------------------------------------------------------------------
# numpy helpers (no Qt)

def contour_segments(values: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float = 0.5) -> np.ndarray:
    """Marching squares: where ``values`` (rows along ``ys``, columns along ``xs``) crosses ``level``.

    Returns (segments, 2 end points, xy) in data coordinates, with positions linearly interpolated along
    the grid's edges; saddle cells are split by the cell's mean value.
    """
    f = np.nan_to_num(np.asarray(values, dtype=np.float64) - level, nan=-1.0)
    if f.ndim != 2 or min(f.shape) < 2:
        return np.empty((0, 2, 2))
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    inside = f >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        th = np.clip(f[:, :-1] / (f[:, :-1] - f[:, 1:]), 0, 1)      # along x, on every row
        tv = np.clip(f[:-1, :] / (f[:-1, :] - f[1:, :]), 0, 1)      # along y, on every column
    hx = xs[:-1] + th * np.diff(xs)
    hy = np.broadcast_to(ys[:, None], hx.shape)
    vy = ys[:-1, None] + tv * np.diff(ys)[:, None]
    vx = np.broadcast_to(xs[None, :], vy.shape)
    hcross = inside[:, :-1] != inside[:, 1:]
    vcross = inside[:-1, :] != inside[1:, :]
    # each cell's edges in the order bottom, right, top, left: crossings and crossing points
    flags = np.stack([hcross[:-1], vcross[:, 1:], hcross[1:], vcross[:, :-1]])
    pts = np.stack([np.stack([hx[:-1], hy[:-1]], -1), np.stack([vx[:, 1:], vy[:, 1:]], -1),
                    np.stack([hx[1:], hy[1:]], -1), np.stack([vx[:, :-1], vy[:, :-1]], -1)])
    count = flags.sum(axis=0)
    segments = []
    two = count == 2
    if two.any():
        f2 = flags[:, two]
        first = np.argmax(f2, axis=0)
        second = 3 - np.argmax(f2[::-1], axis=0)
        p2 = pts[:, two]
        cols = np.arange(p2.shape[1])
        segments.append(np.stack([p2[first, cols], p2[second, cols]], axis=1))
    four = count == 4
    if four.any():
        p4 = pts[:, four]
        corners = (f[:-1, :-1] + f[:-1, 1:] + f[1:, 1:] + f[1:, :-1])[four] / 4
        joined = (corners >= 0) == inside[:-1, :-1][four]   # the bottom-left corner reaches the centre
        b, r, t, l = p4
        j = joined[:, None]
        segments.append(np.stack([b, np.where(j, r, l)], axis=1))   # cuts off the bottom-right / -left corner
        segments.append(np.stack([np.where(j, l, r), t], axis=1))   # cuts off the top-left / -right corner
    return np.concatenate(segments) if segments else np.empty((0, 2, 2))


def boundary_segments(surface: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The decision boundary of a (rows, cols) p(class 1) grid at 0.5, or where the most likely class
    changes on a (rows, cols, classes) grid."""
    surface = np.asarray(surface, dtype=np.float64)
    if surface.ndim == 2:
        return contour_segments(surface, xs, ys, 0.5)
    parts = []
    for c in range(surface.shape[-1]):
        others = np.delete(surface, c, axis=-1).max(axis=-1)
        parts.append(contour_segments(surface[..., c] - others, xs, ys, 0.0))
    return np.concatenate(parts) if parts else np.empty((0, 2, 2))


def layers_text(layers) -> str:
    """Hidden layers in words, repeats folded: "Dense(16, sigmoid) ×8 → Dropout(0.2)"."""
    parts: list[list] = []
    for text in (layer.describe() for layer in layers):
        if parts and parts[-1][0] == text:
            parts[-1][1] += 1
        else:
            parts.append([text, 1])
    return " → ".join(text if n == 1 else f"{text} ×{n}" for text, n in parts) or "no hidden layer"


def run_name(layers, epoch: int, prefix: str = "") -> str:
    """A name for a run: its hidden layers, repeats folded ("Dense(16, sigmoid) ×8"), and its epoch."""
    return f"{prefix}{layers_text(layers)} · epoch {epoch}"


OPTIMIZER_WORDS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
LOSS_WORDS = {"binary_crossentropy": "binary cross-entropy",
              "sparse_categorical_crossentropy": "categorical cross-entropy", "mse": "mean squared error"}


def run_settings(workspace: str, network, train, data_label: str = "") -> dict:
    """What made a run, in words, for :func:`short_names` and a run's tool tip (``network`` a NetworkSpec,
    ``train`` a TrainSpec)."""
    hidden = [layer for layer in network.layers[:-1] if layer.kind != "flatten"]
    return {"workspace": workspace, "data": data_label,
            "features": ", ".join(network.features) if network.features else "",
            "network": layers_text(hidden),
            "optimizer": OPTIMIZER_WORDS.get(train.optimizer, train.optimizer),
            "loss": LOSS_WORDS.get(train.loss, train.loss),
            "learning rate": float(train.learning_rate), "batch size": int(train.batch_size),
            "seed": int(train.seed), "shuffle": "on" if train.shuffle else "off",
            **({"augmentation": train.augmentation.describe()} if train.augmentation.active else {})}


def _setting_text(key: str, value) -> str:
    short = SHORT_KEYS.get(key, key)
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{short} {text}" if short else text


def short_names(runs: "list[Run]") -> list[str]:
    """A short name for each run that says how it differs from the others: the workspace and the few
    settings whose values are not the same in all ``runs`` ("Playground · lr 0.3", "MNIST · Adam").

    Runs without ``settings`` keep their own name. Where nothing tells two runs apart, they are numbered.
    """
    described = [r for r in runs if r.settings]
    keys = [k for k in dict.fromkeys(k for r in described for k in r.settings) if k != "workspace"]
    differ = [k for k in keys if len({repr(r.settings.get(k)) for r in described}) > 1]
    names = []
    for run in runs:
        if not run.settings:
            names.append(run.name)
            continue
        parts = [str(run.settings.get("workspace", ""))] if run.settings.get("workspace") else []
        parts += [_setting_text(k, run.settings[k]) for k in differ if run.settings.get(k) not in (None, "")]
        name = " · ".join(parts) or "run"
        names.append(name if len(name) <= MAX_NAME else name[:MAX_NAME - 1].rstrip() + "…")
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            name = f"{name} #{seen[name]}"
        unique.append(name)
    return unique


def describe_run(run: "Run") -> str:
    """Everything about a run in a few lines (a tool tip): epochs, final losses, data and settings."""
    epochs = len(run.history)
    parts = [f"{epochs} epoch{'s' if epochs != 1 else ''}"]
    loss = run.final("loss")
    if math.isfinite(loss):
        parts.append(f"final training loss {loss:.4g}")
    test = run.final("test_loss")
    if math.isfinite(test):
        parts.append(f"test loss {test:.4g}")
    lines = [", ".join(parts)]
    if run.data_label:
        lines.append(f"data: {run.data_label}")
    lines += [f"{key}: {_setting_text('', value)}" for key, value in run.settings.items() if key != "data"]
    return "\n".join(lines)
