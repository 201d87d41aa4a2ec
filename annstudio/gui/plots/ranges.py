"""Axis ranges for plots that change while a network trains.

Every change of a pyqtgraph axis's range re-computes its ticks and re-draws its labels (and the grid);
fitted afresh to the data on every frame that is most of a frame's cost. While training, these ranges
stay put and grow in steps instead; after it, plots fit their data exactly.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

GROW_MARGIN = 0.25   # a value axis that must grow gets this share of the data's span to spare


def nice_ceiling(value: float) -> float:
    """The smallest of 10, 20, 50, 100, 200, 500, … that is at least ``value``."""
    nice = 10.0
    while nice < value:
        for step in (2.0, 2.5, 2.0):  # 10 → 20 → 50 → 100
            nice *= step
            if nice >= value:
                break
    return nice


def live_epoch_range(first: float, last: float, current: tuple[float, float] | None) -> tuple[float, float]:
    """The epoch axis while training: from the first epoch to a round number past the last one.

    It stays put until the epochs pass its end, then grows to the next 1-2-5 number (about doubling).
    """
    if current is not None and current[0] == first and current[1] >= last:
        return current
    return first, first + nice_ceiling(max(last - first, 1.0))


def live_value_range(lo: float, hi: float, current: tuple[float, float] | None,
                     floor: float | None = None, ceiling: float | None = None) -> tuple[float, float]:
    """A value axis while training: unchanged while the data ``lo`` … ``hi`` stay inside it, else grown
    with some room to spare (so it grows rarely), never past ``floor`` / ``ceiling``."""
    if current is not None and current[0] <= lo and hi <= current[1]:
        return current
    span = hi - lo
    if span <= 0:
        span = max(abs(hi), 1e-3)
    margin = GROW_MARGIN * span if current is not None else 0.1 * span
    a = lo - margin if current is None or lo < current[0] else current[0]
    b = hi + margin if current is None or hi > current[1] else current[1]
    if floor is not None and lo >= floor:
        a = max(a, floor)
    if ceiling is not None and hi <= ceiling:
        b = min(b, ceiling)
    return a, b


class CachedAxis(pg.AxisItem):
    """An axis kept as a pixmap between changes of its range.

    With a grid, an axis covers the whole plot, so every new curve point used to repaint its ticks, labels
    and grid lines (~2 ms an axis on a software-rendered screen); from the pixmap it is one copy. Exports
    (PNG, SVG) draw it afresh, as vectors.

    Its room for the tick labels only grows: pyqtgraph shrank it whenever the labels became 10 pixels
    narrower ("0.125" → "0.2" as a live range grew), which moved the plot inside its layout, so on the next
    turn every axis there was laid out and painted again (a 25-40 ms pause of the window while training).
    """

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setStyle(autoReduceTextSpace=False)

    def setExportMode(self, export: bool, opts: dict | None = None) -> None:  # noqa: N802 - pyqtgraph's name
        self.setCacheMode(QGraphicsItem.CacheMode.NoCache if export
                          else QGraphicsItem.CacheMode.DeviceCoordinateCache)
        super().setExportMode(export, opts)


class EpochAxis(CachedAxis):
    """An epoch axis: epochs are whole numbers, so a short run gets no ticks at 1.5 or 2.5."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802,N803 - pyqtgraph's
        levels = super().tickSpacing(minVal, maxVal, size)
        whole = [(spacing, offset) for spacing, offset in levels if spacing >= 1]
        return whole or [(1.0, 0.0)]


def cached_axes(epochs: bool = False) -> dict[str, CachedAxis]:
    """The left and bottom axes for ``PlotItem(axisItems=...)`` (pyqtgraph shows every axis given there);
    ``epochs``: the bottom axis counts epochs (whole numbers only)."""
    return {"left": CachedAxis("left"), "bottom": EpochAxis("bottom") if epochs else CachedAxis("bottom")}
