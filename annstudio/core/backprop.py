"""Backpropagation of one sample through a dense network, with every number a student can check.

For a chain of Dense layers (the builder's activations: linear, relu, sigmoid, tanh, softmax) and the
losses ANN Studio trains with (binary, categorical and sparse categorical cross-entropy, mean squared
error) this computes, in float64 numpy from a copy of the weights:

* forward: each layer's weighted sums ``a = b + Σ w·x`` and outputs ``g(a)``;
* backward: ``δ = ∂ℓ/∂a`` for every neuron, ``∂ℓ/∂W = input ⊗ δ`` and ``∂ℓ/∂b = δ``, and the loss;
* the chain rule of one chosen weight written out factor by factor;
* the update plain SGD makes with that gradient, and the one Adam makes (first and second moments,
  bias correction, the step);
* the multiplications backpropagation needs versus differentiating every weight on its own.

The numbers follow Keras' conventions, so they equal TensorFlow's ``GradientTape`` gradients: a sigmoid
(softmax) output with binary (categorical) cross-entropy is differentiated from its weighted sums, as
Keras does (``δ = ŷ − y``, no clipping); other outputs clip the probability to [1e-7, 1 − 1e-7];
relu'(0) = 0.

What it cannot explain, and says so (:class:`CannotExplain`): BatchNormalization (its training step uses
the batch's statistics, not one sample's) and Dropout (it silences random neurons in every step). The
L1/L2 penalty of a layer is not part of one sample's loss and is left out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import activations
from .forward import Weights, layer_names
from .spec import NetworkSpec, SpecError

EPSILON = 1e-7  # Keras' backend.epsilon(), used to clip probabilities
LOSS_NAMES = {
    "binary_crossentropy": "binary_crossentropy", "binarycrossentropy": "binary_crossentropy",
    "bce": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy", "categoricalcrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "mse": "mse", "mean_squared_error": "mse", "meansquarederror": "mse",
}
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "mse")
#: What the explorer explains: every activation with a derivative (the step has none: the perceptron rule trains it).
ACTIVATIONS = tuple(name for name in activations.NAMES if name != "step")


class CannotExplain(SpecError):
    """A network, loss or sample this module cannot explain, with the reason in one sentence."""


# ------------------------------------------------------------------------------------------------
# the network as a chain of Dense layers
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DenseLayer:
    name: str
    kernel: np.ndarray      # (inputs, units), float64
    bias: np.ndarray        # (units,)
    activation: str

    @property
    def units(self) -> int:
        return int(self.bias.shape[0])

    @property
    def inputs(self) -> int:
        return int(self.kernel.shape[0])


def dense_chain(spec: NetworkSpec, weights: Weights) -> list[DenseLayer]:
    """The network's Dense layers with their weights as float64. An Activation layer right after a
    linear Dense layer is folded into it; a Flatten layer at the start is allowed (the input is
    flattened). Anything else raises :class:`CannotExplain`."""
    spec.validate()
    for layer in spec.layers:
        if layer.kind == "batchnorm":
            raise CannotExplain("a BatchNormalization layer cannot be explained one sample at a time "
                                "(its training step uses the whole batch's mean and variance)")
        if layer.kind == "dropout":
            raise CannotExplain("a Dropout layer cannot be explained one sample at a time "
                                "(it silences different random neurons in every step)")
    given = list(weights.items()) if hasattr(weights, "items") else [(n, a) for n, a in weights]
    given = [(name, arrays) for name, arrays in given if len(arrays)]
    names = layer_names(spec)
    dense_names = [n for n, layer in zip(names, spec.layers) if layer.kind == "dense"]
    by_name = dict(given)
    if all(n in by_name for n in dense_names) and len(given) == len(dense_names):
        arrays = [by_name[n] for n in dense_names]
    elif len(given) == len(dense_names):
        arrays = [a for _, a in given]
    else:
        arrays = None
    chain: list[DenseLayer] = []
    seen_dense = False
    for layer, name in zip(spec.layers, names):
        if layer.kind == "flatten" and not seen_dense:
            continue
        if layer.kind == "activation" and chain and chain[-1].activation == "linear":
            chain[-1] = DenseLayer(chain[-1].name, chain[-1].kernel, chain[-1].bias, layer.activation)
            continue
        if layer.kind != "dense":
            raise CannotExplain(f"a {layer.describe()} layer in that place cannot be explained; "
                                "only a chain of Dense layers can")
        if arrays is None:
            raise CannotExplain(f"the weights do not fit the network: it has {len(dense_names)} Dense layers, "
                                f"{len(given)} layers with weights were given")
        kernel, bias = (np.asarray(a, dtype=np.float64) for a in arrays[len(chain)])
        incoming = chain[-1].units if chain else int(np.prod(spec.input_shape))
        if kernel.shape != (incoming, layer.units) or bias.shape != (layer.units,):
            raise CannotExplain(f"{name} needs a kernel of shape {(incoming, layer.units)} and a bias of "
                                f"{layer.units}, not {kernel.shape} and {bias.shape}")
        chain.append(DenseLayer(name, kernel, bias, layer.activation))
        seen_dense = True
    return chain


def activate(a: np.ndarray, name: str) -> np.ndarray:
    """g(a) along the last axis (softmax) or element by element (core.activations, in float64)."""
    return activations.value(np.asarray(a, dtype=np.float64), name)


def slope(a: np.ndarray, out: np.ndarray, name: str) -> np.ndarray:
    """g'(a) element by element (not for softmax, whose outputs depend on each other); relu'(0) = 0 as in
    TensorFlow."""
    return activations.derivative(a, name)


def backward_through(a: np.ndarray, out: np.ndarray, name: str, grad_out: np.ndarray) -> np.ndarray:
    """∂ℓ/∂a from ∂ℓ/∂g(a): element by element, or through softmax's Jacobian."""
    if name == "softmax":
        return out * (grad_out - (out * grad_out).sum(axis=-1, keepdims=True))
    return slope(a, out, name) * grad_out


