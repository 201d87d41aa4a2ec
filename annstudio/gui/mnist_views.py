"""Views of MNIST digits and of a network that reads them, fed with numpy arrays (nothing trains here).

* :class:`PixelView` — one 28x28 image, enlarged so every pixel shows (what the network is fed).
* :class:`ProbabilityStems` — the ten output probabilities as the lecture's stem plot.
* :class:`ActivationStrip` — a layer's activations as a grid of cells, one per neuron.
* :class:`DigitGallery` / :class:`MisclassifiedGallery` — many digits with their labels.
* :class:`ConfusionMatrixView` — true digit against predicted digit; a click asks for those digits.
* :class:`FirstLayerWeights` — each hidden neuron's 784 incoming weights as a 28x28 picture.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from ..core.words import a_or_an, plural
from . import style
from .crash import qt_override

DIGITS = tuple(range(10))


def gray_image(images: np.ndarray) -> QImage:
    """A greyscale QImage of a 2-D array of values in [0, 1] (or 0-255 integers)."""
    array = np.asarray(images)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
    array = np.ascontiguousarray(array)
    height, width = array.shape
    return QImage(array.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage of an (h, w, 3) uint8 array, in the format the screen paints fastest (RGB32)."""
    rgb = np.asarray(rgb, dtype=np.uint32)
    packed = np.ascontiguousarray(0xFF000000 | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2])
    height, width = packed.shape
    return QImage(packed.data, width, height, 4 * width, QImage.Format.Format_RGB32).copy()


def diverging(values: np.ndarray, limit: float) -> np.ndarray:
    """Orange for negative, white for 0, blue for positive (the app's weight colours), as uint8 RGB."""
    t = np.clip(np.asarray(values, np.float32) / (limit or 1.0), -1, 1)[..., None]
    white = np.array([255, 255, 255], np.float32)
    pos, neg = np.array(style.POSITIVE, np.float32), np.array(style.NEGATIVE, np.float32)
    rgb = np.where(t >= 0, white + t * (pos - white), white - t * (neg - white))
    return np.round(rgb).astype(np.uint8)


# ---------------------------------------------------------------------------------------------------
# Small views for the digit reader

