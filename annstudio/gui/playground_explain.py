"""The Playground's wiring of its two explainers: the backprop explorer (one training point forward and back
through the network, chosen in the data plot; its "Apply" takes the update) and the loss landscape (its
axes the last two parameters clicked in the explorer, its one-click optimizer comparison), and the formula
the network view shows on hovering a neuron or a weight.

A mixin of :class:`~annstudio.gui.playground.Playground`: it uses the Playground's panels and views and
never imports the Playground (no import cycle).
"""
from __future__ import annotations

import numpy as np

from ..core.control import NeuronEdit


class PlaygroundExplainers:
    """The backprop explorer's and the loss landscape's side of the Playground."""

    def _connect_explainers(self) -> None:
        self.backprop_view.pick_random.connect(self.pick_random_point)
        self.backprop_view.update_requested.connect(self.apply_update)
        self.surface.point_picked.connect(self.pick_point_near)
        self.network_view.formula = self.hover_formula
        self.backprop_view.diagram.link_clicked.connect(self._landscape_follows_clicks)
        self.landscape.compare_requested.connect(self.compare_optimizer)

    def _explainers_settings_changed(self) -> None:
        spec, data = self.network_spec(), self.dataset()
        self.backprop_view.set_network(spec)
        self.landscape.set_network(spec)
        self.landscape.set_optimizer(self.train_spec().optimizer)
        from ..core.datasets import expand_features

        self.landscape.set_data(expand_features(data.x_train, spec.features), data.y_train, self.builder.loss())
        if len(data.x_train):
            self.pick_point(0)

    def compare_optimizer(self, optimizer: str) -> None:
        """The landscape's one-click comparison: the same start, trained with ``optimizer``; the path so far
        stays on the landscape, dashed."""
        combo = self.training.optimizer_combo
        if combo.findData(optimizer) < 0:
            return
        combo.setCurrentIndex(combo.findData(optimizer))
        self.reset()
        self._refresh_untrained()  # the untrained start first (the path's first point), then Play trains
        self.play()

    def _landscape_follows_clicks(self, layer: int, source, unit: int) -> None:
        """The last two parameters clicked in the Backprop tab become the loss landscape's axes."""
        from ..core.landscape import Param

        clicked = Param(layer, source, unit)
        previous = self._last_clicked
        if previous is not None and previous != clicked:
            self.landscape.choose(previous, clicked)
        self._last_clicked = clicked

    def _run_label(self) -> str:
        train = self.train_spec()
        return f"{train.optimizer.upper() if train.optimizer == 'sgd' else train.optimizer.capitalize()}, " \
               f"α = {train.learning_rate:g}"

    def hover_formula(self, layer: str, source: int | None, unit: int) -> str:
        """What the network view shows on hovering a neuron (source None) or a link: its formula with the
        newest weights and the Backprop tab's training point."""
        from ..core import backprop as bp

        report, sample = self.run.latest, self.backprop_view.sample()
        if report is None or report.weights is None or sample is None:
            return ""
        try:
            chain = bp.dense_chain(self.network_spec(), report.weights)
            result = bp.explain_chain(chain, sample[0], sample[1], self.builder.loss())
        except bp.CannotExplain:
            return ""
        index = [p.name for p in result.layers].index(layer)
        point = f"for the Backprop tab's point x = ({', '.join(f'{v:.3g}' for v in result.x)})"
        if source is None:
            text = bp.forward_formula(result, index, unit) + "\n" + bp.backward_formula(result, index, unit)
        else:
            p = result.layers[index]
            name = bp.parameter_name(index + 1, source, unit)
            text = (f"{name} = {float(p.kernel[source, unit]):.4g}\n∂ℓ/∂w = δ · input = "
                    f"{float(p.delta[unit]):.4g} · {float(p.inputs[source]):.4g} = "
                    f"{float(p.grad_kernel[source, unit]):.4g}")
        html = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")
        return f"<div style='white-space:pre'>{html}</div><i>{point}</i>"

    def pick_point(self, index: int) -> None:
        """Explain training point ``index`` in the Backprop tab."""
        from ..core.datasets import expand_features

        data, spec = self.dataset(), self.network_spec()
        if not 0 <= index < len(data.x_train):
            return
        raw = data.x_train[index]
        x = expand_features(raw[None], spec.features)[0]
        target = data.y_train[index]
        where = ", ".join(f"{v:.3g}" for v in np.ravel(raw))
        self.backprop_view.set_sample(x, target, f"Training point {index + 1} of {len(data.x_train)}: "
                                                 f"({where}), target {float(np.ravel(target)[0]):.3g}. "
                                                 "Click another point in the data plot to choose it.")
        self.surface.set_picked(raw if raw.size == 2 else (float(raw[0]), float(np.ravel(target)[0])))

    def pick_random_point(self) -> None:
        count = len(self.dataset().x_train)
        if count:
            self.pick_point(int(np.random.default_rng().integers(count)))

    def pick_point_near(self, x: float, y: float) -> None:
        data = self.dataset()
        if not len(data.x_train):
            return
        points = data.x_train if data.x_train.shape[1] == 2 else np.column_stack([data.x_train[:, 0], data.y_train])
        self.pick_point(int(np.argmin(((points - (x, y)) ** 2).sum(axis=1))))

    def apply_update(self, weights: tuple) -> None:
        """The explorer's "Apply": every neuron gets its new weights through the engine's edits."""
        edits = tuple(NeuronEdit(name, unit, incoming=np.asarray(kernel[:, unit], np.float32),
                                 bias=float(bias[unit]))
                      for name, (kernel, bias) in weights for unit in range(len(bias)))
        if all(self.session.request_edit(edit) for edit in edits):
            return
        self.run.start(epochs=0, edits=edits)