# ------------------------------------------------------------------------------------------------
# losses (vectorised over leading axes; the last axis is the output layer's units)
# ------------------------------------------------------------------------------------------------
def loss_name(name: str) -> str:
    """The canonical name of a loss (``mean_squared_error`` → ``mse``), or :class:`CannotExplain`."""
    key = str(name).strip().lower().replace(" ", "_")
    key = LOSS_NAMES.get(key, LOSS_NAMES.get(key.replace("_", ""), ""))
    if not key:
        raise CannotExplain(f"the loss {name!r} is not one this explains; use one of {', '.join(LOSSES)}")
    return key


def loss_from_config(saved) -> str | None:
    """The loss name from a saved model's compile config (a name or a Keras loss's config), None when
    there is none; :class:`CannotExplain` for a loss whose options change the formula."""
    if saved is None:
        return None
    if isinstance(saved, str):
        return loss_name(saved)
    if isinstance(saved, dict):
        options = saved.get("config") if isinstance(saved.get("config"), dict) else {}
        if options.get("from_logits"):
            raise CannotExplain("the model's loss takes logits (from_logits=True), which this cannot explain")
        if options.get("label_smoothing"):
            raise CannotExplain("the model's loss smooths its labels, which this cannot explain")
        return loss_name(str(saved.get("class_name") or options.get("name") or "?"))
    raise CannotExplain("the model was compiled with several losses, which this cannot explain")


def uses_logits(loss: str, activation: str) -> bool:
    """Keras computes cross-entropy from the weighted sums when the output is sigmoid/softmax."""
    return (loss == "binary_crossentropy" and activation == "sigmoid") or \
        (loss in ("categorical_crossentropy", "sparse_categorical_crossentropy") and activation == "softmax")


def check_loss(loss: str, activation: str, units: int) -> None:
    if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy") and activation != "softmax":
        raise CannotExplain(f"{loss} needs a softmax output layer; this one is {activation}")
    if loss == "binary_crossentropy" and activation == "softmax":
        raise CannotExplain("binary_crossentropy on a softmax output cannot be explained; use categorical "
                            "cross-entropy")
    if loss == "sparse_categorical_crossentropy" and units < 2:
        raise CannotExplain("sparse categorical cross-entropy needs at least two output neurons")


