"""What each neuron computes over the input plane: one small picture per neuron, as in TensorFlow Playground.

Every hidden Dense (and Activation) layer and the output layer gets a row of tiles; tile *k* of a layer
shows that layer's output *k* at each point (x1, x2) of the plane: orange where it is low, white in the
middle, blue where it is high. The colour range is the same for all neurons of a layer (sigmoid 0…1, tanh
−1…1, otherwise symmetric around 0), so tiles of one layer can be compared.

The helpers at the top (layer names, titles, colour ranges, the colour table) are shared with the network
diagram, so a neuron looks the same in both.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ...core.spec import NetworkSpec
from .. import style
from ..crash import qt_override

MAX_TILES = 64
COLUMNS = 8

_TILE_TIP = ("What this neuron outputs at every point of the input plane (x1 across, x2 up): "
             "blue = high, white = middle, orange = low.")


# ---------------------------------------------------------------------------------------------------
# Shared helpers

def layer_names(spec: NetworkSpec) -> list[str]:
    """The Keras name of every layer of ``spec``, as the builder names them (``dense_1``, ``dropout_1`` …)."""
    return spec.layer_names()


def layer_titles(spec: NetworkSpec) -> list[str]:
    """A name a student reads for every layer: ``layer 1``, ``layer 2`` … for hidden Dense layers, ``output``
    for the last one; other layers are named after the Dense layer they follow (``layer 1 tanh``)."""
    dense_at = [i for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
    last = dense_at[-1] if dense_at else -1
    titles, current = [], "input"
    for i, layer in enumerate(spec.layers):
        if layer.kind == "dense":
            current = "output" if i == last else f"layer {dense_at.index(i) + 1}"
            titles.append(current)
        elif layer.kind == "activation":
            titles.append(f"{current} {layer.activation}")
        else:
            titles.append(f"{current} {layer.describe()}")
    return titles


def output_activations(spec: NetworkSpec) -> list[str]:
    """For every layer, the activation its outputs follow (what sets their colour range)."""
    found, current = [], "linear"
    for layer in spec.layers:
        if layer.kind in ("dense", "activation"):
            current = layer.activation
        elif layer.kind == "batchnorm":
            current = "linear"
        found.append(current)
    return found


def levels_for(activation: str, values: np.ndarray) -> tuple[float, float]:
    """The colour range of a layer's outputs: fixed for squashing functions, symmetric around 0 otherwise."""
    if activation in ("sigmoid", "softmax", "step"):
        return (0.0, 1.0)
    if activation == "tanh":
        return (-1.0, 1.0)
    finite = values[np.isfinite(values)] if values.size else values
    top = float(np.max(np.abs(finite))) if finite.size else 1.0
    top = max(top, 1e-6)
    return (-top, top)


def _diverging_lut() -> np.ndarray:
    """256 RGBA colours: orange (low) → white → blue (high)."""
    low, mid, high = np.array(style.NEGATIVE, float), np.array((255.0, 255.0, 255.0)), np.array(style.POSITIVE, float)
    t = np.linspace(0.0, 1.0, 256)[:, None]
    rgb = np.where(t < 0.5, low + (mid - low) * (t / 0.5), mid + (high - mid) * ((t - 0.5) / 0.5))
    lut = np.empty((256, 4), np.uint8)
    lut[:, :3] = np.round(rgb).astype(np.uint8)
    lut[:, 3] = 255
    return lut


LUT = _diverging_lut()


