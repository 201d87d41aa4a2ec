"""The real perceptron: one step neuron trained by the perceptron learning rule, in numpy.

The neuron says ŷ = 1 where a = w·x + b > 0, else 0. The step has no slope, so gradient descent cannot
train it; the perceptron rule does without one: in each epoch it visits the training points in order and,
for every point it gets wrong, moves the line toward it,

    w ← w + η (y − ŷ) x,    b ← b + η (y − ŷ).

An epoch without a single update means every point is on its side of the line: on data that a line can
split this happens after finitely many updates, and then nothing would ever change again, so the run ends
there by itself ("converged"). On XOR no line is right for every point and the updates never stop.

:class:`PerceptronTrainer` offers what the window's worker and the command line use of
:class:`~annstudio.core.engine.Trainer` (``run``, ``result``, ``epoch``, ``restore`` …) and hands out the
same :class:`~annstudio.core.epoch_report.EpochReport`, so it trains through the same controls and views,
without TensorFlow: it starts at once.
"""
from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Iterator

import numpy as np

from .control import NeuronEdit, TrainControl
from .datasets import Dataset, expand_features
from .epoch_report import EpochReport, Probes, TrainResult, _frozen, weight_histogram
from .errors import UserError
from .history import History
from .spec import NetworkSpec, TrainSpec, is_perceptron, perceptron_problems

LAYER = "dense_1"   #: the one layer's name, as the builder names it (see NetworkSpec.layer_names)
INIT_SCALE = 0.1    #: starting weights are drawn from a normal distribution of this spread (seeded)


class PerceptronError(UserError):
    """The perceptron cannot train this network or data, with the reason in words."""


def step(a: np.ndarray) -> np.ndarray:
    """The perceptron's activation: 1 where ``a`` > 0, else 0 (0 itself counts as "not fired")."""
    return (np.asarray(a) > 0).astype(np.float32)


def perceptron_epoch(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray, order: np.ndarray,
                     rate: float, frozen: bool = False) -> tuple[np.ndarray, float, int, int | None]:
    """One epoch of the perceptron rule over the points ``x[order]``; ``(w, b, updates, last updated index)``.

    Each point is judged with the weights as they are after the updates before it (online, not batch).
    """
    w = np.array(w, dtype=np.float64)
    b = float(b)
    updates, last = 0, None
    if frozen:
        return w, b, 0, None
    for i in order:
        guess = 1.0 if float(x[i] @ w) + b > 0 else 0.0
        error = float(y[i]) - guess
        if error:
            w += rate * error * x[i]
            b += rate * error
            updates += 1
            last = int(i)
    return w, b, updates, last