def target_vector(target: float | int | Sequence[float] | np.ndarray, units: int, loss: str) -> np.ndarray:
    """The target as the output layer's shape: a class number becomes a one-hot vector for the
    categorical losses. A target that does not fit raises :class:`CannotExplain`."""
    values = np.atleast_1d(np.asarray(target, dtype=np.float64)).ravel()
    if not np.isfinite(values).all():
        raise CannotExplain("the target must be numbers")
    if loss in ("sparse_categorical_crossentropy", "categorical_crossentropy") and values.size == 1 and units > 1:
        k = values[0]
        if k != int(k) or not 0 <= k < units:
            raise CannotExplain(f"the target must be a class number from 0 to {units - 1}, not {k:g}")
        values = np.zeros(units)
        values[int(k)] = 1.0
    if loss == "sparse_categorical_crossentropy" and values.size != units:
        raise CannotExplain(f"the target must be one class number from 0 to {units - 1}")
    if values.size != units:
        raise CannotExplain(f"the target must have {units} value{'s' if units > 1 else ''} "
                            f"(one per output neuron), not {values.size}")
    if loss == "binary_crossentropy" and ((values < 0) | (values > 1)).any():
        raise CannotExplain("a binary cross-entropy target must lie between 0 and 1")
    return values


def loss_values(a: np.ndarray, out: np.ndarray, y: np.ndarray, loss: str, activation: str) -> np.ndarray:
    """ℓ per sample (leading axes kept), as Keras computes it: averaged over the output units for
    binary cross-entropy and MSE, summed over the classes for categorical cross-entropy."""
    if loss == "mse":
        return ((out - y) ** 2).mean(axis=-1)
    if uses_logits(loss, activation):
        if loss == "binary_crossentropy":
            return (np.maximum(a, 0) - a * y + np.log1p(np.exp(-np.abs(a)))).mean(axis=-1)
        shifted = a - a.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -(y * log_p).sum(axis=-1)
    p = np.clip(out, EPSILON, 1 - EPSILON)
    return (-(y * np.log(p) + (1 - y) * np.log(1 - p))).mean(axis=-1)


def loss_gradient(a: np.ndarray, out: np.ndarray, y: np.ndarray, loss: str, activation: str) -> tuple[np.ndarray | None, np.ndarray]:
    """(∂ℓ/∂ŷ, ∂ℓ/∂a) of the output layer. ∂ℓ/∂ŷ is None where Keras skips it (the logits form)."""
    units = out.shape[-1]
    if loss == "mse":
        d_out = 2.0 * (out - y) / units
        return d_out, backward_through(a, out, activation, d_out)
    if uses_logits(loss, activation):
        if loss == "binary_crossentropy":
            return None, (out - y) / units
        return None, out * y.sum(axis=-1, keepdims=True) - y
    p = np.clip(out, EPSILON, 1 - EPSILON)
    inside = (out >= EPSILON) & (out <= 1 - EPSILON)  # clip passes the gradient only inside
    d_out = np.where(inside, (-(y / p) + (1 - y) / (1 - p)) / units, 0.0)
    return d_out, backward_through(a, out, activation, d_out)


# ------------------------------------------------------------------------------------------------
# one sample, forward and backward
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerPass:
    """One Dense layer's numbers for one sample."""

    name: str
    activation: str
    kernel: np.ndarray      # (inputs, units)
    bias: np.ndarray        # (units,)
    inputs: np.ndarray      # x: what comes in (the previous layer's outputs)
    a: np.ndarray           # weighted sums b + Σ w·x
    output: np.ndarray      # g(a)
    delta: np.ndarray       # ∂ℓ/∂a
    grad_kernel: np.ndarray  # ∂ℓ/∂W = x ⊗ δ, (inputs, units)
    grad_bias: np.ndarray   # ∂ℓ/∂b = δ

    @property
    def slope(self) -> np.ndarray:
        """g'(a) (for softmax the diagonal of its Jacobian, ŷ(1 − ŷ))."""
        if self.activation == "softmax":
            return self.output * (1 - self.output)
        return slope(self.a, self.output, self.activation)

    def to_dict(self) -> dict:
        return {"name": self.name, "activation": self.activation, "a": self.a.tolist(),
                "output": self.output.tolist(), "delta": self.delta.tolist(),
                "grad_kernel": self.grad_kernel.tolist(), "grad_bias": self.grad_bias.tolist()}


