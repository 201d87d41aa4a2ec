"""The loss landscape: the loss over a grid of two chosen parameters, every other one held.

The whole grid is one numpy forward pass: a layer whose weights change across the grid gets a kernel per
grid point, ``(points, inputs, units)``, and everything from there on carries a grid axis. Chunks keep
memory small (a few million numbers at a time). Losses are computed as Keras computes them
(:mod:`annstudio.core.backprop`), averaged over the samples; a layer's L1/L2 penalty is not included.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .backprop import (CannotExplain, DenseLayer, activate, check_loss, loss_name, loss_values,
                       parameter_name, target_vector)

# grid points × samples × widest layer computed at once: arrays of ~2 MB. With 4 million (30 MB arrays, each
# a fresh mmap and thousands of page faults) the job made the window's thread wait 40-80 ms at a time while
# it ran beside training (``ui_latency``); smaller chunks also compute 1.2-2x faster (they stay in cache)
CHUNK_NUMBERS = 250_000


@dataclass(frozen=True)
class Param:
    """One parameter of a chain of Dense layers: the weight from neuron ``source`` of the layer below to
    neuron ``unit`` of Dense layer ``layer`` (0-based), or with ``source`` None that neuron's bias."""

    layer: int
    source: int | None
    unit: int

    @property
    def label(self) -> str:
        return parameter_name(self.layer + 1, self.source, self.unit)

    def value(self, chain: Sequence[DenseLayer]) -> float:
        self.check(chain)
        layer = chain[self.layer]
        return float(layer.bias[self.unit] if self.source is None else layer.kernel[self.source, self.unit])

    def value_in(self, weights: Sequence) -> float:
        """Its value in ``((name, (kernel, bias)), ...)`` weights of Dense layers only, in order."""
        arrays = [a for _, a in weights if len(a)][self.layer]
        return float(arrays[1][self.unit] if self.source is None else arrays[0][self.source, self.unit])

    def check(self, chain: Sequence[DenseLayer]) -> None:
        ok = 0 <= self.layer < len(chain) and 0 <= self.unit < chain[self.layer].units and \
            (self.source is None or 0 <= self.source < chain[self.layer].inputs)
        if not ok:
            raise CannotExplain(f"{self.label} is not a parameter of this network")


def targets(y: np.ndarray, units: int, loss: str) -> np.ndarray:
    """Targets as ``(samples, units)``: class numbers become one-hot rows for the categorical losses."""
    y = np.asarray(y, dtype=np.float64)
    rows = len(y)
    if y.ndim == 2 and y.shape[1] == units and loss != "sparse_categorical_crossentropy":
        return y
    if y.size != rows:
        raise CannotExplain(f"each target must have {units} values or be one class number")
    if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy") and units > 1:
        return np.stack([target_vector(v, units, loss) for v in y.ravel()])
    if units != 1:
        raise CannotExplain(f"each target must have {units} values (one per output neuron)")
    return y.reshape(rows, 1)


def loss_grid(chain: Sequence[DenseLayer], x: np.ndarray, y: np.ndarray, loss: str, first: Param,
              second: Param, first_values: Sequence[float], second_values: Sequence[float]) -> np.ndarray:
    """The mean loss over samples ``x`` with targets ``y`` for every pair of values:
    ``result[i, j]`` has ``second = second_values[i]`` and ``first = first_values[j]`` (rows follow the
    vertical axis, as an image does)."""
    loss = loss_name(loss)
    if not chain:
        raise CannotExplain("the network has no Dense layer")
    first.check(chain)
    second.check(chain)
    if first == second:
        raise CannotExplain("choose two different parameters")
    check_loss(loss, chain[-1].activation, chain[-1].units)
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if x.shape[1] != chain[0].inputs:
        raise CannotExplain(f"the network takes {chain[0].inputs} inputs, the samples have {x.shape[1]}")
    t = targets(y, chain[-1].units, loss)
    grid_first, grid_second = np.meshgrid(np.asarray(first_values, float), np.asarray(second_values, float))
    pairs = np.stack([grid_first.ravel(), grid_second.ravel()], axis=1)
    widest = max(layer.units for layer in chain)
    chunk = max(1, CHUNK_NUMBERS // max(1, len(x) * widest))
    losses = np.concatenate([_chunk_losses(chain, x, t, loss, first, second, pairs[i:i + chunk])
                             for i in range(0, len(pairs), chunk)])
    return losses.reshape(grid_first.shape)


def _chunk_losses(chain, x, t, loss, first: Param, second: Param, pairs: np.ndarray) -> np.ndarray:
    """The losses at ``pairs`` of values. A changed weight changes one weighted sum by (change) · (its
    input), so a varied layer is its ordinary product plus that correction: no matrix per grid point."""
    h = x  # (samples, inputs); gains a leading grid axis at the first layer that varies
    for index, layer in enumerate(chain):
        if h.ndim == 2:
            a = h @ layer.kernel + layer.bias
        else:
            a = (h.reshape(-1, h.shape[-1]) @ layer.kernel).reshape(h.shape[0], h.shape[1], -1) + layer.bias
        varied = [(p, pairs[:, k]) for k, p in enumerate((first, second)) if p.layer == index]
        if varied:
            if a.ndim == 2:
                a = np.repeat(a[None], len(pairs), axis=0)
            for p, values in varied:
                if p.source is None:
                    a[:, :, p.unit] += (values - layer.bias[p.unit])[:, None]
                else:
                    incoming = h[:, :, p.source] if h.ndim == 3 else h[None, :, p.source]
                    a[:, :, p.unit] += (values - layer.kernel[p.source, p.unit])[:, None] * incoming
        h = activate(a, layer.activation)
    per_sample = loss_values(a, h, t, loss, chain[-1].activation)  # (grid, samples)
    return per_sample.mean(axis=-1)


def work(chain: Sequence[DenseLayer], samples: int, points: int) -> int:
    """About how many multiplications a grid of ``points`` takes over ``samples`` (to size the grid)."""
    return points * samples * sum(layer.inputs * layer.units for layer in chain)


def span(values: Sequence[float], margin: float = 0.5, least: float = 1.0) -> tuple[float, float]:
    """A range that holds ``values`` (a parameter's path) with room around them: ``margin`` of the
    path's extent on each side, and at least ``least`` on each side of its middle."""
    values = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if values.size == 0:
        return -least, least
    low, high = float(values.min()), float(values.max())
    middle, half = (low + high) / 2, max((high - low) / 2 * (1 + 2 * margin), least)
    return middle - half, middle + half