def colorize(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """``values`` (any shape) as RGBA uint8 colours of :data:`LUT` (shape + (4,))."""
    lo, hi = levels
    scaled = (np.nan_to_num(np.asarray(values, np.float32)) - lo) * (255.0 / max(hi - lo, 1e-12))
    return LUT[np.clip(scaled, 0, 255).astype(np.uint8)]


def map_layers(spec: NetworkSpec) -> list[int]:
    """Indices of the layers that get pictures: hidden Dense and Activation layers and the output layer."""
    return [i for i, layer in enumerate(spec.layers) if layer.kind in ("dense", "activation")]


def layer_units(spec: NetworkSpec) -> list[int | None]:
    """How many outputs each layer has (None where it depends on an image shape before a Flatten)."""
    width: int | None = int(np.prod(spec.input_shape)) if len(spec.input_shape) == 1 else None
    found = []
    for layer in spec.layers:
        if layer.kind == "dense":
            width = layer.units
        elif layer.kind == "flatten":
            width = int(np.prod(spec.input_shape))
        found.append(width)
    return found


# ---------------------------------------------------------------------------------------------------

class NeuronMaps(QWidget):
    """A grid of small pictures, one per neuron, of what it outputs over the input plane."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Each small picture shows what one neuron computes for every point of the input plane. "
                        "Blue = high output, orange = low, white = in between.")
        self._note = QLabel("Build a network with two inputs to see what its neurons compute.")
        self._note.setWordWrap(True)
        self._note.setToolTip("What these pictures are and how many of them are shown.")
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground(style.BACKGROUND)
        self._graphics.setToolTip(self.toolTip())
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setWidget(self._graphics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._note)
        layout.addWidget(self._scroll, 1)
        self._spec: NetworkSpec | None = None
        self._tiles: dict[int, list[pg.ImageItem]] = {}   # spec layer index -> one image per shown unit
        self._titles: dict[int, list[str]] = {}
        self._units: dict[int, int] = {}
        self._activation: list[str] = []
        self._tile_rows = 0
        self._shape: tuple | None = None

    # building ------------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec) -> None:
        """Make the tiles for ``spec`` (once per network); they stay blank until :meth:`update_maps`."""
        self._graphics.clear()
        self._tiles, self._titles, self._units = {}, {}, {}
        self._spec, self._shape = spec, None
        self._activation = output_activations(spec)
        self._tile_rows = 0
        if not spec.features:   # images or 1-D inputs: there is no plane of (x1, x2) to draw over
            self._note.setText("These pictures show what each neuron computes over the plane of two inputs "
                               "(x1, x2); this network's inputs are not such points, so there is nothing to draw.")
            return
        titles, units = layer_titles(spec), layer_units(spec)
        wanted = [(i, units[i] or 0) for i in map_layers(spec)]
        total = sum(n for _, n in wanted)
        left, row = MAX_TILES, 0
        for i, n in wanted:
            shown = min(n, left)
            if shown <= 0:
                break
            left -= shown
            row = self._add_layer(i, titles[i], shown, n, row)
        self._fit_height()
        if total > MAX_TILES:
            self._note.setText(f"Showing the first {MAX_TILES} of {total} neurons. Blue = high output, "
                               "orange = low, white = in between.")
        else:
            self._note.setText(f"{total} neurons. Each picture: the neuron's output over the input plane "
                               "(x1 across, x2 up). Blue = high, orange = low, white = in between.")

    def _add_layer(self, index: int, title: str, shown: int, units: int, row: int) -> int:
        act = self._activation[index]
        scale = {"sigmoid": "0 … 1", "softmax": "0 … 1", "step": "0 or 1",
                 "tanh": "−1 … 1"}.get(act, "white = 0")
        header = self._graphics.addLabel(f"<b>{title}</b> ({act}, colours {scale})", row=row, col=0,
                                         colspan=COLUMNS, size="9pt")
        header.setToolTip(f"The {units} neurons of {title}; all of its pictures share one colour range.")
        row += 1
        images, names = [], []
        for unit in range(shown):
            r, c = row + 2 * (unit // COLUMNS), unit % COLUMNS
            name = f"{title}, neuron {unit + 1}"
            label = self._graphics.addLabel(f"neuron {unit + 1}", row=r, col=c, size="7pt")
            label.setToolTip(_TILE_TIP)
            # (no context menu: made and then switched off, it cost ~60 ms a tile, rebuilt after every change)
            box = self._graphics.addViewBox(row=r + 1, col=c, lockAspect=True, enableMouse=False, enableMenu=False,
                                            defaultPadding=0.0, border=pg.mkPen(200, 200, 200))
            box.setToolTip(f"{name}: " + _TILE_TIP)
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(LUT)
            box.addItem(image)
            images.append(image)
            names.append(name)
        self._tiles[index], self._titles[index], self._units[index] = images, names, units
        self._tile_rows += (shown + COLUMNS - 1) // COLUMNS
        return row + 2 * ((shown + COLUMNS - 1) // COLUMNS)

    def _fit_height(self) -> None:
        """Make the tiles about square: as tall as the width gives each of the COLUMNS columns."""
        used = min(COLUMNS, max((len(images) for images in self._tiles.values()), default=1))
        tile = max((self.width() - 24) / used, 40)
        self._graphics.setMinimumHeight(int(self._tile_rows * (tile + 26) + len(self._tiles) * 30))

    @qt_override
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    # updating ------------------------------------------------------------------------------------
    def update_maps(self, neuron_maps: tuple | list | None, axes: tuple | None = None) -> None:
        """Show new pictures: ``neuron_maps`` has one (res, res, units) array per layer (rows = y, columns
        = x, over the plane ``axes`` = (xs, ys); the tiles need only the values).

        Maps that do not fit the network shown (a report from a network replaced meanwhile) are ignored.
        """
        if self._spec is None or not neuron_maps or len(neuron_maps) != len(self._spec.layers):
            return
        for index, images in self._tiles.items():
            values = np.asarray(neuron_maps[index])
            if values.ndim != 3 or values.shape[2] != self._units[index]:
                continue
            levels = levels_for(self._activation[index], values)
            planes = np.ascontiguousarray(np.moveaxis(values[:, :, :len(images)], 2, 0), dtype=np.float32)
            for image, plane in zip(images, planes):
                image.setImage(plane, autoLevels=False, levels=levels)
            if values.shape[:2] != self._shape:
                for image in images:
                    image.getViewBox().setRange(xRange=(0, values.shape[1]), yRange=(0, values.shape[0]),
                                                padding=0)
        shapes = {np.shape(neuron_maps[i])[:2] for i in self._tiles}
        self._shape = shapes.pop() if len(shapes) == 1 else None

    # for tests and export ------------------------------------------------------------------------
    def tile_count(self) -> int:
        return sum(len(images) for images in self._tiles.values())

    def tile_titles(self) -> list[str]:
        return [name for names in self._titles.values() for name in names]

    def tile_images(self) -> list[pg.ImageItem]:
        return [image for images in self._tiles.values() for image in images]