@dataclass(frozen=True)
class Backprop:
    """Forward and backward pass of one sample: ``layers`` in order from input to output."""

    x: np.ndarray
    target: np.ndarray
    loss_name: str
    loss: float
    layers: tuple[LayerPass, ...]
    grad_output: np.ndarray | None  # ∂ℓ/∂ŷ; None where it is not one number per output (softmax with
    # cross-entropy) or ŷ is saturated at exactly 0 or 1

    @property
    def prediction(self) -> np.ndarray:
        return self.layers[-1].output

    def to_dict(self) -> dict:
        return {"input": self.x.tolist(), "target": self.target.tolist(), "loss_name": self.loss_name,
                "loss": float(self.loss), "layers": [layer.to_dict() for layer in self.layers]}


def explain(spec: NetworkSpec, weights: Weights, x: Sequence[float] | np.ndarray, target, loss: str) -> Backprop:
    """Forward and backward pass of one sample ``x`` with ``target`` under ``loss``."""
    return explain_chain(dense_chain(spec, weights), x, target, loss)


def explain_chain(chain: Sequence[DenseLayer], x, target, loss: str) -> Backprop:
    loss = loss_name(loss)
    if not chain:
        raise CannotExplain("the network has no Dense layer")
    last = chain[-1]
    check_loss(loss, last.activation, last.units)
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size != chain[0].inputs or not np.isfinite(x).all():
        raise CannotExplain(f"the network takes {chain[0].inputs} input number"
                            f"{'s' if chain[0].inputs > 1 else ''}, not {x.size}"
                            if x.size != chain[0].inputs else "the inputs must be numbers")
    y = target_vector(target, last.units, loss)
    inputs, sums, outs = [], [], []
    h = x
    for layer in chain:
        inputs.append(h)
        a = layer.bias + h @ layer.kernel
        h = activate(a, layer.activation)
        sums.append(a)
        outs.append(h)
    value = float(loss_values(sums[-1], outs[-1], y, loss, last.activation))
    grad_output, delta = loss_gradient(sums[-1], outs[-1], y, loss, last.activation)
    if grad_output is None and last.activation == "sigmoid":
        # Keras skips ∂ℓ/∂ŷ here, but a student's chain rule has it: ∂ℓ/∂ŷ · ŷ(1 − ŷ) = δ
        spread = outs[-1] * (1 - outs[-1])
        if (spread > 1e-12).all():
            grad_output = delta / spread
    deltas = [delta]
    for i in range(len(chain) - 2, -1, -1):
        back = chain[i + 1].kernel @ deltas[0]  # ∂ℓ/∂h: each neuron collects the δ of the layer above
        deltas.insert(0, backward_through(sums[i], outs[i], chain[i].activation, back))
    passes = tuple(LayerPass(layer.name, layer.activation, layer.kernel, layer.bias, inputs[i], sums[i], outs[i],
                             deltas[i], np.outer(inputs[i], deltas[i]), deltas[i].copy())
                   for i, layer in enumerate(chain))
    return Backprop(x, y, loss, value, passes, grad_output)


# ------------------------------------------------------------------------------------------------
# the chain rule of one weight
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    symbol: str    # e.g. "∂ℓ/∂ŷ" or "w(2: 1→1)"
    meaning: str   # in words
    value: float


