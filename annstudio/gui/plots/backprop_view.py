"""The backpropagation explorer: one training point through the network, forward and back, with the numbers.

The maths is :mod:`annstudio.core.backprop`; this widget only keeps the chosen point, the step the student
is at, and the weight they clicked, and draws them. It works on a copy of the weights (the newest report's),
so stepping through it never changes the training; only "Apply" asks for a change
(``update_requested``), which the playground sends through the engine's neuron edits.

Steps: 0 the point is fed in; 1…L forward through layer l; L+1 the loss; L+2…2L+1 backward through the
layers from the output; 2L+2 the update.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSplitter, QTextBrowser, QVBoxLayout,
                               QWidget)

from ...core import backprop as bp
from ...core.spec import NetworkSpec
from .. import style
from ..crash import qt_override

MAX_SHOWN = 8          # neurons drawn per column
MAX_LINK_LABELS = 24   # links whose numbers are written on them
FORWARD, BACKWARD = QColor(30, 110, 200), QColor(200, 70, 30)


class BackpropDiagram(QWidget):
    """Columns of circles (inputs, then each Dense layer) joined by links; the numbers of the step."""

    link_clicked = Signal(int, object, int)  # Dense layer (0-based), source neuron (None: bias), unit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.result: bp.Backprop | None = None
        self.sizes: tuple[int, ...] = ()
        self.stage = 0
        self.selected: tuple[int, int | None, int] | None = None
        self.setMouseTracking(True)

    def show_state(self, result: bp.Backprop | None, sizes: tuple[int, ...], stage: int,
                   selected: tuple[int, int | None, int] | None) -> None:
        self.result, self.sizes, self.stage, self.selected = result, tuple(sizes), stage, selected
        self.update()

    # geometry -------------------------------------------------------------------------------------
    def _positions(self) -> list[list[QPointF]]:
        if not self.sizes:
            return []
        w, h = self.width(), self.height()
        left, right, top, bottom = 70.0, 90.0, 34.0, 40.0  # bottom: "… more" and the key
        gap = (w - left - right) / max(1, len(self.sizes) - 1)
        columns = []
        for c, size in enumerate(self.sizes):
            shown = min(size, MAX_SHOWN)
            pitch = (h - top - bottom) / max(1, shown)
            x = left + c * gap
            columns.append([QPointF(x, top + pitch * (k + 0.5)) for k in range(shown)])
        return columns

    def _radius(self) -> float:
        tallest = max((min(s, MAX_SHOWN) for s in self.sizes), default=1)
        return max(7.0, min(16.0, (self.height() - 60) / tallest / 3.2))

    def _forward_done(self, layer: int) -> bool:
        return self.stage >= layer + 1

    def _backward_done(self, layer: int) -> bool:
        depth = len(self.sizes) - 1
        return self.stage >= depth + 2 + (depth - 1 - layer)

    # painting -------------------------------------------------------------------------------------
    @qt_override
    def paintEvent(self, _event) -> None:
        try:
            self._paint()
        except Exception:  # noqa: BLE001 - a paint must never raise into Qt
            pass

    def _paint(self) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        columns = self._positions()
        if not columns:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing to step through: see the text below.")
            return
        r = self._radius()
        result = self.result
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, self.font().pointSizeF() - 1.5))
        painter.setFont(small)
        total_links = sum(min(a, MAX_SHOWN) * min(b, MAX_SHOWN) for a, b in zip(self.sizes, self.sizes[1:]))
        gap = columns[1][0].x() - columns[0][0].x() if len(columns) > 1 else 200.0
        # a hidden neuron's numbers go between it and the next column: written only where they fit there
        # (deep networks in a narrow window: the text below has them)
        roomy = gap >= 2 * r + painter.fontMetrics().horizontalAdvance("g(a)=-0.000") + 12
        largest = 1e-12
        if result is not None:
            largest = max(float(np.abs(p.grad_kernel).max()) for p in result.layers) or 1e-12
        for layer in range(len(columns) - 1):
            for s, a in enumerate(columns[layer]):
                for t, b in enumerate(columns[layer + 1]):
                    chosen = self.selected == (layer, s, t)
                    grad = float(result.layers[layer].grad_kernel[s, t]) if result is not None else 0.0
                    back = result is not None and self._backward_done(layer)
                    if back:
                        strength = min(1.0, abs(grad) / largest)
                        pen = QPen(QColor(*(style.POSITIVE if grad >= 0 else style.NEGATIVE)), 0.6 + 4 * strength)
                    elif result is not None and self._forward_done(layer) and self.stage <= len(self.sizes):
                        pen = QPen(FORWARD.lighter(150), 1.2)  # (grey again going back: blue means ∂ℓ/∂w > 0)
                    else:
                        pen = QPen(QColor(200, 200, 200), 1.0)
                    if chosen:
                        pen = QPen(QColor(20, 20, 20), max(pen.widthF() + 1.5, 3.0))
                    painter.setPen(pen)
                    painter.drawLine(QPointF(a.x() + r, a.y()), QPointF(b.x() - r, b.y()))
                    if back and (total_links <= MAX_LINK_LABELS or chosen):
                        # spread along the links by target, so the labels of links into one neuron stay apart;
                        # a link going up is labelled from its other end, so that two crossing links' labels
                        # sit above and below their crossing, not side by side on one line
                        # (past a hidden neuron's own numbers, which stand to its right)
                        low, high = (0.22, 0.78) if layer == 0 else (0.45, 0.82)
                        frac = low + (high - low) * (t + 0.5) / len(columns[layer + 1])
                        if b.y() < a.y():
                            frac = low + high - frac
                        where = QPointF(a.x() + (b.x() - a.x()) * frac, a.y() + (b.y() - a.y()) * frac)
                        self._label(painter, where, f"{grad:.3g}", BACKWARD, centre=True)
        for c, column in enumerate(columns):
            layer = c - 1
            for k, centre in enumerate(column):
                bias_chosen = layer >= 0 and self.selected == (layer, None, k)
                painter.setPen(QPen(QColor(20, 20, 20), 2.6 if bias_chosen else 1.2))
                fill = QColor(245, 245, 245)
                if result is not None and (layer < 0 or self._forward_done(layer)):
                    fill = QColor(222, 235, 250)
                if result is not None and layer >= 0 and self._backward_done(layer):
                    fill = QColor(252, 228, 214)
                painter.setBrush(fill)
                painter.drawEllipse(centre, r, r)
                if result is None:
                    continue
                if layer < 0:
                    self._label(painter, QPointF(centre.x() - r - 4, centre.y()), f"x={result.x[k]:.3g}",
                                QColor(40, 40, 40), right=True)
                    continue
                if not roomy and c < len(columns) - 1:
                    continue
                p = result.layers[layer]
                lines = []
                if self._forward_done(layer):
                    lines.append((f"a={p.a[k]:.3g}", FORWARD))
                    lines.append((f"g(a)={p.output[k]:.3g}", FORWARD))
                if self._backward_done(layer):
                    lines.append((f"δ={p.delta[k]:.3g}", BACKWARD))
                for n, (text, colour) in enumerate(lines):
                    self._label(painter, QPointF(centre.x() + r + 3, centre.y() - r + 2 + n * 12), text, colour)
            size = self.sizes[c]
            if size > MAX_SHOWN:  # under the column's last neuron
                painter.setPen(QColor(110, 110, 110))
                more = f"… {size - MAX_SHOWN} more" if gap >= 80 else f"+{size - MAX_SHOWN}"
                painter.drawText(QRectF(column[-1].x() - gap / 2, column[-1].y() + r + 1, gap, 14),
                                 Qt.AlignmentFlag.AlignCenter, more)
            painter.setPen(QColor(90, 90, 90))
            if gap >= 80:
                title = "inputs" if c == 0 else ("output" if c == len(columns) - 1 else f"layer {c}")
            else:  # narrow columns: short titles that do not run into each other
                title = "in" if c == 0 else ("out" if c == len(columns) - 1 else str(c))
            painter.drawText(QRectF(column[0].x() - gap / 2, 4, gap, 16), Qt.AlignmentFlag.AlignCenter, title)
        if result is not None and self.stage >= len(self.sizes):
            out = columns[-1][0]
            self._label(painter, QPointF(out.x(), out.y() + self._radius() + 38), f"loss ℓ = {result.loss:.4g}",
                        BACKWARD, centre=True)
        if result is not None:
            painter.setPen(QColor(100, 100, 100))
            key = "a: weighted sum   g(a): output" + (
                "   δ = ∂ℓ/∂a   links: ∂ℓ/∂w (blue +, orange −)" if self.stage > len(self.sizes) else "")
            if not roomy:
                painter.drawText(QPointF(6, self.height() - 20), "Hidden neurons' numbers: in the text below "
                                 "(or widen the window).")
            painter.drawText(QPointF(6, self.height() - 6), key)
        painter.end()

    def _label(self, painter: QPainter, at: QPointF, text: str, colour: QColor, centre: bool = False,
               right: bool = False) -> None:
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 4, metrics.height()
        x = at.x() - width / 2 if centre else at.x() - width if right else at.x()
        box = QRectF(x, at.y() - height / 2, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 225))
        painter.drawRect(box)
        painter.setPen(colour)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # clicks ---------------------------------------------------------------------------------------
    @qt_override
    def mousePressEvent(self, event) -> None:
        try:
            hit = self.hit(event.position())
            if hit is not None:
                self.link_clicked.emit(*hit)
        except Exception:  # noqa: BLE001 - an event handler must never raise into Qt
            pass

    def hit(self, point: QPointF) -> tuple[int, int | None, int] | None:
        """The parameter under ``point``: a neuron (its bias) or the link nearest to it."""
        columns = self._positions()
        r = self._radius()
        for c, column in enumerate(columns[1:]):
            for k, centre in enumerate(column):
                if math.hypot(point.x() - centre.x(), point.y() - centre.y()) <= r:
                    return c, None, k
        best, found = 6.0, None
        for layer in range(len(columns) - 1):
            for s, a in enumerate(columns[layer]):
                for t, b in enumerate(columns[layer + 1]):
                    d = _distance(point, QPointF(a.x() + r, a.y()), QPointF(b.x() - r, b.y()))
                    if d < best:
                        best, found = d, (layer, s, t)
        return found

    def neuron_point(self, layer: int, unit: int) -> QPointF:
        """The centre of neuron ``unit`` of Dense layer ``layer`` (0-based), in widget coordinates."""
        return self._positions()[layer + 1][unit]

    def link_point(self, layer: int, source: int, unit: int) -> QPointF:
        """A point on a link, a quarter of the way from its source (where crossing links are apart), in
        widget coordinates (for tests and clicks)."""
        columns, r = self._positions(), self._radius()
        a, b = columns[layer][source], columns[layer + 1][unit]
        ax, bx = a.x() + r, b.x() - r
        return QPointF(ax + (bx - ax) * 0.25, a.y() + (b.y() - a.y()) * 0.25)


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p.x() - ax) * dx + (p.y() - ay) * dy) / length))
    return math.hypot(p.x() - (ax + t * dx), p.y() - (ay + t * dy))


class BackpropExplorer(QWidget):
    """Pick a training point, then step: forward layer by layer, the loss, backward, the update."""

    update_requested = Signal(object)   # new Dense weights ((name, (kernel, bias)), ...) after one SGD step
    pick_random = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._html: str | None = None  # the text shown, kept so that unchanged numbers keep the reader's place
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.diagram = BackpropDiagram()
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.sample_label = QLabel("Click a point in the data plot, or take a random one.")
        self.sample_label.setWordWrap(True)
        self.random_button = QPushButton("Random")
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.apply_button = QPushButton("Apply")
        self.random_button.setToolTip("Take a random training point (R).")
        self.back_button.setToolTip("One step back (Left arrow).")
        self.next_button.setToolTip("Forward one layer, then the loss, then backward one layer (Right arrow).")
        self.apply_button.setToolTip("Take the step the update shows for every weight and bias, with this one "
                                     "point's gradient: Adam's when the training uses Adam, else plain SGD's "
                                     "(A). Only this button changes the training's weights.")
        buttons = QHBoxLayout()
        for button in (self.random_button, self.back_button, self.next_button, self.apply_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        buttons.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.diagram)
        split.addWidget(self.text)
        split.setSizes([330, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.sample_label)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        self.random_button.clicked.connect(self.pick_random)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.apply_button.clicked.connect(self.apply)
        self.diagram.link_clicked.connect(self.select)
        self._spec: NetworkSpec | None = None
        self._weights: tuple | None = None
        self._chain: list[bp.DenseLayer] = []
        self._problem = ""
        self._x: np.ndarray | None = None
        self._target = None
        self._point_text = ""
        self._loss = "binary_crossentropy"
        self._optimizer = "adam"
        self._rate = 0.001
        self._adam: tuple | None = None
        self.result: bp.Backprop | None = None
        self.stage = 0
        self.selected: tuple[int, int | None, int] | None = None
        self._refresh()

    # what to explain ------------------------------------------------------------------------------
    def set_network(self, spec: NetworkSpec) -> None:
        """A new network: the point stays, the steps start again."""
        self._spec, self._weights, self._chain = spec, None, []
        self.stage, self.selected, self.result = 0, None, None
        self._refresh()

    def set_training(self, loss: str, optimizer: str, learning_rate: float) -> None:
        self._loss, self._optimizer, self._rate = loss, optimizer, float(learning_rate)
        self._recompute()

    def set_weights(self, weights: tuple | None, adam: tuple | None = None) -> None:
        """The newest weights (a copy from a report) and Adam's state with them (the report's ``adam``);
        the numbers follow them, the step stays."""
        self._adam = adam
        if weights is None or weights is self._weights or self._spec is None:
            return
        self._weights = weights
        try:
            self._chain = bp.dense_chain(self._spec, weights)
            self._problem = ""
        except bp.CannotExplain as exc:
            self._chain, self._problem = [], str(exc)
        self._recompute()

    def set_sample(self, x, target, text: str = "") -> None:
        """The training point to explain: the network's inputs, its target and how to call it."""
        self._x, self._target = np.asarray(x, dtype=np.float64), target
        self._point_text = text
        self.stage, self.selected = 0, None
        self._recompute()

    def sample(self) -> tuple[np.ndarray, object] | None:
        """The point being explained: (the network's inputs, its target), None before one is chosen."""
        return None if self._x is None else (self._x, self._target)

    def _recompute(self) -> None:
        self.result = None
        if self._chain and self._x is not None:
            try:
                self.result = bp.explain_chain(self._chain, self._x, self._target, self._loss)
                self._problem = ""
            except bp.CannotExplain as exc:
                self._problem = str(exc)
        self._refresh()

    # steps ----------------------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self._chain)

    @property
    def last_stage(self) -> int:
        return 2 * self.depth + 2

    def next(self) -> None:
        if self.result is not None and self.stage < self.last_stage:
            self.stage += 1
            self._refresh()

    def back(self) -> None:
        if self.stage > 0:
            self.stage -= 1
            self._refresh()

    def select(self, layer: int, source, unit: int) -> None:
        """Write out the chain rule of this weight (source None: the bias)."""
        self.selected = (layer, source, unit)
        self._refresh()

    def apply(self) -> None:
        """Ask for the step the update shows, for every weight and bias: Adam's when the training uses Adam
        (with the averages it has gathered), plain SGD's otherwise."""
        if self.result is None or self.stage < self.last_stage:
            return
        self.update_requested.emit(bp.optimizer_step(self.result, self._rate, self._optimizer, self._adam))

    @qt_override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        try:
            key = event.key()
            if key in (Qt.Key.Key_Right, Qt.Key.Key_N):
                self.next()
            elif key in (Qt.Key.Key_Left, Qt.Key.Key_B):
                self.back()
            elif key == Qt.Key.Key_A:
                self.apply()
            elif key == Qt.Key.Key_R:
                self.pick_random.emit()
            else:
                super().keyPressEvent(event)
        except Exception:  # noqa: BLE001 - an event handler must never raise into Qt
            pass

    # showing --------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        sizes = bp.chain_sizes(self._chain)
        self.diagram.show_state(self.result, sizes, self.stage, self.selected)
        ready = self.result is not None
        self.back_button.setEnabled(ready and self.stage > 0)
        self.next_button.setEnabled(ready and self.stage < self.last_stage)
        self.apply_button.setEnabled(ready and self.stage == self.last_stage)
        self.apply_button.setText("Apply (Adam)" if self._optimizer == "adam" else "Apply (SGD)")
        if self._point_text:
            self.sample_label.setText(self._point_text)
        html = self.explanation()
        if html != self._html:  # new numbers keep the reader's place in the text
            self._html = html
            bar = self.text.verticalScrollBar()
            place = bar.value()
            self.text.setHtml(html)
            bar.setValue(place)

    def step_title(self) -> str:
        depth = self.depth
        if self.stage == 0:
            return "The point goes in"
        if self.stage <= depth:
            return f"Forward: layer {self.stage} of {depth}"
        if self.stage == depth + 1:
            return "The loss of this point"
        if self.stage <= 2 * depth + 1:
            return f"Backward: layer {2 * depth + 2 - self.stage} of {depth}"
        return "The update"

    def explanation(self) -> str:
        """The step's text (HTML): what happens, the numbers, the chosen weight, and the counts."""
        if self._problem:
            problem = self._problem[0].upper() + self._problem[1:]
            hint = ("<p>The explorer follows networks made of Dense layers only; take that layer out in the "
                    "builder to step through this one.</p>") if not self._chain else ""
            return f"<p>{_esc(problem)}.</p>{hint}"
        result = self.result
        if result is None:
            return ("<p>Pick a training point: click one in the data plot, or press <b>Random</b>. "
                    "Then press <b>Next ▶</b> to send it through the network one layer at a time, and on "
                    "to the loss and back.</p>" + self._counts())
        depth, stage = self.depth, self.stage
        parts = [f"<h3>{self.step_title()}</h3>"]
        if stage == 0:
            parts.append("<p>The inputs x are the point's features. Next: each neuron of layer 1 adds up its "
                         "weighted inputs and its bias, a = b + Σ w·x, and passes a through its activation g.</p>")
        elif stage <= depth:
            layer = stage - 1
            parts.append(_pre("\n".join(bp.forward_formula(result, layer, k)
                                        for k in range(min(4, result.layers[layer].a.size)))))
            if result.layers[layer].a.size > 4:
                parts.append(f"<p>… and {result.layers[layer].a.size - 4} more neurons.</p>")
        elif stage == depth + 1:
            y = ", ".join(f"{v:g}" for v in result.target)
            yhat = ", ".join(f"{v:.4g}" for v in result.prediction)
            parts.append(f"<p>The network says ŷ = {yhat}; the target is y = {y}. The loss "
                         f"({_loss_words(result.loss_name)}) is <b>ℓ = {result.loss:.4g}</b>.</p>"
                         "<p>Backward: how much would ℓ change if a neuron's sum a changed a little? That is "
                         "δ = ∂ℓ/∂a, found from the output back.</p>")
        elif stage <= 2 * depth + 1:
            layer = 2 * depth + 1 - stage
            parts.append(_pre("\n".join(bp.backward_formula(result, layer, k)
                                        for k in range(min(4, result.layers[layer].a.size)))))
            parts.append("<p>Every weight into these neurons: ∂ℓ/∂w = δ · (the input on its link), written on "
                         "the links. The δ stored here is reused for the layer below: that is backpropagation.</p>")
        else:
            parts.append(self._update_text())
        if self.selected is not None and stage > depth + 1:
            layer, source, unit = self.selected
            if self._backward_done(layer):
                try:
                    rule = bp.chain_rule(result, layer, source, unit)
                    parts.append("<p><b>The chain rule of the weight you clicked</b></p>" + _pre(rule.text()))
                except bp.CannotExplain:  # chosen in another network
                    self.selected = None
        elif stage > depth + 1 and self.selected is None:
            parts.append("<p>Click a link (a weight) or a neuron (its bias) to see its chain rule.</p>")
        parts.append(self._counts())
        return "".join(parts)

    def _backward_done(self, layer: int) -> bool:
        return self.stage >= self.depth + 2 + (self.depth - 1 - layer)

    def _update_text(self) -> str:
        result = self.result
        layer, source, unit = self.selected or (len(result.layers) - 1, 0, 0)
        if layer >= len(result.layers) or unit >= result.layers[layer].a.size or \
                (source is not None and source >= result.layers[layer].inputs.size):
            layer, source, unit = len(result.layers) - 1, 0, 0
        p = result.layers[layer]
        weight = float(p.bias[unit] if source is None else p.kernel[source, unit])
        gradient = float(p.grad_bias[unit] if source is None else p.grad_kernel[source, unit])
        name = bp.parameter_name(layer + 1, source, unit)
        sgd = bp.SgdStep(weight, gradient, self._rate)
        text = [f"<p>Gradient descent moves every weight a little downhill: for {name},</p>", _pre(sgd.text())]
        if self._optimizer != "adam":
            other = "" if self._optimizer == "sgd" else (
                f" (The training uses {self._optimizer}, which scales its steps; <b>Apply</b> takes plain SGD's.)")
            text.append("<p><b>Apply</b> does this for every weight and bias at once (plain SGD on this one "
                        f"point) and hands the new weights to the training.{other}</p>")
            return "".join(text)
        m, v, steps = bp.adam_moments(self._adam, p.name, source, unit)
        adam = bp.AdamStep(weight, gradient, self._rate, m, v, steps + 1)
        where = (f"With the averages training has gathered in its {steps} steps so far, its next step with "
                 "this gradient would be:" if steps else "Its first step, from fresh averages (m = v = 0):")
        text.append("<p>The training uses <b>Adam</b>, which does more with the gradient g: it keeps running "
                    "averages of g (m) and of g² (v), corrects their start-up bias, and steps by about α in "
                    f"the direction of −m/√v. {where}</p>" + _pre(adam.text()))
        text.append(f"<p>Adam moves {name} by {adam.step:+.4g}, plain SGD by {sgd.step:+.4g}. <b>Apply (Adam)</b> "
                    "takes Adam's step for every weight and bias at once, with this one point's gradient, and "
                    "hands the new weights to the training (its running averages m and v stay as they "
                    "were).</p>")
        return "".join(text)

    def _counts(self) -> str:
        if not self._chain:
            return ""
        count = bp.multiplication_count(bp.chain_sizes(self._chain))
        sizes = "-".join(str(s) for s in count.sizes)
        return (f"<hr><p><b>Backpropagation as dynamic programming</b> ({sizes} network, {count.parameters} "
                f"parameters): all gradients of one point take <b>{count.backprop:,}</b> multiplications when "
                f"each δ is stored and reused, <b>{count.naive:,}</b> when every parameter's chain rule is "
                f"multiplied out on its own, path by path (like Fibonacci with and without a memo).</p>"
                f"<p style='color:#666'>{_esc(count.FORMULA)}</p>")


def _loss_words(name: str) -> str:
    return {"mse": "mean squared error", "binary_crossentropy": "binary cross-entropy",
            "categorical_crossentropy": "cross-entropy", "sparse_categorical_crossentropy": "cross-entropy"}.get(
        name, name)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pre(text: str) -> str:
    return f"<pre style='font-size:small; white-space:pre-wrap'>{_esc(text)}</pre>"
