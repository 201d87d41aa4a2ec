"""The loss plot's data: the rows shown as growing numpy columns with their running extents
(:class:`CurveBuffers`), and a long curve thinned to the lowest and highest value of each run of epochs while
it trains (:class:`Peaks`). Qt-free, so that a frame's cost does not grow with the run.
"""
from __future__ import annotations

import math

import numpy as np

from ...core.history import History

#: While training, a curve is drawn from at most this many (lowest, highest) pairs plus its newest epochs.
PEAK_BUCKETS = 1024


class CurveBuffers(History):
    """The rows shown: a :class:`~annstudio.core.history.History` (columns) that also keeps each column's
    running extent, so that neither a redraw nor an axis range looks at every epoch again. Rows without
    an epoch get their place in the run."""

    def __init__(self) -> None:
        super().__init__()
        self.extent: dict[str, tuple[float, float, float]] = {}  # key -> (min, max, smallest value > 0)

    def add(self, rows: list[dict]) -> None:
        start = len(self)
        self.extend(rows)
        if "epoch" not in self._cols:
            self._cols["epoch"] = np.full(self._cap, np.nan)
        added = self._cols["epoch"][start:len(self)]
        missing = np.isnan(added)
        if missing.any():
            added[missing] = np.arange(start + 1, len(self) + 1, dtype=float)[missing]
        for key in self.keys():
            if key != "epoch":
                self._grow_extent(key, self.values(key)[start:])

    def _grow_extent(self, key: str, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if not len(finite):
            return
        positive = finite[finite > 0]
        low, high = float(finite.min()), float(finite.max())
        smallest = float(positive.min()) if len(positive) else math.inf
        if key in self.extent:
            a, b, c = self.extent[key]
            low, high, smallest = min(a, low), max(b, high), min(c, smallest)
        self.extent[key] = (low, high, smallest)

    @property
    def n(self) -> int:
        return len(self)

    @property
    def epoch(self) -> np.ndarray:
        return self.values("epoch")


class Peaks:
    """A long curve as the lowest and highest value of each run of epochs ("bucket"), for drawing while
    it trains: at most :data:`PEAK_BUCKETS` buckets, whose length doubles when they are full, so a frame
    draws a few thousand points however many epochs there are, and only new epochs are looked at."""

    def __init__(self) -> None:
        self.size = 1
        self.done = 0                 # values folded into buckets
        self.x = np.empty(0)          # each bucket's first epoch
        self.low = np.empty(0)
        self.high = np.empty(0)

    def curve(self, epochs: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points to draw for the whole column: bucket minima and maxima, then the newest epochs as they are."""
        n = len(values)
        whole = (n - self.done) // self.size
        if whole:
            end = self.done + whole * self.size
            block = values[self.done:end].reshape(whole, self.size)
            self.x = np.concatenate([self.x, epochs[self.done:end:self.size]])
            with np.errstate(invalid="ignore"):
                self.low = np.concatenate([self.low, np.fmin.reduce(block, axis=1)])
                self.high = np.concatenate([self.high, np.fmax.reduce(block, axis=1)])
            self.done = end
            while len(self.x) > PEAK_BUCKETS:
                self._merge()
        x = np.concatenate([np.repeat(self.x, 2), epochs[self.done:]])
        y = np.concatenate([np.column_stack([self.low, self.high]).ravel(), values[self.done:]])
        return x, y

    def _merge(self) -> None:
        """Buckets twice as long: pairs joined (an odd last bucket is folded again later)."""
        pairs = len(self.x) // 2
        self.done -= (len(self.x) - 2 * pairs) * self.size
        self.x = self.x[:2 * pairs:2]
        self.low = np.fmin(self.low[:2 * pairs:2], self.low[1:2 * pairs:2])
        self.high = np.fmax(self.high[:2 * pairs:2], self.high[1:2 * pairs:2])
        self.size *= 2