@dataclass(frozen=True)
class ChainRule:
    """∂ℓ/∂(one parameter) as a product of factors (``factors``), plus, where the error reaches the
    neuron by several paths, the sum that collects them (``sum_terms``: the δ of the layer above times
    the weight to it)."""

    parameter: str
    gradient: float
    factors: tuple[Factor, ...]
    sum_terms: tuple[tuple[float, float], ...] = ()  # (w to neuron k above, δ_k) pairs

    def text(self, digits: int = 4) -> str:
        def f(v: float) -> str:
            return f"{v:.{digits}g}"
        values = " · ".join(f"({f(fa.value)})" if fa.value < 0 else f(fa.value) for fa in self.factors)
        lines = [f"∂ℓ/∂{self.parameter} = the product of {len(self.factors)} factors:"]
        for k, fa in enumerate(self.factors):
            lines.append(f"  {'  ' if k == 0 else '· '}{fa.symbol} = {f(fa.value)}   ({fa.meaning})")
        lines.append(f"  = {values} = {f(self.gradient)}")
        if self.sum_terms:
            terms = " + ".join(f"{f(w)}·" + (f"({f(d)})" if d < 0 else f(d)) for w, d in self.sum_terms)
            lines.append(f"  the sum over the neurons above: Σ w·δ = {terms}")
        return "\n".join(lines)


def neuron(layer: int, unit: int) -> str:
    """A neuron's name in the texts: layer and neuron counted from 1 (layer 0 is the input)."""
    return f"{layer},{unit + 1}"


def parameter_name(layer: int, source: int | None, unit: int) -> str:
    """``w(l: i→j)`` for the weight from neuron i of layer l−1 to neuron j of layer l, ``b(l,j)`` for a
    bias; ``layer`` counts the Dense layers from 1."""
    if source is None:
        return f"b({neuron(layer, unit)})"
    return f"w({layer}: {source + 1}→{unit + 1})"


def chain_rule(result: Backprop, layer: int, source: int | None, unit: int) -> ChainRule:
    """The chain rule of the weight from neuron ``source`` of the layer below to neuron ``unit`` of
    Dense layer ``layer`` (0-based here; ``source`` None: that neuron's bias), with the numbers.

    Along a single path (every layer above has one neuron) it is the full product
    ∂ℓ/∂ŷ · ∂ŷ/∂a · ∂a/∂h · ∂h/∂a · … · ∂a/∂w; where paths fan out, the product stops at the first
    neuron whose error is a sum over the layer above, which backpropagation has already computed (its δ).
    """
    passes = result.layers
    here = passes[layer]
    if not 0 <= unit < here.a.size or (source is not None and not 0 <= source < here.inputs.size):
        raise CannotExplain("that weight is not in the network")
    number = layer + 1
    name = parameter_name(number, source, unit)
    tail = ([Factor(f"∂a({neuron(number, unit)})/∂{name}", "the input on that link" if layer else "the input value",
                    float(here.inputs[source]))] if source is not None else
            [Factor(f"∂a({neuron(number, unit)})/∂{name}", "a bias enters the sum with factor 1", 1.0)])
    gradient = float(here.grad_kernel[source, unit] if source is not None else here.grad_bias[unit])
    factors: list[Factor] = []
    sum_terms: tuple = ()
    j, depth = unit, layer
    while True:
        p = passes[depth]
        tag = neuron(depth + 1, j)
        if depth == len(passes) - 1:
            if result.grad_output is None or p.activation == "softmax":
                factors.insert(0, Factor(f"δ({tag})", _output_delta_words(result, p), float(p.delta[j])))
            else:
                out_sym = "ŷ" if p.a.size == 1 else f"ŷ{j + 1}"
                factors.insert(0, Factor(f"∂{out_sym}/∂a({tag})", f"the slope of {p.activation} at a = "
                                         f"{p.a[j]:.4g}", float(p.slope[j])))
                factors.insert(0, Factor(f"∂ℓ/∂{out_sym}", _loss_slope_words(result.loss_name),
                                         float(result.grad_output[j])))
            break
        factors.insert(0, Factor(f"∂h({tag})/∂a({tag})", f"the slope of {p.activation} at a = {p.a[j]:.4g}",
                                 float(p.slope[j])))
        above = passes[depth + 1]
        if above.a.size == 1:
            factors.insert(0, Factor(f"∂a({neuron(depth + 2, 0)})/∂h({tag})",
                                     f"the weight from h({tag}) up", float(above.kernel[j, 0])))
            j, depth = 0, depth + 1
            continue
        collected = float(above.kernel[j] @ above.delta)
        factors.insert(0, Factor(f"∂ℓ/∂h({tag})", "Σ over the neurons above of (weight to it) · (its δ), "
                                 "δ stored by backpropagation", collected))
        sum_terms = tuple((float(w), float(d)) for w, d in zip(above.kernel[j], above.delta))
        break
    return ChainRule(name, gradient, tuple(factors + tail), sum_terms)


