"""The network builder's rules for one layer, without Qt: a new layer of a kind, a layer clamped to what the
editor can show, its one-line description, and how many parameters a network trains.
"""
from __future__ import annotations

import math

from annstudio.core.spec import DEFAULT_INITIALIZER, LayerSpec, NetworkSpec, activation, batchnorm, dense, dropout

MAX_UNITS = 1024
MAX_RATE = 0.95
KIND_NAMES = {"dense": "Dense", "dropout": "Dropout", "batchnorm": "Batch normalization",
              "activation": "Activation"}


def default_layer(kind: str, previous: LayerSpec | None = None) -> LayerSpec:
    """A new layer of ``kind``, keeping what makes sense of the layer it replaces."""
    if kind == "dense":
        units = previous.units if previous is not None and previous.kind == "dense" else 4
        act = previous.activation if previous is not None and previous.kind in ("dense", "activation") else "relu"
        return dense(units, act)
    if kind == "dropout":
        return dropout(0.2)
    if kind == "activation":
        act = previous.activation if previous is not None and previous.kind in ("dense", "activation") else "relu"
        return activation(act)
    return batchnorm()


def canonical(layer: LayerSpec) -> LayerSpec:
    """The layer with only the fields its kind uses, clamped to what the editor can show."""
    if layer.kind == "dense":
        return dense(min(max(int(layer.units), 1), MAX_UNITS), layer.activation, float(layer.l1), float(layer.l2),
                     layer.initializer, float(layer.init_value))
    if layer.kind == "dropout":
        return dropout(min(float(layer.rate), MAX_RATE))
    if layer.kind == "activation":
        return activation(layer.activation)
    return batchnorm()


def count_parameters(spec: NetworkSpec) -> int:
    """Trainable parameters: Dense has inputs·units weights plus units biases; batch normalization has a
    scale and a shift per value (its running mean and variance are not trained)."""
    width = math.prod(spec.input_shape)
    total = 0
    for layer in spec.layers:
        if layer.kind == "dense":
            total += width * layer.units + layer.units
            width = layer.units
        elif layer.kind == "batchnorm":
            total += 2 * width
    return total


def layer_text(layer: LayerSpec) -> str:
    if layer.kind == "dense":
        text = f"Dense: {layer.units} neuron{'s' if layer.units != 1 else ''}, {layer.activation}"
        return text if layer.initializer == DEFAULT_INITIALIZER else f"{text}, {layer.init_text()}"
    if layer.kind == "dropout":
        return f"Dropout: {layer.rate:g}"
    if layer.kind == "activation":
        return f"Activation: {layer.activation}"
    return KIND_NAMES.get(layer.kind, layer.kind)
