"""A small network's first moments in plain numpy: trained and drawn with nothing to trace.

Every network the Playground had not seen before waited for TensorFlow before anything could be shown: its
training and picture programs traced (Python building a graph op by op), then prepared by TensorFlow at their
first call, 0.7–1.5 s here for the default 2-2-1 net, again after "Add layer" or another activation; guesses
traced in the background to hide some of it held the interpreter lock while the student tried the next change.
For a chain of Dense layers over points in the plane the same numbers are a few small matrix products, so
this module computes, from the weights and the optimizer's state:

* a report's pictures and metrics, as :mod:`faststart`'s ``probe`` and ``light`` programs: the output over the
  picture's grid, every layer's output over the neuron maps' grid and the data, the loss and accuracy on the
  training (and test) points, the gradient norms per weight array on the first 512 points;
* batches of training, as faststart's ``train`` program: the same batches from the same order, the loss with
  the layers' L1/L2 penalties, its gradients, and Keras' update formulas (Adam, RMSprop, SGD), ending with the
  new weights, optimizer state and the batches' loss and metric sums.

Forward in float32 as Keras' Dense computes it (matmul, add the bias, the activation), the losses and their
gradients as Keras and TensorFlow define them (see :mod:`backprop`: a sigmoid / softmax output with
cross-entropy is differentiated from its weighted sums, other outputs clip the probability), the update in
float32 like the optimizer's. The numbers equal the graph programs' to float tolerance (tests compare them),
and an epoch takes ~8 ms here against ~30 ms through the graph program: the engine trains a network through
this until its XLA program is compiled, as it did through faststart's programs.

What it does not take (:func:`usable` says no; the graph programs do it as before): layers other than Dense,
images (a Flatten: MNIST is a job for TensorFlow), the perceptron's step, losses :mod:`backprop` cannot
explain, more than :data:`MAX_POINTS` training points.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import activations
from .backprop import CannotExplain, backward_through, check_loss, loss_gradient, loss_values
from .spec import NetworkSpec

#: the training points the gradient norms are measured on (as faststart's probe: the first 512)
GRAD_POINTS = 512
#: more training points than this: TensorFlow's programs (numpy's epoch takes long)
MAX_POINTS = 20000
OPTIMIZERS = ("adam", "rmsprop", "sgd")
LOSSES = ("binary_crossentropy", "sparse_categorical_crossentropy", "mse")


def usable(network: NetworkSpec, loss: str, optimizer: str) -> bool:
    """Whether :class:`NumpyNet` trains and draws this network: Dense layers only, over a flat input, no step,
    a loss :mod:`backprop` explains for its output, an optimizer of :data:`OPTIMIZERS` (and, at each call, at
    most :data:`MAX_POINTS` training points: :func:`small`)."""
    layers = network.layers
    if not layers or any(layer.kind != "dense" for layer in layers) or len(network.input_shape) != 1:
        return False
    if any(layer.activation == "step" for layer in layers) or loss not in LOSSES or optimizer not in OPTIMIZERS:
        return False
    try:
        check_loss(loss, layers[-1].activation, layers[-1].units)
    except CannotExplain:
        return False
    return True


def small(data: Mapping) -> bool:
    """Whether the data ``data`` (its training points ``x``) is small enough for :class:`NumpyNet`."""
    return int(data["x"].shape[0]) <= MAX_POINTS


class NumpyNet:
    """faststart's ``train``, ``probe`` and ``light`` programs for one network (see :func:`usable`).

    ``constants``: the optimizer's fixed numbers (beta_1, beta_2, epsilon, rho), as faststart takes them."""

    def __init__(self, network: NetworkSpec, loss: str, optimizer: str, constants: Mapping[str, float],
                 grad_norms: bool, has_test: bool) -> None:
        self.activations = [layer.activation for layer in network.layers]
        self.units = [layer.units for layer in network.layers]
        self.l1 = [float(layer.l1) for layer in network.layers]
        self.l2 = [float(layer.l2) for layer in network.layers]
        self.loss = loss
        self.optimizer = optimizer
        self.constants = {name: np.float32(value) for name, value in constants.items()}
        self.grad_norms = grad_norms
        self.has_test = has_test

    # the network ----------------------------------------------------------------------------------
    def forward_all(self, weights: Sequence[np.ndarray], x: np.ndarray, sums: list | None = None) -> list[np.ndarray]:
        """Every Dense layer's output for the points ``x`` (float32, as Keras' Dense computes it); ``sums``,
        if given, gets each layer's weighted sums."""
        h = np.asarray(x, dtype=np.float32)
        outputs = []
        for i, name in enumerate(self.activations):
            z = h @ weights[2 * i] + weights[2 * i + 1]
            if sums is not None:
                sums.append(z)
            h = activations.value(z, name)
            outputs.append(h)
        return outputs

    def targets(self, y: np.ndarray) -> np.ndarray:
        """The targets as the output layer's shape (a class number one-hot), in float64."""
        y = np.asarray(y)
        if self.loss == "sparse_categorical_crossentropy":
            return np.eye(self.units[-1])[y.reshape(-1).astype(np.int64)]
        return y.reshape(len(y), -1).astype(np.float64)

    def _penalty(self, weights: Sequence[np.ndarray]) -> float:
        total = 0.0
        for i, (l1, l2) in enumerate(zip(self.l1, self.l2)):
            if l1 or l2:
                kernel = np.asarray(weights[2 * i], dtype=np.float64)
                total += l1 * float(np.abs(kernel).sum()) + l2 * float(np.square(kernel).sum())
        return total

    def _metric(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Accuracy for classification, the squared error for regression (faststart.batch_metric)."""
        if self.loss == "binary_crossentropy":
            return float(np.mean((pred > 0.5) == target))
        if self.loss == "sparse_categorical_crossentropy":
            return float(np.mean(np.argmax(pred, axis=-1) == np.argmax(target, axis=-1)))
        return float(np.mean(np.square(pred - target)))

    def evaluate(self, weights: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray) -> dict:
        """The loss with the layers' penalties, the metric, and for mse the coefficient of determination, as
        faststart's ``evaluate``."""
        sums: list = []
        pred = self.forward_all(weights, x, sums)[-1].astype(np.float64)
        target = self.targets(y)
        loss = float(loss_values(sums[-1].astype(np.float64), pred, target, self.loss, self.activations[-1]).mean())
        out = {"loss": loss + self._penalty(weights), "metric": self._metric(pred, target)}
        if self.loss == "mse":
            resid = float(np.square(target - pred).sum())
            total = float(np.square(target - target.mean()).sum())
            out["r2"] = 1.0 - resid / max(total, 1e-12)
        return out

    def gradients(self, weights: Sequence[np.ndarray], x: np.ndarray, target: np.ndarray) -> tuple[list, float, float]:
        """The gradient of the mean loss (penalties included) by each weight array, in the weights' order
        (float32), and the loss and metric, for the points ``x`` and their :meth:`targets`."""
        sums: list = []
        outs = self.forward_all(weights, x, sums)
        ins = [np.asarray(x, dtype=np.float64)] + [o.astype(np.float64) for o in outs[:-1]]
        z, out = sums[-1].astype(np.float64), outs[-1].astype(np.float64)
        last = self.activations[-1]
        loss = float(loss_values(z, out, target, self.loss, last).mean()) + self._penalty(weights)
        metric = self._metric(out, target)
        delta = loss_gradient(z, out, target, self.loss, last)[1] / max(len(z), 1)
        grads: list = [None] * (2 * len(self.activations))
        for i in reversed(range(len(self.activations))):
            kernel = np.asarray(weights[2 * i], dtype=np.float64)
            grad = ins[i].T @ delta
            if self.l1[i] or self.l2[i]:
                grad = grad + self.l1[i] * np.sign(kernel) + 2.0 * self.l2[i] * kernel
            grads[2 * i], grads[2 * i + 1] = grad.astype(np.float32), delta.sum(axis=0).astype(np.float32)
            if i:  # through layer i's kernel, then layer i - 1's activation
                delta = backward_through(sums[i - 1].astype(np.float64), ins[i], self.activations[i - 1],
                                         delta @ kernel.T)
        return grads, loss, metric

    def gradient_norms(self, weights: Sequence[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[float]:
        """The norm of the loss's gradient (penalties included) by each weight array, in the weights' order."""
        grads = self.gradients(weights, x, self.targets(y))[0]
        return [float(np.linalg.norm(g.astype(np.float64))) for g in grads]

    # the optimizer --------------------------------------------------------------------------------
    def update(self, grads: list, weights: list, slots: list, iterations: int, lr: np.float32) -> None:
        """One optimizer step with Keras' formulas (faststart's ``update``), in place, in float32."""
        c = self.constants
        n = len(weights)
        one = np.float32(1)
        if self.optimizer == "adam":
            step = np.float32(iterations + 1)
            alpha = lr * np.sqrt(one - c["beta_2"] ** step) / (one - c["beta_1"] ** step)
            for i, g in enumerate(grads):
                m, v = slots[i], slots[n + i]
                m += (g - m) * (one - c["beta_1"])
                v += (np.square(g) - v) * (one - c["beta_2"])
                weights[i] -= (m * alpha) / (np.sqrt(v) + c["epsilon"])
        elif self.optimizer == "rmsprop":
            rho = c["rho"]
            for i, g in enumerate(grads):
                slots[i][...] = rho * slots[i] + (one - rho) * np.square(g)
                weights[i] -= (lr * g) / np.sqrt(slots[i] + c["epsilon"])
        else:
            for i, g in enumerate(grads):
                weights[i] -= g * lr

    # the programs ---------------------------------------------------------------------------------
    def train(self, weights: Sequence[np.ndarray], slots: Sequence[np.ndarray], iterations: int, learning_rate: float,
              data: Mapping[str, np.ndarray], order: np.ndarray, start: int, n_full: int, batch_size: int,
              rest: int) -> dict:
        """``n_full`` batches of ``batch_size`` from ``order`` at ``start``, then (``rest`` > 0) one of ``rest``,
        as faststart's ``train``: the new weights and optimizer state, and the batches' loss and metric sums
        (each times its size)."""
        weights = [np.array(w, dtype=np.float32) for w in weights]
        slots = [np.array(s, dtype=np.float32) for s in slots]
        lr = np.float32(learning_rate)
        x, target = np.asarray(data["x"], dtype=np.float32), self.targets(data["y"])
        order = np.asarray(order)
        loss_sum = metric_sum = 0.0
        for i in range(n_full + (1 if rest > 0 else 0)):
            begin = start + i * batch_size
            size = batch_size if i < n_full else rest
            rows = order[begin:begin + size]
            grads, loss, metric = self.gradients(weights, x[rows], target[rows])
            self.update(grads, weights, slots, iterations, lr)
            iterations += 1
            loss_sum += loss * size
            metric_sum += metric * size
        return {"weights": weights, "slots": slots, "iterations": iterations, "loss_sum": loss_sum,
                "metric_sum": metric_sum}

    def light(self, weights: Sequence[np.ndarray], data: Mapping[str, np.ndarray]) -> dict:
        """The metrics on the training (``fit``) and test data: faststart's ``light``."""
        out = {"fit": self.evaluate(weights, data["x"], data["y"])}
        if self.has_test:
            out["test"] = self.evaluate(weights, data["xt"], data["yt"])
        return out

    def probe(self, weights: Sequence[np.ndarray], data: Mapping[str, np.ndarray]) -> dict:
        """What a report shows, as faststart's ``probe``: the metrics, the pictures, the weights."""
        out = {"weights": list(weights), **self.light(weights, data)}
        if "grid" in data:
            out["surface"] = self.forward_all(weights, data["grid"])[-1]
        if "ngrid" in data:
            out["neuron_maps"] = self.forward_all(weights, data["ngrid"])
        if "act" in data:
            out["activations"] = self.forward_all(weights, data["act"])
        if self.grad_norms:
            out["grad_norms"] = self.gradient_norms(weights, data["x"][:GRAD_POINTS], data["y"][:GRAD_POINTS])
        return out


__all__ = ["GRAD_POINTS", "LOSSES", "MAX_POINTS", "NumpyNet", "OPTIMIZERS", "small", "usable"]
