"""What a trainer hands whoever watches it: the probes it computes, an immutable report per epoch, and
the result at the end.

Kept apart from :mod:`engine` (which loads TensorFlow) so that a trainer without TensorFlow, such as
:mod:`perceptron`'s, hands out the very same objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .history import History

if TYPE_CHECKING:
    import keras


@dataclass(frozen=True)
class Probes:
    """What to compute with every report besides losses and weights (all inside the graph)."""

    surface: bool = False
    resolution: int = 200
    activations: bool = False          # every layer's output for the training inputs (or ``activation_inputs``)
    activation_limit: int = 1000       # at most this many inputs
    grad_norms: bool = False
    histograms: bool = False
    histogram_bins: int = 30
    neuron_maps: bool = False          # every layer's output on a coarse grid over the input plane (2-D data)
    neuron_resolution: int = 40
    optimizer_state: bool = False      # Adam's moving averages m and v and its step count, with the weights
    parameters_up_to: int = 0          # every report carries all weights (``EpochReport.parameters``), also the
    # metrics-only ones, when the network has at most this many numbers in its weights (0: never)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class EpochReport:
    """An immutable snapshot of training after an epoch (or, when stepping, after a batch).

    ``metrics`` holds ``loss`` and, where they apply, ``accuracy``, ``test_loss``, ``test_accuracy``,
    ``rmse``, ``r2``, ``test_rmse``, ``test_r2``. ``weights`` maps a layer name to copies of its weight
    arrays (kernel, bias; BatchNormalization's gamma, beta, moving mean and variance).
    """

    epoch: int                      # epochs finished (an interrupted epoch counts when ``partial``)
    batches: int                    # batches trained in total
    metrics: dict
    weights: tuple | None           # ((layer name, (array, ...)), ...); None in a metrics-only report
    learning_rate: float
    batch_size: int
    seconds: float                  # wall time since training started
    partial: bool = False           # True: reported in the middle of an epoch (batch step or stop)
    message: str = ""               # something the user should read (e.g. why an edit was refused)
    surface: np.ndarray | None = None        # (res, res) or (res, res, classes); 1-D data: (res,)
    surface_axes: tuple | None = None        # (xs, ys) of the grid, or (xs,) for a curve
    activations: tuple | None = None         # one array per layer
    grad_norms: tuple | None = None          # ((layer name, norm), ...)
    histograms: tuple | None = None          # ((layer name, counts, edges), ...)
    neuron_maps: tuple | None = None         # one (res, res, units) array per layer: its output over the plane
    neuron_axes: tuple | None = None         # (xs, ys) of the neuron maps' grid
    marked_point: tuple | None = None        # (x1, x2) of a data point to mark: the perceptron's last update
    adam: tuple | None = None                # (steps taken, ((layer name, ((m, v) per weight array)), ...))
    parameters: tuple | None = None          # the weights as ``weights`` has them, in every report of a small
    # network (see Probes.parameters_up_to): the loss landscape's path gets a point per epoch

    @property
    def loss(self) -> float:
        return self.metrics["loss"]

    def layer_weights(self, name: str) -> tuple:
        return dict(self.weights)[name]


@dataclass
class TrainResult:
    model: "keras.Model | None"     # None: a trainer without a Keras model (the perceptron)
    history: History = field(default_factory=History)
    stopped: bool = False
    diverged: bool = False
    message: str = ""
    converged: bool = False  # it ended by itself: nothing left to learn (the perceptron on separable data)
    stopped_epoch: int | None = None  # the epoch after which a stopping rule ended the run (core/stopping.py)
    best_epoch: int | None = None     # early stopping's best epoch (its weights are kept when restoring)
    kept: dict = field(default_factory=dict)  # the validation metrics of the weights kept at the end
    # train_to_end's result keeps its trainer alive, so that ``model`` stays this training's model even
    # when the caller drops the trainer (its programs are otherwise handed on to the next trainer)
    owner: object = field(default=None, repr=False, compare=False)

    @property
    def final(self) -> dict:
        return self.history[-1] if self.history else {}


def weight_histogram(values: np.ndarray, bins: int) -> "tuple[np.ndarray, np.ndarray] | None":
    """``np.histogram(values, bins)``, or None for values it cannot count: not finite (a diverged run), or so
    huge and close together that even float64 has no room for that many bins between them (float32 values
    are counted in float64 when only float32 has no room)."""
    values = np.asarray(values)
    if not np.isfinite(values).all():
        return None
    for kind in (values.dtype, np.float64):
        try:
            return np.histogram(values.astype(kind), bins=bins)
        except ValueError:  # "Too many bins for data range": then in float64, else left out
            continue
    return None