class PerceptronTrainer:
    """Trains one step neuron by the perceptron rule, epoch by epoch, reporting like the engine's Trainer."""

    def __init__(self, network: NetworkSpec, train: TrainSpec, data: Dataset, probes: Probes | None = None,
                 probe_interval: float = 0.0, **_engine_options) -> None:
        self.network = network.validate()
        self.train = train.validate()
        problems = perceptron_problems(network, train)
        if problems or not is_perceptron(network, train):
            raise PerceptronError("; ".join(problems) or "this network is not a perceptron")
        if data.task != "binary" or data.x_train.ndim != 2:
            raise PerceptronError("a perceptron separates two classes of points; this data set has "
                                  f"{'numbers to fit' if data.task == 'regression' else 'more than two classes'}")
        self.data = data
        self.probes = probes or Probes()
        self.model = None  # no Keras model: the weights live here
        self.x = self._inputs(data.x_train)
        self.y = np.asarray(data.y_train, dtype=np.float64).reshape(-1)
        if not len(self.x):
            raise PerceptronError("there are no training points to learn from")
        self.n_train = len(self.x)
        self.x_test = self._inputs(data.x_test) if data.has_test else None
        self.y_test = np.asarray(data.y_test, dtype=np.float64).reshape(-1) if data.has_test else None
        rng = np.random.default_rng(train.seed)
        self.w = rng.normal(0.0, INIT_SCALE, self.x.shape[1])
        self.b = 0.0
        self._rng = np.random.default_rng(train.seed + 1)
        self.learning_rate = float(train.learning_rate)
        self.batch_size = 1  # the rule looks at one point at a time
        self.epoch = 0
        self.batches = 0
        self.frozen = False
        self.last_point: tuple[float, float] | None = None
        self.last_updates = 0
        self.result: TrainResult | None = None
        self._grid = self._neuron_grid = None
        two_d = data.x_train.shape[1] == 2
        if self.probes.surface and two_d:
            self._grid = self._plane(self.probes.resolution)
        if self.probes.neuron_maps and two_d:
            self._neuron_grid = self._plane(self.probes.neuron_resolution)

    # data -----------------------------------------------------------------------------------------
    def _inputs(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        if self.network.features and points.ndim == 2:
            points = expand_features(points, self.network.features).astype(np.float64)
        if tuple(points.shape[1:]) != tuple(self.network.input_shape):
            raise PerceptronError(f"the network expects inputs of shape {tuple(self.network.input_shape)}, "
                                  f"but the data has {tuple(points.shape[1:])}")
        return points

    def _plane(self, resolution: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        x0, x1, y0, y1 = self.data.bounds
        xs = np.linspace(x0, x1, resolution, dtype=np.float32)
        ys = np.linspace(y0, y1, resolution, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys)
        return (xs, ys), self._inputs(np.column_stack([gx.ravel(), gy.ravel()]))

    # the interface of engine.Trainer --------------------------------------------------------------
    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """0 or 1 for each raw input point (expanded into the network's features), shape (n, 1)."""
        return step(self._inputs(inputs) @ self.w + self.b).reshape(-1, 1)

    def weights_snapshot(self) -> tuple:
        kernel = self.w.astype(np.float32).reshape(-1, 1)
        bias = np.array([self.b], dtype=np.float32)
        return ((LAYER, (_frozen(kernel), _frozen(bias))),)

    def restore(self, weights: tuple) -> None:
        """Put a :meth:`weights_snapshot` (or a saved workspace's weights) back."""
        try:
            kernel, bias = dict(weights)[LAYER][:2]
            kernel = np.asarray(kernel, dtype=np.float64).reshape(-1)
            bias = float(np.asarray(bias, dtype=np.float64).reshape(-1)[0])
        except (KeyError, TypeError, ValueError, IndexError):
            raise PerceptronError("these weights are not a perceptron's (one neuron, layer dense_1)") from None
        if kernel.shape != self.w.shape or not (np.isfinite(kernel).all() and math.isfinite(bias)):
            raise PerceptronError(f"a perceptron on these inputs needs {len(self.w)} finite weights and a bias")
        self.w, self.b = kernel, bias

    def apply_edit(self, edit: NeuronEdit) -> None:
        """The neuron editor's changes: its weights, its bias, frozen or not (an output cannot be off)."""
        if edit.layer != LAYER or edit.unit != 0:
            raise PerceptronError(f"the perceptron has one neuron, {LAYER} 1; there is no {edit.layer} {edit.unit + 1}")
        if edit.off:
            raise PerceptronError("an output neuron cannot be switched off; the perceptron has only this one")
        if edit.incoming is not None:
            incoming = np.asarray(edit.incoming, dtype=np.float64).reshape(-1)
            if incoming.shape != self.w.shape or not np.isfinite(incoming).all():
                raise PerceptronError(f"the perceptron needs {len(self.w)} finite incoming weights")
            self.w = incoming
        if edit.bias is not None:
            if not math.isfinite(edit.bias):
                raise PerceptronError("a bias must be a finite number")
            self.b = float(edit.bias)
        if edit.frozen is not None:
            self.frozen = bool(edit.frozen)

    def release(self) -> None:
        """Nothing to give back (the engine's trainers return compiled programs to a pool)."""

    def probe_report(self, started: float | None = None, message: str = "") -> EpochReport:
        """A report of the neuron as it is now (before training, or after an edit)."""
        return self._report(self._metrics(None), started or time.perf_counter(), partial=True, message=message)

    def train_to_end(self, epochs: int | None = None, control: TrainControl | None = None) -> TrainResult:
        for _ in self.run(epochs, control):
            pass
        assert self.result is not None
        return replace(self.result, owner=self)

    # reports --------------------------------------------------------------------------------------
    def _errors(self, x: np.ndarray, y: np.ndarray) -> int:
        return int(np.count_nonzero(step(x @ self.w + self.b) != y))

    def _metrics(self, updates: int | None) -> dict:
        wrong = self._errors(self.x, self.y)
        metrics = {"loss": float(wrong), "accuracy": 1.0 - wrong / self.n_train}
        if updates is not None:
            metrics["updates"] = float(updates)
        if self.x_test is not None:
            test_wrong = self._errors(self.x_test, self.y_test)
            metrics["test_loss"] = float(test_wrong)
            metrics["test_accuracy"] = 1.0 - test_wrong / len(self.x_test)
        return metrics

    def _report(self, metrics: dict, started: float, partial: bool = False, message: str = "") -> EpochReport:
        p = self.probes
        surface = axes = neuron_maps = neuron_axes = activations = histograms = None
        if self._grid is not None:
            axes, grid = self._grid
            res = len(axes[0])
            surface = _frozen(step(grid @ self.w + self.b).reshape(res, res))
        if self._neuron_grid is not None:
            neuron_axes, grid = self._neuron_grid
            res = len(neuron_axes[0])
            neuron_maps = (_frozen(step(grid @ self.w + self.b).reshape(res, res, 1)),)
        if p.activations:
            activations = (_frozen(step(self.x[:p.activation_limit] @ self.w + self.b).reshape(-1, 1)),)
        weights = self.weights_snapshot()
        if p.histograms:
            counted = ((name, weight_histogram(arrays[0], p.histogram_bins)) for name, arrays in weights)
            histograms = tuple((name, *found) for name, found in counted if found is not None)
        return EpochReport(epoch=self.epoch, batches=self.batches, metrics=metrics, weights=weights,
                           learning_rate=self.learning_rate, batch_size=1,
                           seconds=time.perf_counter() - started, partial=partial, message=message,
                           surface=surface, surface_axes=axes, activations=activations, histograms=histograms,
                           neuron_maps=neuron_maps, neuron_axes=neuron_axes, marked_point=self.last_point)

    # the loop -------------------------------------------------------------------------------------
    def _apply_edits(self, edits: list[NeuronEdit]) -> str:
        problems = []
        for edit in edits:
            try:
                self.apply_edit(edit)
            except PerceptronError as exc:
                problems.append(str(exc))
        return "; ".join(problems)

    def _train_epoch(self) -> int:
        order = self._rng.permutation(self.n_train) if self.train.shuffle else np.arange(self.n_train)
        self.w, self.b, updates, last = perceptron_epoch(self.w, self.b, self.x, self.y, order,
                                                          self.learning_rate, self.frozen)
        if last is not None:
            raw = np.asarray(self.data.x_train[last], dtype=np.float64).reshape(-1)
            self.last_point = tuple(float(v) for v in raw[:2]) if raw.size >= 2 else None
        self.last_updates = updates
        return updates

    def run(self, epochs: int | None = None, control: TrainControl | None = None) -> Iterator[EpochReport]:
        """Train up to ``epochs`` more epochs (default: the TrainSpec's), a report after each; it ends sooner
        by itself when an epoch made no update (converged). Then :attr:`result` says how it ended."""
        control = control or TrainControl()
        target = self.epoch + (epochs if epochs is not None else self.train.epochs)
        history = self.result.history if self.result else History()
        started = time.perf_counter()
        pending = control.take_edits()
        if pending or epochs == 0:
            yield self.probe_report(started, self._apply_edits(pending))
        stopped = converged = False
        next_at = 0.0
        while self.epoch < target:
            speed = control.speed
            if speed and not control.paused:
                if next_at > time.perf_counter():
                    control.wait_until(next_at)
                next_at = max(time.perf_counter(), next_at) + 1 / speed
            allowed = control.acquire(1)
            if allowed < 0:
                yield self.probe_report(started, self._apply_edits(control.take_edits()))
                continue
            if allowed == 0:
                stopped = True
                break
            rate, _ = control.take_settings()
            if rate is not None:
                self.learning_rate = float(rate)
            updates = self._train_epoch()
            self.epoch += 1
            self.batches += self.n_train
            control.epoch_finished()
            metrics = self._metrics(updates)
            history.append({"epoch": self.epoch, **metrics})
            yield self._report(metrics, started)
            if updates == 0 and not self.frozen:
                converged = True
                break
        if converged:
            message = (f"converged in epoch {self.epoch}: every training point is on its side of the line, "
                       "so the perceptron rule has nothing left to change")
        elif stopped:
            message = f"stopped after epoch {self.epoch}"
        else:
            message = ""
        self.result = TrainResult(None, history, stopped=stopped, message=message, converged=converged)
        return self.result


__all__ = ["LAYER", "PerceptronError", "PerceptronTrainer", "perceptron_epoch", "step"]