def _output_delta_words(result: Backprop, p: LayerPass) -> str:
    if result.loss_name == "binary_crossentropy":
        return "ŷ − y: cross-entropy's and sigmoid's slopes cancel to this" + \
            (f" (divided by {p.a.size} outputs)" if p.a.size > 1 else "")
    if result.loss_name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return "ŷ − y for this class: cross-entropy's and softmax's slopes cancel to this"
    return "∂ℓ/∂a through softmax (every output depends on every a)"


def _loss_slope_words(loss: str) -> str:
    if loss == "mse":
        return "2(ŷ − y)/outputs: the slope of the squared error"
    return "−y/ŷ + (1 − y)/(1 − ŷ): the slope of the cross-entropy"


# ------------------------------------------------------------------------------------------------
# the update: plain SGD and Adam
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SgdStep:
    weight: float
    gradient: float
    learning_rate: float

    @property
    def step(self) -> float:
        return -self.learning_rate * self.gradient

    @property
    def new_weight(self) -> float:
        return self.weight + self.step

    def text(self) -> str:
        return (f"w ← w − α·∂ℓ/∂w = {self.weight:.5g} − {self.learning_rate:g}·({self.gradient:.5g}) "
                f"= {self.new_weight:.5g}")


@dataclass(frozen=True)
class AdamStep:
    """What Keras' Adam does with one gradient: moving averages of g and g², bias-corrected, then a step
    of about α in the direction of −m/√v (nearly the same size whatever the gradient's size)."""

    weight: float
    gradient: float
    learning_rate: float
    m_before: float
    v_before: float
    t: int                 # the step number this update is (1 for the first)
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-7

    @property
    def m(self) -> float:
        return self.m_before + (self.gradient - self.m_before) * (1 - self.beta1)

    @property
    def v(self) -> float:
        return self.v_before + (self.gradient ** 2 - self.v_before) * (1 - self.beta2)

    @property
    def m_hat(self) -> float:
        return self.m / (1 - self.beta1 ** self.t)

    @property
    def v_hat(self) -> float:
        return self.v / (1 - self.beta2 ** self.t)

    @property
    def step(self) -> float:
        """Keras' form: α·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε) (= α·m̂/(√v̂ + ε') with a slightly other ε').
        (Also element by element, when ``weight``, ``gradient``, ``m_before`` and ``v_before`` are arrays.)"""
        alpha = self.learning_rate * math.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        return -alpha * self.m / (np.sqrt(self.v) + self.epsilon)

    @property
    def new_weight(self) -> float:
        return self.weight + self.step

    def text(self) -> str:
        def n(value: float, digits: int = 4) -> str:  # a negative factor in brackets: 0.1·(−0.004)
            return f"({value:.{digits}g})" if value < 0 else f"{value:.{digits}g}"
        return "\n".join([
            f"m ← β1·m + (1−β1)·g = {self.beta1:g}·{n(self.m_before)} + {1 - self.beta1:.3g}·{n(self.gradient)} "
            f"= {self.m:.4g}",
            f"v ← β2·v + (1−β2)·g² = {self.beta2:g}·{n(self.v_before)} + {1 - self.beta2:.3g}·{n(self.gradient ** 2)} "
            f"= {self.v:.4g}",
            f"bias correction (step t = {self.t}): m̂ = m/(1−β1ᵗ) = {self.m_hat:.4g}, "
            f"v̂ = v/(1−β2ᵗ) = {self.v_hat:.4g}",
            f"w ← w − α·m̂/(√v̂ + ε) = {self.weight:.5g} − {self.learning_rate:g}·{n(self.m_hat)}/"
            f"{math.sqrt(self.v_hat):.4g} = {self.new_weight:.5g}",
        ])


