"""The drawing canvas, and the digit reader around it.

:class:`DigitCanvas` is a 280x280 surface (bright ink on black, like MNIST) drawn with the mouse.
:class:`DigitReader` feeds every change of the drawing through the MNIST recipe
(:func:`annstudio.core.digits.prepare_digit`) and a numpy copy of the network
(:class:`annstudio.core.forward.NumpyForward`), and shows what the network sees and what it answers
while the student draws. Keras never runs here: the weights are a snapshot. (A model the builder cannot
show is read through a :class:`~annstudio.core.reader.KerasReader` instead, given with ``set_reader``.)
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (QColor, QCursor, QFont, QImage, QKeySequence, QPainter, QPainterPath, QPen, QPixmap,
                           QShortcut)
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ..core.digits import is_empty, prepare_digit
from ..core.forward import NumpyForward
from ..core.spec import NetworkSpec, SpecError
from ..core.words import a_or_an, plural
from . import style
from .mnist_views import ActivationStrip, ConfusionMatrixView, PixelView, ProbabilityStems, confusion_matrix
from .crash import qt_override

SIDE = 280
PEN_MIN, PEN_MAX, PEN_DEFAULT = 8, 40, 20


def _mid(a: QPointF, b: QPointF) -> QPointF:
    return (a + b) / 2


def curve_piece(points: list[QPointF]) -> QPainterPath | None:
    """The part of a stroke that becomes certain when its latest point arrives.

    Strokes are smooth: quadratic curves from one segment's midpoint to the next, with the mouse
    positions as control points. The curve up to the midpoint before the latest point is known; the
    rest (:func:`curve_tail`) waits for the next point or the release. Drawing a stroke live and
    drawing it again after an undo go through the same pieces, so both give the same pixels.
    """
    n = len(points)
    if n < 3:
        return None
    a, b, c = points[-3], points[-2], points[-1]
    if n == 3:
        path = QPainterPath(a)
        path.lineTo(_mid(a, b))
    else:
        path = QPainterPath(_mid(a, b))
    path.quadTo(b, _mid(b, c))
    return path


def curve_tail(points: list[QPointF]) -> tuple[QPointF, QPointF] | None:
    """The straight end of a stroke, from the last midpoint to the latest point."""
    if len(points) < 2:
        return None
    return (_mid(points[-2], points[-1]) if len(points) > 2 else points[0]), points[-1]


class _Surface(QWidget):
    """The 280x280 surface itself: keeps the strokes and paints them into a greyscale image."""

    def __init__(self, owner: "DigitCanvas") -> None:
        super().__init__(owner)
        self._owner = owner
        self.setFixedSize(SIDE, SIDE)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip("Draw a digit here with the left mouse button, as large as the square allows.")
        self.image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self.strokes: list[tuple[list[QPointF], int]] = []
        self.current: list[QPointF] | None = None
        self._tail_rect = QRectF()

    # painting ---------------------------------------------------------------------------------------
    @staticmethod
    def pen(width: int) -> QPen:
        return QPen(QColor(255, 255, 255), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin)

    def _painter(self, target: QImage, width: int) -> QPainter:
        painter = QPainter(target)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.pen(width))
        return painter

    def redraw(self) -> None:
        """Paint every finished stroke again, piece by piece as it was drawn (after undo or clear)."""
        self.image.fill(0)
        painter = self._painter(self.image, PEN_DEFAULT)
        for points, width in self.strokes:
            painter.setPen(self.pen(width))
            painter.drawPoint(points[0])
            for n in range(3, len(points) + 1):
                painter.drawPath(curve_piece(points[:n]))
            tail = curve_tail(points)
            if tail is not None:
                painter.drawLine(*tail)
        painter.end()
        self.update()

    def grey(self) -> np.ndarray:
        image = self.image
        tail = curve_tail(self.current) if self.current else None
        if tail is not None:
            image = image.copy()
            painter = self._painter(image, self._owner.pen_width())
            painter.drawLine(*tail)
            painter.end()
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(SIDE, image.bytesPerLine())
        return rows[:, :SIDE].copy()

    def _refresh_area(self, *shapes: QRectF) -> None:
        """Repaint only around what changed: the new piece, the new tail and where the old tail was."""
        tail = curve_tail(self.current) if self.current else None
        new_tail = QRectF(tail[0], tail[1]).normalized() if tail else QRectF()
        area = self._tail_rect.united(new_tail)
        for shape in shapes:
            area = area.united(shape)
        self._tail_rect = new_tail
        margin = self._owner.pen_width() / 2 + 2
        self.update(area.adjusted(-margin, -margin, margin, margin).toAlignedRect())

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.drawImage(event.rect(), self.image, event.rect())
        tail = curve_tail(self.current) if self.current else None
        if tail is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(self.pen(self._owner.pen_width()))
            painter.drawLine(*tail)
        if not self.strokes and self.current is None:
            painter.setPen(QColor(110, 110, 110))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        painter.end()

    # the mouse --------------------------------------------------------------------------------------
    @qt_override
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.current is not None:  # the last release never came (the window lost the mouse): keep it
            self.strokes.append((self.current, self._owner.pen_width()))
        self.current = [event.position()]
        painter = self._painter(self.image, self._owner.pen_width())
        painter.drawPoint(self.current[0])
        painter.end()
        self._tail_rect = QRectF()
        self.update()  # the whole square: the hint text goes
        self._owner.changed.emit()

    @qt_override
    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self.current is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        point = event.position()
        if point == self.current[-1]:
            return
        self.current.append(point)
        piece = curve_piece(self.current)
        if piece is not None:
            painter = self._painter(self.image, self._owner.pen_width())
            painter.drawPath(piece)
            painter.end()
        self._refresh_area(piece.boundingRect() if piece is not None else QRectF())
        self._owner.changed.emit()

    @qt_override
    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self.current is None:
            return
        tail = curve_tail(self.current)
        if tail is not None:
            painter = self._painter(self.image, self._owner.pen_width())
            painter.drawLine(*tail)
            painter.end()
        self.strokes.append((self.current, self._owner.pen_width()))
        self.current = None
        self._refresh_area()
        self._owner.changed.emit()
        self._owner.stroke_finished.emit()


class DigitCanvas(QWidget):
    """A 280x280 square to draw a digit on with the mouse, with pen width, Undo (Ctrl+Z) and Clear.

    ``changed`` is emitted whenever the drawing changes: on every mouse move while drawing, on undo and
    on clear. ``stroke_finished`` when the mouse button is released.
    """

    changed = Signal()
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None, pen_width: int = PEN_DEFAULT) -> None:
        super().__init__(parent)
        self.surface = _Surface(self)
        self.pen_slider = QSlider(Qt.Orientation.Horizontal)
        self.pen_slider.setRange(PEN_MIN, PEN_MAX)
        self.pen_slider.setToolTip("How thick the pen draws, in pixels of this 280×280 square. MNIST's digits "
                                   "have strokes about an eighth as wide as the digit is tall.")
        self.pen_label = QLabel()
        self.pen_label.setMinimumWidth(44)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas to draw a new digit")

        tools = QHBoxLayout()
        tools.addWidget(QLabel("Pen"))
        tools.addWidget(self.pen_slider, 1)
        tools.addWidget(self.pen_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.surface, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(tools)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.pen_slider.valueChanged.connect(self._pen_changed)
        for button in (self.undo_button, self.clear_button):  # keep the keyboard focus on the drawing
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undo_button.clicked.connect(self.undo)
        self.clear_button.clicked.connect(self.clear)
        undo = QShortcut(QKeySequence.StandardKey.Undo, self)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.undo)
        self.pen_slider.setValue(pen_width)
        self._pen_changed(self.pen_slider.value())
        self._buttons_follow()
        self.changed.connect(self._buttons_follow)

    def pen_width(self) -> int:
        return self.pen_slider.value()

    def set_pen_width(self, width: int) -> None:
        self.pen_slider.setValue(int(width))

    def _pen_changed(self, width: int) -> None:
        self.pen_label.setText(f"{width} px")
        size = width + 4
        ring = QPixmap(size, size)
        ring.fill(Qt.GlobalColor.transparent)
        painter = QPainter(ring)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(240, 120, 30), 1.5))
        painter.drawEllipse(QRectF(2, 2, width, width))
        painter.end()
        self.surface.setCursor(QCursor(ring))

    def _buttons_follow(self) -> None:
        has_ink = bool(self.surface.strokes) or self.surface.current is not None
        self.undo_button.setEnabled(bool(self.surface.strokes))
        self.clear_button.setEnabled(has_ink)

    def image(self) -> np.ndarray:
        """The drawing as a (280, 280) uint8 array: 0 is the background, 255 full ink."""
        return self.surface.grey()

    def stroke_count(self) -> int:
        return len(self.surface.strokes)

    def is_empty(self) -> bool:
        return not self.surface.strokes and self.surface.current is None

    def add_stroke(self, points, width: int | None = None) -> None:
        """Draw a finished stroke through ``points`` ((x, y) pairs in pixels), as the mouse would."""
        points = [QPointF(float(x), float(y)) for x, y in points]
        if not points:
            return
        self.surface.strokes.append((points, int(width or self.pen_width())))
        self.surface.redraw()
        self.changed.emit()
        self.stroke_finished.emit()

    def undo(self) -> None:
        """Take back the last finished stroke."""
        if self.surface.current is not None or not self.surface.strokes:
            return
        self.surface.strokes.pop()
        self.surface.redraw()
        self.changed.emit()

    def clear(self) -> None:
        self.surface.strokes.clear()
        self.surface.current = None
        self.surface.redraw()
        self.changed.emit()


# ---------------------------------------------------------------------------------------------------
# The reader: canvas -> 28x28 -> network -> answer, live

HINT = "Draw a digit (0–9) with the mouse"
UNSURE = 0.5


class _Verdict(QWidget):
    """The network's answer in large type, with a line of explanation under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.big = ""
        self.line = HINT
        self.setFixedSize(220, 120)

    def say(self, big: str, line: str) -> None:
        if (big, line) != (self.big, self.line):
            self.big, self.line = big, line
            self.update()

    @qt_override
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        font = painter.font()
        big = QFont(font)
        big.setPixelSize(64)
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(QColor(30, 30, 30) if self.big != "?" else QColor(*style.NEGATIVE))
        painter.drawText(QRectF(0, 0, self.width(), 78), Qt.AlignmentFlag.AlignCenter, self.big)
        painter.setFont(font)
        painter.setPen(QColor(60, 60, 60))
        painter.drawText(QRectF(0, 80, self.width(), 40), Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                         self.line)
        painter.end()


