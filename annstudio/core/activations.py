"""Every activation the builder offers, as plain numpy: its value g(a) and its derivative g′(a).

The numpy forward pass (:mod:`.forward`) uses :func:`value`; the builder draws :func:`value` and
:func:`derivative` beside its activation choice, with :data:`DERIVATIVE_BOUND` in words, so a student sees
why, for example, sigmoid (g′ ≤ 0.25) shrinks gradients layer by layer. The formulas are Keras' own
(leaky ReLU's slope 0.2 and GELU's exact form with erf are Keras 3's defaults); a test compares them with
TensorFlow's values and gradients. Nothing here imports TensorFlow.
"""
from __future__ import annotations

import numpy as np

#: Every activation name, in the order the builder lists them.
NAMES = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "gelu", "softplus", "swish",
         "sine", "step")  # the step: the perceptron's, trained by its own rule (spec says where it may stand)

LEAKY_SLOPE = 0.2  # keras.activations.leaky_relu's default negative slope

#: One line per activation: its formula, as the builder's tooltip and curve title say it.
FORMULA = {
    "linear": "g(a) = a",
    "relu": "g(a) = max(0, a)",
    "sigmoid": "g(a) = 1 / (1 + e^−a)",
    "tanh": "g(a) = tanh(a)",
    "softmax": "g(a)ᵢ = e^aᵢ / Σⱼ e^aⱼ",
    "leaky_relu": f"g(a) = a if a > 0, else {LEAKY_SLOPE:g}·a",
    "elu": "g(a) = a if a > 0, else e^a − 1",
    "gelu": "g(a) = a · Φ(a)  (Φ: the normal distribution's CDF)",
    "softplus": "g(a) = log(1 + e^a)",
    "swish": "g(a) = a · sigmoid(a)",
    "sine": "g(a) = sin(a)",
    "step": "g(a) = 1 if a > 0, else 0",
}

#: How large the derivative can get, in words: what a gradient is multiplied by at most, per layer.
DERIVATIVE_BOUND = {
    "linear": "g′ = 1",
    "relu": "g′ is 0 or 1",
    "sigmoid": "g′ ≤ 0.25",
    "tanh": "g′ ≤ 1",
    "softmax": "g′ ≤ 0.25 (for one output, the others fixed)",
    "leaky_relu": f"g′ is {LEAKY_SLOPE:g} or 1",
    "elu": "g′ ≤ 1",
    "gelu": "g′ ≤ 1.13",
    "softplus": "g′ < 1",
    "swish": "g′ ≤ 1.10",
    "sine": "|g′| ≤ 1",
    "step": "g′ = 0 (no gradient: the perceptron rule trains it)",
}


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * a) + 1)  # no overflow for large negative a


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to about 1e-7 (Abramowitz & Stegun 7.1.26), enough for float32; numpy has none of its own."""
    x = np.asarray(x, dtype=np.float64)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _normal_cdf(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(a / np.sqrt(2.0)))


def _normal_pdf(a: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * np.asarray(a, dtype=np.float64) ** 2) / np.sqrt(2.0 * np.pi)


def value(a: np.ndarray, name: str) -> np.ndarray:
    """g(a), element by element (softmax: over the last axis), in ``a``'s dtype."""
    a = np.asarray(a)
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.float64
    a = a.astype(dtype, copy=False)
    if name == "linear":
        return a
    if name == "relu":
        return np.maximum(a, 0)
    if name == "sigmoid":
        return _sigmoid(a)
    if name == "tanh":
        return np.tanh(a)
    if name == "softmax":
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if name == "leaky_relu":
        return np.where(a > 0, a, a * LEAKY_SLOPE).astype(dtype)
    if name == "elu":
        return np.where(a > 0, a, np.expm1(np.minimum(a, 0))).astype(dtype)
    if name == "gelu":
        return (a * _normal_cdf(a)).astype(dtype)
    if name == "softplus":
        return np.logaddexp(0, a).astype(dtype)
    if name == "swish":
        return a * _sigmoid(a)
    if name == "sine":
        return np.sin(a)
    if name == "step":
        return (a > 0).astype(dtype)
    raise ValueError(f"unknown activation {name!r}")


def derivative(a: np.ndarray, name: str) -> np.ndarray:
    """g′(a), element by element. For softmax: the derivative of one output by its own input with the other
    inputs at 0 (two outputs), which is sigmoid's. At a kink (ReLU's 0) the value TensorFlow uses (0)."""
    a = np.asarray(a, dtype=np.float64)
    if name == "linear":
        return np.ones_like(a)
    if name == "relu":
        return (a > 0).astype(np.float64)
    if name in ("sigmoid", "softmax"):
        s = _sigmoid(a)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(a) ** 2
    if name == "leaky_relu":
        return np.where(a > 0, 1.0, LEAKY_SLOPE)
    if name == "elu":
        return np.where(a > 0, 1.0, np.exp(np.minimum(a, 0)))
    if name == "gelu":
        return _normal_cdf(a) + a * _normal_pdf(a)
    if name == "softplus":
        return _sigmoid(a)
    if name == "swish":
        s = _sigmoid(a)
        return s + a * s * (1 - s)
    if name == "sine":
        return np.cos(a)
    if name == "step":
        return np.zeros_like(a)
    raise ValueError(f"unknown activation {name!r}")


def curve(name: str, low: float = -5.0, high: float = 5.0, points: int = 201) -> tuple[np.ndarray, ...]:
    """(a, g(a), g′(a)) over ``low … high``: what the builder draws. Softmax is drawn as one output of two
    with the other input at 0, where it equals sigmoid."""
    a = np.linspace(low, high, points)
    g = _sigmoid(a) if name == "softmax" else value(a, name)
    return a, g, derivative(a, name)


__all__ = ["DERIVATIVE_BOUND", "FORMULA", "LEAKY_SLOPE", "NAMES", "curve", "derivative", "value"]