class PixelView(QWidget):
    """A 28x28 image shown large, pixel by pixel, with a faint grid: exactly what the network is fed."""

    def __init__(self, scale: int = 6, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = scale
        self.setFixedSize(28 * scale, 28 * scale)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("The 28×28 image the network reads: your drawing cropped, scaled to fit 20×20 "
                        "pixels and centred on its centre of mass, as MNIST's digits were made.")
        self._image: QImage | None = None
        grey = np.arange(256, dtype=np.uint32)
        on_grid = np.maximum(45, grey * 4 // 5).astype(np.uint32)
        # One table from (grey level, on a grid line) to the screen colour of the enlarged pixel.
        self._colours = 0xFF000000 | (np.concatenate([grey, on_grid]) * 0x010101)
        grid = np.zeros((28 * scale, 28 * scale), np.uint16)
        grid[::scale] = grid[:, ::scale] = 256
        self._grid = grid
        self._blank = self._render(np.zeros((28, 28), np.float32))

    def _render(self, image: np.ndarray) -> QImage:
        """The image enlarged, with the grid drawn in (faint over dark pixels, darker over bright ones)."""
        grey = np.round(np.clip(image, 0, 1) * 255).astype(np.uint16)
        big = grey.repeat(self.scale, axis=0).repeat(self.scale, axis=1) + self._grid
        packed = np.ascontiguousarray(self._colours[big])
        side = packed.shape[0]
        return QImage(packed.data, side, side, 4 * side, QImage.Format.Format_RGB32).copy()

    def set_image(self, image: np.ndarray | None) -> None:
        self._image = None if image is None else self._render(image)
        self.update()

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.drawImage(0, 0, self._image if self._image is not None else self._blank)
        painter.end()


class ProbabilityStems(QWidget):
    """The ten probabilities as stems (the lecture's ``plt.stem``), the largest one highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probabilities: np.ndarray | None = None
        self._background: QPixmap | None = None
        self.setMinimumSize(260, 170)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("How likely the network thinks each digit is. The ten heights add up to 1; "
                        "above the dashed line the network is more sure than not.")

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        self.probabilities = None if probabilities is None else np.asarray(probabilities, np.float64).reshape(-1)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, 190)

    @qt_override
    def resizeEvent(self, event) -> None:  # noqa: N802
        self._background = None
        super().resizeEvent(event)

    def _frame(self) -> tuple[float, float, float, float]:
        """left, right, top and bottom of the plot area."""
        return 34.0, self.width() - 8.0, 18.0, self.height() - 22.0

    def _draw_background(self) -> QPixmap:
        """Axes, the 0.5 line and the digits: drawn once per size, not at every mouse move."""
        pixmap = QPixmap(self.size())
        pixmap.fill(QColor(255, 255, 255))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        left, right, top, bottom = self._frame()
        span = bottom - top
        painter.setPen(QColor(90, 90, 90))
        for p in (0.0, 0.5, 1.0):
            painter.drawText(QRectF(0, bottom - p * span - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight, f"{p:g}")
        painter.setPen(QPen(QColor(160, 160, 160), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(left, bottom - 0.5 * span), QPointF(right, bottom - 0.5 * span))
        painter.setPen(QColor(120, 120, 120))
        painter.drawLine(QPointF(left, bottom), QPointF(right, bottom))
        step = (right - left) / 10
        painter.setPen(QColor(40, 40, 40))
        for digit in DIGITS:
            x = left + step * (digit + 0.5)
            painter.drawText(QRectF(x - step / 2, bottom + 3, step, 16), Qt.AlignmentFlag.AlignHCenter, str(digit))
        painter.end()
        return pixmap

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        if self._background is None or self._background.size() != self.size():
            self._background = self._draw_background()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background)
        if self.probabilities is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            left, right, top, bottom = self._frame()
            span, step = bottom - top, (right - left) / 10
            best = int(np.argmax(self.probabilities))
            for digit in DIGITS:
                x, p = left + step * (digit + 0.5), float(self.probabilities[digit])
                y = bottom - p * span
                colour = QColor(*style.NEGATIVE) if digit == best else QColor(*style.POSITIVE)
                painter.setPen(QPen(colour, 3 if digit == best else 2))
                painter.drawLine(QPointF(x, bottom), QPointF(x, y))
                painter.setBrush(colour)
                painter.drawEllipse(QPointF(x, y), 4, 4)
            x = left + step * (best + 0.5)
            p = float(self.probabilities[best])
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(QRectF(x - 30, bottom - p * span - 18, 60, 14), Qt.AlignmentFlag.AlignHCenter, f"{p:.2f}")
        painter.end()


class ActivationStrip(QWidget):
    """One cell per neuron of a layer; the darker the blue, the more active (orange: negative)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: np.ndarray | None = None
        self._image: QImage | None = None
        self._columns = 20
        self.setMinimumHeight(40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("The first hidden layer's neurons: each square is one neuron's output for your "
                        "drawing. White means 0 (silent); the strongest is the darkest.")

    def set_values(self, values: np.ndarray | None) -> None:
        if values is None:
            self.values, self._image = None, None
        else:
            self.values = np.asarray(values, np.float32).reshape(-1)
            n = len(self.values)
            self._columns = min(n, 50) if n <= 50 else int(math.ceil(n / math.ceil(n / 50)))
            rows = int(math.ceil(n / self._columns))
            cells = np.zeros(rows * self._columns, np.float32)
            cells[:n] = self.values
            limit = float(np.abs(self.values).max()) or 1.0
            rgb = diverging(cells.reshape(rows, self._columns), limit)
            rgb.reshape(-1, 3)[n:] = 236  # unused cells of the last row
            self._image = rgb_image(rgb)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(560, 60)

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._image is not None:
            rows = self._image.height()
            cell = max(4, min(16, (self.width() - 150) // self._columns, self.height() // rows))
            target = QRect(0, 0, cell * self._columns, cell * rows)
            painter.drawImage(target, self._image)
            painter.setPen(QColor(200, 200, 200))
            painter.drawRect(target.adjusted(0, 0, -1, -1))
            silent = int(np.count_nonzero(np.abs(self.values) < 1e-6))
            painter.setPen(QColor(60, 60, 60))
            painter.drawText(QRect(target.right() + 10, 0, 150, target.height()), Qt.AlignmentFlag.AlignVCenter,
                             f"{silent} of {self.values.size} silent (0)")
        painter.end()


# ---------------------------------------------------------------------------------------------------
# Galleries

MIN_COLUMNS = 3  # a gallery never gets narrower than three digits

class _Mosaic(QWidget):
    """Digits in a grid, each with a caption below; painted from one image."""

    TILE = 56
    GAP = 6

    def __init__(self, columns: int = 10, cell_width: int = 62, caption_lines: int = 1) -> None:
        super().__init__()
        self.columns = columns
        self.cell_width = cell_width
        self.CAPTION = 16 * caption_lines
        self._image: QImage | None = None
        self.captions: list[str] = []
        self._resize(0)

    def _resize(self, n: int) -> None:
        rows = max(1, math.ceil(n / self.columns))
        self.setFixedSize(self.columns * self.cell_width, rows * (self.TILE + self.CAPTION + self.GAP))

    def set_digits(self, images: np.ndarray, captions: list[str]) -> None:
        n = len(images)
        self.captions = list(captions)
        self._resize(n)
        if n == 0:
            self._image = None
        else:
            pixels = np.asarray(images, np.float32)
            if np.issubdtype(np.asarray(images).dtype, np.integer):
                pixels = pixels / 255.0
            rows = math.ceil(n / self.columns)
            sheet = np.zeros((rows * self.columns, 28, 28), np.float32)
            sheet[:n] = pixels
            sheet = sheet.reshape(rows, self.columns, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, -1)
            self._image = gray_image(sheet)
        self.update()

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        if self._image is not None:
            painter.setPen(QColor(40, 40, 40))
            for i, caption in enumerate(self.captions):
                row, col = divmod(i, self.columns)
                x = col * self.cell_width
                y = row * (self.TILE + self.CAPTION + self.GAP)
                left = x + (self.cell_width - self.TILE) // 2
                painter.drawImage(QRect(left, y, self.TILE, self.TILE), self._image, QRect(col * 28, row * 28, 28, 28))
                painter.drawText(QRect(x, y + self.TILE, self.cell_width, self.CAPTION),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, caption)
        painter.end()


class DigitGallery(QWidget):
    """Sample digits with their labels; a menu picks one class; the count of every class is listed."""

    LIMIT = 200
    CELL_WIDTH = 62
    CAPTION_LINES = 1

    def __init__(self, parent: QWidget | None = None, columns: int = 10) -> None:
        super().__init__(parent)
        self.images = np.zeros((0, 28, 28), np.float32)
        self.labels = np.zeros(0, np.int64)
        self.predicted: np.ndarray | None = None
        self.shown = np.zeros(0, np.int64)
        self._chosen: np.ndarray | None = None
        self._title = ""
        self.filter = QComboBox()
        self.filter.addItem("All digits", -1)
        for digit in DIGITS:
            self.filter.addItem(f"Only {digit}s", digit)
        self.filter.setToolTip("Show the digits of one class only")
        self.title = QLabel()
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setToolTip("How many digits of each class there are")
        self.mosaic = _Mosaic(columns, self.CELL_WIDTH, self.CAPTION_LINES)
        self._max_columns = columns
        scroll = QScrollArea()
        scroll.setWidget(self.mosaic)
        scroll.setMinimumWidth(MIN_COLUMNS * self.CELL_WIDTH + 24)  # narrower windows get fewer columns
        scroll.setMinimumHeight(300)
        self._scroll = scroll
        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addWidget(scroll, 1)
        self.filter.currentIndexChanged.connect(self._refresh)

    def set_data(self, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray | None = None) -> None:
        """Digits ``(n, 28, 28)`` (0-255 or 0-1), their labels, and optionally what a network predicted."""
        images = np.asarray(images)
        labels = np.asarray(labels).astype(np.int64).reshape(-1)
        if images.ndim == 2:
            images = images.reshape(-1, 28, 28)
        if images.shape[1:] != (28, 28) or len(images) != len(labels):
            raise ValueError(f"a gallery needs (n, 28, 28) images and n labels, not {images.shape} and {labels.shape}")
        self.images, self.labels = images, labels
        self.predicted = None if predicted is None else np.asarray(predicted).astype(np.int64).reshape(-1)
        self._chosen, self._title = None, ""
        counts = np.bincount(labels, minlength=10)
        self.counts.setText("Digits per class:  " + "   ".join(f"{d}: {counts[d]}" for d in DIGITS))
        self._refresh()

    def show_indices(self, indices: np.ndarray, title: str = "") -> None:
        """Show just these digits (e.g. one cell of a confusion matrix), with ``title`` above them."""
        self._chosen, self._title = np.asarray(indices, np.int64), title
        self._refresh()

    def show_all(self) -> None:
        self._chosen, self._title = None, ""
        self._refresh()

    def _candidates(self) -> np.ndarray:
        return np.arange(len(self.labels)) if self._chosen is None else self._chosen

    @qt_override
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """As many columns as fit the width (at most the gallery's own number): no digit is cut off."""
        width = self._scroll.viewport().width() - self._scroll.verticalScrollBar().sizeHint().width()
        columns = max(MIN_COLUMNS, min(self._max_columns, width // self.mosaic.cell_width))
        if columns != self.mosaic.columns:
            self.mosaic.columns = columns
            self._refresh()

    def _refresh(self, *_args) -> None:
        indices = self._candidates()
        digit = self.filter.currentData()
        if digit is not None and digit >= 0:
            indices = indices[self.labels[indices] == digit]
        total = len(indices)
        self.shown = indices[:self.LIMIT]
        self.mosaic.set_digits(self.images[self.shown], [self._caption(i) for i in self.shown])
        more = f" (the first {len(self.shown)} shown)" if total > len(self.shown) else ""
        title = f"{self._title}: " if self._title else ""
        self.title.setText(f"{title}{plural(total, 'digit')}{more}")

    def _caption(self, index: int) -> str:
        if self.predicted is None:
            return f"label {self.labels[index]}"
        return f"predicted {self.predicted[index]}\ntrue {self.labels[index]}"


class MisclassifiedGallery(DigitGallery):
    """The test digits a network got wrong, each captioned "predicted p / true t"; the menu filters by
    the true class."""

    CELL_WIDTH = 84
    CAPTION_LINES = 2

    def __init__(self, parent: QWidget | None = None, columns: int = 8) -> None:
        super().__init__(parent, columns)

    def set_data(self, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray | None = None) -> None:
        if predicted is None:
            raise ValueError("the misclassified gallery needs the network's predictions")
        super().set_data(images, labels, predicted)
        self.show_indices(np.flatnonzero(self.predicted != self.labels), "read wrongly")


# ---------------------------------------------------------------------------------------------------
# Confusion matrix

class ConfusionMatrixView(QWidget):
    """Rows: the true digit; columns: what the network predicted; each cell counts digits. The row's
    share decides the colour. Clicking a cell emits ``cell_clicked(true, predicted)``."""

    cell_clicked = Signal(int, int)

    CELL = 38       # px: a cell's size when there is room; the matrix shrinks to fit a small window
    MIN_CELL = 21
    _RIGHT = 60      # px: the "correct" column
    _BOTTOM = 30     # px: the "Read right" line
    TIP = ("Rows: the true digit. Columns: what the network said. The diagonal holds the digits read correctly. "
           "Click a cell to see its digits.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((10, 10), np.int64)
        self._left, self._top = 40, 40
        self.setMouseTracking(True)
        self.setMinimumSize(self._left + 10 * self.MIN_CELL + self._RIGHT, self._top + 10 * self.MIN_CELL + self._BOTTOM)
        self.setToolTip(self.TIP)

    def set_matrix(self, matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix)
        if matrix.shape != (10, 10):
            raise ValueError(f"a confusion matrix of ten digits is 10×10, not {matrix.shape}")
        self.matrix = matrix.astype(np.int64)
        self.update()

    def set_predictions(self, true: np.ndarray, predicted: np.ndarray) -> None:
        self.set_matrix(confusion_matrix(true, predicted))

    def per_class_accuracy(self) -> np.ndarray:
        totals = self.matrix.sum(axis=1)
        return np.where(totals > 0, np.diag(self.matrix) / np.maximum(totals, 1), np.nan)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self._left + 10 * self.CELL + self._RIGHT, self._top + 10 * self.CELL + self._BOTTOM)

    def cell_size(self) -> int:
        """A cell's size in pixels: as large as the widget allows, from MIN_CELL to CELL."""
        room = min((self.width() - self._left - self._RIGHT) // 10, (self.height() - self._top - self._BOTTOM) // 10)
        return int(max(self.MIN_CELL, min(self.CELL, room)))

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        size = self.cell_size()
        col, row = int((x - self._left) // size), int((y - self._top) // size)
        if x < self._left or y < self._top or not (0 <= row < 10 and 0 <= col < 10):
            return None
        return row, col

    def cell_rect(self, true: int, predicted: int) -> QRect:
        size = self.cell_size()
        return QRect(self._left + predicted * size, self._top + true * size, size, size)

    @qt_override
    def mousePressEvent(self, event) -> None:  # noqa: N802
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cell_clicked.emit(*cell)

    @qt_override
    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is None:
            self.setToolTip(self.TIP)
            return
        true, predicted = cell
        n = int(self.matrix[true, predicted])
        self.setToolTip(f"{plural(n, 'digit')} that {'are' if n != 1 else 'is'} {a_or_an(true)}, read as "
                        f"{a_or_an(predicted)}. Click to see them.")

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        cell, left, top = self.cell_size(), self._left, self._top
        totals = np.maximum(self.matrix.sum(axis=1, keepdims=True), 1)
        share = self.matrix / totals
        blue = np.array(style.POSITIVE, np.float32)
        small = QFont(painter.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.85))
        painter.setPen(QColor(40, 40, 40))
        painter.drawText(QRect(left, 0, 10 * cell, 18), Qt.AlignmentFlag.AlignHCenter, "predicted digit")
        painter.save()
        painter.translate(12, top + 5 * cell)
        painter.rotate(-90)
        painter.drawText(QRect(-60, -10, 120, 18), Qt.AlignmentFlag.AlignHCenter, "true digit")
        painter.restore()
        painter.drawText(QRect(left + 10 * cell + 6, top - 20, self._RIGHT, 18), Qt.AlignmentFlag.AlignLeft, "correct")
        accuracy = self.per_class_accuracy()
        for k in DIGITS:
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(QRect(left + k * cell, top - 20, cell, 18), Qt.AlignmentFlag.AlignHCenter, str(k))
            painter.drawText(QRect(left - 20, top + k * cell, 16, cell), Qt.AlignmentFlag.AlignVCenter, str(k))
            text = "–" if np.isnan(accuracy[k]) else f"{100 * accuracy[k]:.1f} %"
            painter.drawText(QRect(left + 10 * cell + 6, top + k * cell, self._RIGHT, cell),
                             Qt.AlignmentFlag.AlignVCenter, text)
        painter.setFont(small)
        for true in DIGITS:
            for predicted in DIGITS:
                rect = self.cell_rect(true, predicted)
                t = float(share[true, predicted]) ** 0.5  # small shares stay visible
                rgb = 255 + t * (blue - 255)
                painter.fillRect(rect, QColor(*[int(round(c)) for c in rgb]))
                n = int(self.matrix[true, predicted])
                if n:
                    painter.setPen(QColor(255, 255, 255) if t > 0.6 else QColor(30, 30, 30))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(n))
        painter.setPen(QColor(200, 200, 200))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRect(left, top, 10 * cell, 10 * cell))
        total = int(self.matrix.sum())
        if total:
            right = int(np.trace(self.matrix))
            painter.setFont(QFont(self.font()))
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(QRect(left, top + 10 * cell + 6, 10 * cell + 90, 18), Qt.AlignmentFlag.AlignLeft,
                             f"Read right: {right} of {total} ({100 * right / total:.1f} %)")
        painter.end()


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """Counts of (true, predicted) pairs: rows are the true class."""
    true = np.asarray(true).astype(np.int64).reshape(-1)
    predicted = np.asarray(predicted).astype(np.int64).reshape(-1)
    return np.bincount(true * classes + predicted, minlength=classes * classes).reshape(classes, classes)


# ---------------------------------------------------------------------------------------------------
# First layer weights

class FirstLayerWeights(QWidget):
    """The first Dense layer's kernel ``(784, units)``: one 28x28 picture per hidden neuron, showing which
    pixels push it up (blue) or down (orange). At most 100 neurons are shown."""

    LIMIT = 100
    TILE = 56
    GAP = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self.units = 0
        self.shown = 0
        self.columns = 10
        self.caption = QLabel("Train a network to see its first layer's weights.")
        self.caption.setWordWrap(True)
        self._tiles = _WeightTiles(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self._tiles)
        layout.addStretch(1)
        self.setToolTip("Each square is one hidden neuron: its weight for every pixel of the 28×28 input. "
                        "Blue pixels excite the neuron, orange ones hold it back, white ones do not matter.")

    def set_kernel(self, kernel: np.ndarray) -> None:
        kernel = np.asarray(kernel, np.float32)
        if kernel.ndim != 2 or kernel.shape[0] != 784:
            raise ValueError(f"the first layer of an MNIST network has 784 inputs; this kernel is {kernel.shape}")
        self.units = kernel.shape[1]
        self.shown = min(self.units, self.LIMIT)
        self.columns = min(10, self.shown)
        rows = math.ceil(self.shown / self.columns)
        tiles = np.zeros((rows * self.columns, 28, 28, 3), np.uint8) + 255
        for unit in range(self.shown):
            weights = kernel[:, unit].reshape(28, 28)
            tiles[unit] = diverging(weights, float(np.abs(weights).max()))
        sheet = tiles.reshape(rows, self.columns, 28, 28, 3).transpose(0, 2, 1, 3, 4).reshape(rows * 28, -1, 3)
        self._image = rgb_image(sheet)
        more = f"; the first {self.shown} of {self.units} are shown" if self.units > self.shown else ""
        self.caption.setText(f"Incoming weights of the {self.units} neurons of the first hidden layer{more}. "
                             "Each picture is scaled to its own largest weight.")
        self._tiles.setFixedSize(self.columns * (self.TILE + self.GAP), rows * (self.TILE + self.GAP))
        self._tiles.update()


class _WeightTiles(QWidget):
    def __init__(self, owner: FirstLayerWeights) -> None:
        super().__init__(owner)
        self._owner = owner

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        owner = self._owner
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        if owner._image is not None:
            step = owner.TILE + owner.GAP
            for unit in range(owner.shown):
                row, col = divmod(unit, owner.columns)
                painter.drawImage(QRect(col * step, row * step, owner.TILE, owner.TILE), owner._image,
                                  QRect(col * 28, row * 28, 28, 28))
        painter.end()