class DigitReader(QWidget):
    """Draw a digit; see the 28x28 image the network gets, its answer, the ten probabilities and the first
    hidden layer, all updated at every mouse move. Label drawings to build a personal test set.

    ``set_model(spec, weights)`` takes a :class:`~annstudio.core.spec.NetworkSpec` and a weights snapshot
    (``EpochReport.weights``). ``predicted`` is emitted each time the reader has shown a new answer;
    ``personal_set_changed`` when a drawing is labelled or the set is replaced.
    """

    personal_set_changed = Signal()
    predicted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = DigitCanvas()
        self.pixels = PixelView()
        self.verdict = _Verdict()
        self.stems = ProbabilityStems()
        self.hidden = ActivationStrip()
        self.hidden_caption = QLabel("First hidden layer")
        self.forward: NumpyForward | None = None  # or a KerasReader (set_reader): prediction only
        self._hidden_note = ""
        self.input28: np.ndarray = np.zeros((28, 28), np.float32)
        self.probabilities: np.ndarray | None = None
        self.updates = 0
        self._x = np.zeros((0, 28, 28), np.float32)
        self._y = np.zeros(0, np.int64)
        self.label_buttons = [QPushButton(str(d)) for d in range(10)]
        self.set_summary = QLabel()
        self.set_summary.setWordWrap(True)
        self.set_summary.setMinimumWidth(200)
        self._saved = ""
        self.confusion_button = QPushButton("Confusion matrix…")
        self.confusion_button.setToolTip("Which of your digits the network mixes up")
        self._build()
        self.canvas.changed.connect(self.refresh)
        self.confusion_button.clicked.connect(self._show_confusion)
        self._caption_hidden()
        self.refresh()
        self._summarise()

    def _build(self) -> None:
        seen = QVBoxLayout()
        seen.addWidget(_title("What the network sees"))
        seen.addWidget(self.pixels)
        seen.addWidget(self.verdict)
        seen.addStretch(1)
        answer = QVBoxLayout()
        answer.addWidget(_title("Probabilities"))
        answer.addWidget(self.stems, 1)
        top = QHBoxLayout()
        top.addWidget(self.canvas)
        top.addSpacing(12)
        top.addLayout(seen)
        top.addSpacing(12)
        top.addLayout(answer, 1)

        labels = QHBoxLayout()
        this_is = QLabel("This is a …")
        this_is.setToolTip("Tell the network what you drew: the drawing goes into your own set of digits")
        labels.addWidget(this_is)
        for digit, button in enumerate(self.label_buttons):
            button.setFixedWidth(34)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"Save this drawing as {a_or_an(digit)} in your own set, then clear the canvas for "
                              "the next one")
            button.clicked.connect(lambda _=False, d=digit: self.label_drawing(d))
            labels.addWidget(button)
        labels.addSpacing(12)
        labels.addWidget(self.set_summary, 1)
        labels.addWidget(self.confusion_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hidden_caption)
        layout.addWidget(self.hidden)
        self.hidden.setMaximumHeight(64)
        layout.addLayout(labels)

    # the network ------------------------------------------------------------------------------------
    def set_model(self, spec: NetworkSpec, weights) -> None:
        """Read drawings with this network from now on (its weights are copied; training may go on)."""
        shape = tuple(spec.input_shape)
        if shape not in ((28, 28), (784,)):
            raise SpecError(f"the canvas needs a network that takes 28×28 images, and this one takes {shape}")
        if spec.output_units != 10:
            raise SpecError(f"the canvas needs a network with 10 outputs (one per digit), not {spec.output_units}")
        self._use(NumpyForward(spec, weights), "")

    def set_reader(self, reader, hidden_note: str) -> None:
        """Read drawings with any object that has ``predict`` and ``predict_with_hidden`` like
        :class:`NumpyForward` (a :class:`~annstudio.core.reader.KerasReader`); ``hidden_note`` says why no
        hidden layer is shown."""
        self._use(reader, hidden_note)

    def clear_model(self) -> None:
        self._use(None, "")

    def _use(self, forward, hidden_note: str) -> None:
        self.forward = forward
        self._hidden_note = hidden_note
        self.hidden.setVisible(not hidden_note)
        self._caption_hidden()
        self.refresh()
        self._summarise()

    def read(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Probabilities (n, 10) and first hidden activations of 28x28 images, with the current network."""
        if self.forward is None:
            raise SpecError("there is no trained network yet")
        return self.forward.predict_with_hidden(images)

    # live reading ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the canvas again and show the result (called on every change of the drawing)."""
        canvas = self.canvas.image()
        empty = is_empty(canvas)
        self.input28 = np.zeros((28, 28), np.float32) if empty else prepare_digit(canvas)
        self.pixels.set_image(None if empty else self.input28)
        if self.label_buttons[0].isEnabled() == empty:
            for button in self.label_buttons:
                button.setEnabled(not empty)
        self.probabilities = None
        hidden = None
        if empty:
            self.verdict.say("", HINT)
        elif self.forward is None:
            self.verdict.say("", "No trained network yet: train the MNIST network, then draw here")
        else:
            probabilities, hidden = self.forward.predict_with_hidden(self.input28)
            self.probabilities = probabilities[0]
            self.verdict.say(*verdict_text(self.probabilities))
        self.stems.set_probabilities(self.probabilities)
        self.hidden.set_values(None if hidden is None else hidden[0])
        self.updates += 1
        self.predicted.emit()

    def _caption_hidden(self) -> None:
        if self._hidden_note:
            text = f"First hidden layer: {self._hidden_note}"
        elif self.forward is None:
            text = "First hidden layer: shown once there is a trained network"
        elif self.forward.first_hidden is None:
            text = "First hidden layer: none (this network has no hidden layer)"
        else:
            text = (f"First hidden layer: its {hidden_units(self.forward)} neurons' outputs for your drawing, "
                    "the darker the more active")
        self.hidden_caption.setText(text)

    # the personal set ------------------------------------------------------------------------------
    def label_drawing(self, digit: int) -> None:
        """Save the current drawing (as the network sees it, 28x28) with ``digit`` as its label."""
        if self.canvas.is_empty():
            return
        self._x = np.concatenate([self._x, self.input28[None]])
        self._y = np.concatenate([self._y, [int(digit)]])
        self._saved = f"Saved as {a_or_an(int(digit))}. "
        self.canvas.clear()
        self._summarise()
        self.personal_set_changed.emit()

    def personal_set(self) -> tuple[np.ndarray, np.ndarray]:
        """Your labelled drawings: images (n, 28, 28) float32 in [0, 1] and labels (n,)."""
        return self._x.copy(), self._y.copy()

    def set_personal_set(self, x: np.ndarray, y: np.ndarray) -> None:
        x = np.asarray(x, np.float32)
        y = np.asarray(y).reshape(-1)
        if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
            raise ValueError(f"a personal set is (n, 28, 28) images with n labels, not {x.shape} and {y.shape}")
        if len(y) and (y.min() < 0 or y.max() > 9 or (y != np.round(y)).any()):
            raise ValueError("the labels of a personal set are digits from 0 to 9")
        self._x, self._y = x.copy(), y.astype(np.int64)
        self._summarise()
        self.personal_set_changed.emit()

    def personal_predictions(self) -> np.ndarray | None:
        if self.forward is None or not len(self._y):
            return None
        return self.forward.predict(self._x).argmax(axis=1)

    def personal_accuracy(self) -> float | None:
        predicted = self.personal_predictions()
        return None if predicted is None else float((predicted == self._y).mean())

    def personal_confusion(self) -> np.ndarray:
        """10x10 counts of your drawings, rows the label you gave, columns the network's answer (all zero
        without a network)."""
        predicted = self.personal_predictions()
        if predicted is None:
            return np.zeros((10, 10), np.int64)
        return confusion_matrix(self._y, predicted)

    def _summarise(self) -> None:
        n = len(self._y)
        predicted = self.personal_predictions()
        if n == 0:
            text = "Your set is empty: draw a digit, then say which it is."
        elif predicted is None:
            text = f"Your set: {plural(n, 'drawing')}."
        else:
            right = int((predicted == self._y).sum())
            text = (f"Your set: {plural(n, 'drawing')}; the network reads {right} of {n} right "
                    f"({100 * right / n:.0f} %).")
        self.set_summary.setText(self._saved + text)
        self._saved = ""
        self.confusion_button.setEnabled(predicted is not None)

    def _show_confusion(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("Your drawings: true digit against the network's answer")
        view = ConfusionMatrixView(dialog)
        view.set_matrix(self.personal_confusion())
        QVBoxLayout(dialog).addWidget(view)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()


def verdict_text(probabilities: np.ndarray) -> tuple[str, str]:
    """What to say about an answer: the digit, or "?" and the two likeliest when the top one is below 0.5."""
    order = np.argsort(probabilities)[::-1]
    first, second = int(order[0]), int(order[1])
    p1, p2 = float(probabilities[first]), float(probabilities[second])
    if p1 < UNSURE:
        return "?", f"Not sure: {a_or_an(first)} ({100 * p1:.0f} %) or {a_or_an(second)} ({100 * p2:.0f} %)?"
    return str(first), f"The network reads {a_or_an(first)} ({100 * p1:.0f} % sure)"


def hidden_units(forward: NumpyForward) -> int:
    dense = [layer for layer in forward.spec.layers if layer.kind == "dense"]
    return dense[0].units if dense else 0


def _title(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