def adam_state(adam: tuple | None) -> tuple[int, dict]:
    """(steps taken, {layer name: ((m, v) of its kernel, (m, v) of its bias)}) from a report's ``adam``;
    (0, {}) without one (fresh averages: m = v = 0)."""
    if not adam:
        return 0, {}
    steps, layers = adam
    return int(steps), {name: tuple(pairs) for name, pairs in layers}


def adam_moments(adam: tuple | None, layer: str, source: int | None, unit: int) -> tuple[float, float, int]:
    """Adam's m and v for one parameter (``source`` None: the bias) and its step count; (0, 0, 0) when the
    state has no such parameter (fresh averages)."""
    steps, moments = adam_state(adam)
    pairs = moments.get(layer)
    if pairs is None or len(pairs) < 2:
        return 0.0, 0.0, 0
    m, v = pairs[1] if source is None else pairs[0]
    index = (unit,) if source is None else (source, unit)
    try:
        return float(np.asarray(m)[index]), float(np.asarray(v)[index]), steps
    except IndexError:
        return 0.0, 0.0, 0


def optimizer_step(result: Backprop, learning_rate: float, optimizer: str, adam: tuple | None = None) -> tuple:
    """Every Dense layer's weights ``((name, (kernel, bias)), ...)`` after one step with this sample's
    gradient: Adam's step (:class:`AdamStep` element by element, from the moments and step count of a
    report's ``adam``, else from fresh ones) when ``optimizer`` is Adam, plain SGD's w − α·∂ℓ/∂w otherwise.
    What the explorer's "Apply" does, so it applies what the explorer shows."""
    steps, moments = adam_state(adam)
    fits = optimizer == "adam" and all(
        p.name in moments and len(moments[p.name]) >= 2 and np.shape(moments[p.name][0][0]) == p.kernel.shape
        and np.shape(moments[p.name][1][0]) == p.bias.shape for p in result.layers)
    if not fits:
        steps = 0  # fresh averages
    new = []
    for p in result.layers:
        arrays = []
        for k, (weight, gradient) in enumerate(((p.kernel, p.grad_kernel), (p.bias, p.grad_bias))):
            if optimizer != "adam":
                arrays.append(SgdStep(weight, gradient, learning_rate).new_weight)
                continue
            m, v = (np.asarray(a, np.float64) for a in moments[p.name][k]) if fits else (np.zeros_like(weight),) * 2
            arrays.append(AdamStep(weight, gradient, learning_rate, m, v, steps + 1).new_weight)
        new.append((p.name, tuple(arrays)))
    return tuple(new)


# ------------------------------------------------------------------------------------------------
# backpropagation as dynamic programming: counting multiplications
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MultiplicationCount:
    sizes: tuple[int, ...]   # inputs, then each Dense layer's units
    backprop: int
    naive: int

    @property
    def parameters(self) -> int:
        return sum(a * b + b for a, b in zip(self.sizes, self.sizes[1:]))

    FORMULA = ("backpropagation: Σ over layers of n(l−1)·n(l) (each ∂ℓ/∂w = δ·x) + n(l)·n(l+1) + n(l) "
               "(each δ = g'(a)·Σ w·δ above, reused by every weight below it); "
               "chain rule per parameter: a weight of layer l has Π n(m) paths to the outputs (m > l), "
               "each a product of 2(L−l)+3 factors, so 2(L−l)+2 multiplications per path "
               "(a bias: one factor fewer)")


def multiplication_count(sizes: Sequence[int]) -> MultiplicationCount:
    """Multiplications for all gradients of one sample, given the forward pass, for layer sizes
    ``(inputs, units of layer 1, …, outputs)``: by backpropagation (each δ computed once and reused)
    and by the chain rule applied to every weight and bias separately (every path multiplied out).

    Counted as the lecture draws a network: one derivative ∂ℓ/∂ŷ per output neuron and one slope g'(a)
    per neuron (softmax's coupling is not counted). Additions are not counted.
    """
    n = [int(s) for s in sizes]
    depth = len(n) - 1
    if depth < 1 or min(n) < 1:
        raise CannotExplain("the network needs inputs and at least one layer to count")
    backprop = n[depth]  # δ of the outputs: ∂ℓ/∂ŷ · g'(a)
    for layer in range(1, depth):
        backprop += n[layer] * n[layer + 1] + n[layer]  # Σ w·δ above, then · g'(a)
    backprop += sum(n[layer - 1] * n[layer] for layer in range(1, depth + 1))  # ∂ℓ/∂w = δ · x
    naive = 0
    for layer in range(1, depth + 1):
        paths = math.prod(n[layer + 1:])
        per_path = 2 * (depth - layer) + 2
        naive += n[layer - 1] * n[layer] * paths * per_path + n[layer] * paths * (per_path - 1)
    return MultiplicationCount(tuple(n), backprop, naive)


def chain_sizes(chain: Sequence[DenseLayer]) -> tuple[int, ...]:
    return (chain[0].inputs,) + tuple(layer.units for layer in chain) if chain else ()


# ------------------------------------------------------------------------------------------------
# one neuron's formulas with the numbers (for the explorer and the network view's hover)
# ------------------------------------------------------------------------------------------------
def _n(value: float) -> str:
    return f"({value:.3g})" if value < 0 else f"{value:.3g}"


def forward_formula(result: Backprop, layer: int, unit: int, terms: int = 4) -> str:
    """``a(l,j) = b + Σ w·x = … = value; h = g(a) = value`` for neuron ``unit`` of Dense layer ``layer``
    (0-based); at most ``terms`` products are written out, the rest summed as "…"."""
    p = result.layers[layer]
    tag = neuron(layer + 1, unit)
    products = [f"{_n(w)}·{_n(x)}" for w, x in zip(p.kernel[:terms, unit], p.inputs[:terms])]
    if p.inputs.size > terms:
        products.append(f"… ({p.inputs.size - terms} more)")
    sum_text = f"a({tag}) = b + Σ w·x = {_n(float(p.bias[unit]))} + " + " + ".join(products) + \
        f" = {float(p.a[unit]):.4g}"
    return f"{sum_text}\nh({tag}) = g(a) = {p.activation}(a) = {float(p.output[unit]):.4g}"


def backward_formula(result: Backprop, layer: int, unit: int, terms: int = 4) -> str:
    """How δ of one neuron is found: from the loss at the output, from the layer above elsewhere."""
    p = result.layers[layer]
    tag = neuron(layer + 1, unit)
    delta = float(p.delta[unit])
    if layer == len(result.layers) - 1:
        y, out = float(result.target[unit]), float(p.output[unit])
        if result.grad_output is not None and p.activation != "softmax":
            return (f"δ({tag}) = ∂ℓ/∂ŷ · g'(a) = {_n(float(result.grad_output[unit]))} · {_n(float(p.slope[unit]))} "
                    f"= {delta:.4g}   (ŷ = {out:.4g}, y = {y:g})")
        return f"δ({tag}) = ∂ℓ/∂a = {delta:.4g}   (ŷ = {out:.4g}, y = {y:g})"
    above = result.layers[layer + 1]
    products = [f"{_n(w)}·{_n(d)}" for w, d in zip(above.kernel[unit, :terms], above.delta[:terms])]
    if above.delta.size > terms:
        products.append(f"… ({above.delta.size - terms} more)")
    return (f"δ({tag}) = g'(a) · Σ w·δ(above) = {_n(float(p.slope[unit]))} · (" + " + ".join(products) +
            f") = {delta:.4g}")
