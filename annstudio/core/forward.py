"""A network's forward pass in plain numpy, from a copy of its weights.

Predicting one drawing with Keras' ``model.predict`` costs tens of milliseconds of overhead; the same
arithmetic in numpy takes microseconds for the lecture's networks, needs no TensorFlow, and can run on
the GUI thread while training goes on elsewhere (the weights are a snapshot, never the live model).
It computes what Keras computes in inference mode: Dropout passes values through, BatchNormalization
uses its moving mean and variance.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from . import activations
from .spec import LayerSpec, NetworkSpec, SpecError

BATCHNORM_EPSILON = 1e-3  # Keras' default
WEIGHT_COUNTS = {"dense": 2, "batchnorm": 4}

Weights = Sequence[tuple[str, Sequence[np.ndarray]]] | Mapping[str, Sequence[np.ndarray]]


def layer_names(spec: NetworkSpec) -> list[str]:
    """The names :func:`annstudio.core.build.build_model` gives the layers: ``dense_1``, ``batchnorm_1``…"""
    return spec.layer_names()


def first_hidden_index(spec: NetworkSpec) -> int | None:
    """Index of the layer whose output is the first hidden layer's activations: the first Dense layer,
    or the BatchNormalization / Activation / Dropout right after it. None without a hidden layer."""
    dense = [i for i, layer in enumerate(spec.layers) if layer.kind == "dense"]
    if len(dense) < 2:
        return None
    index = dense[0]
    while spec.layers[index + 1].kind in ("batchnorm", "activation", "dropout"):
        index += 1
    return index


def _activate(x: np.ndarray, name: str) -> np.ndarray:
    return activations.value(x, name)


class NumpyForward:
    """``predict`` and ``activations`` of a builder network, computed from its weights.

    ``weights`` is ``((layer name, (arrays...)), ...)`` as :class:`~annstudio.core.engine.EpochReport`
    gives it (or a dict of the same). Layers are matched by the builder's names (``dense_1`` …); if the
    names differ (a model made elsewhere), by order of the layers that have weights.
    """

    def __init__(self, spec: NetworkSpec, weights: Weights) -> None:
        self.spec = spec.validate()
        self.names = layer_names(spec)
        self.first_hidden = first_hidden_index(spec)
        self._params = self._match(weights)

    def _match(self, weights: Weights) -> list[tuple[np.ndarray, ...]]:
        given = list(weights.items()) if isinstance(weights, Mapping) else [(n, a) for n, a in weights]
        given = [(name, arrays) for name, arrays in given if len(arrays)]
        needed = [(i, name) for i, (layer, name) in enumerate(zip(self.spec.layers, self.names))
                  if layer.kind in WEIGHT_COUNTS]
        by_name = dict(given)
        if all(name in by_name for _, name in needed):
            chosen = [by_name[name] for _, name in needed]
        elif len(given) == len(needed):
            chosen = [arrays for _, arrays in given]
        else:
            raise SpecError(f"the weights do not fit the network: it has {len(needed)} layers with weights, "
                            f"{len(given)} were given")
        params: list[tuple[np.ndarray, ...]] = [()] * len(self.spec.layers)
        arrays_for = {i: arrays for (i, _), arrays in zip(needed, chosen)}
        shape = tuple(self.spec.input_shape)
        for i, layer in enumerate(self.spec.layers):
            if layer.kind == "flatten":
                shape = (int(np.prod(shape)),)
            elif layer.kind in WEIGHT_COUNTS:
                params[i] = self._check(i, layer, arrays_for[i], shape[-1])
                if layer.kind == "dense":
                    shape = shape[:-1] + (layer.units,)
        return params

    def _check(self, i: int, layer: LayerSpec, arrays: Sequence, incoming: int) -> tuple[np.ndarray, ...]:
        arrays = tuple(np.asarray(a, dtype=np.float32) for a in arrays)
        name = self.names[i]
        if len(arrays) != WEIGHT_COUNTS[layer.kind]:
            raise SpecError(f"{name} needs {WEIGHT_COUNTS[layer.kind]} weight arrays, not {len(arrays)}")
        if layer.kind == "dense":
            kernel, bias = arrays
            if kernel.shape != (incoming, layer.units) or bias.shape != (layer.units,):
                raise SpecError(f"{name} needs a kernel of shape {(incoming, layer.units)} and a bias of "
                                f"{layer.units}, not {kernel.shape} and {bias.shape}")
            return arrays
        if any(a.shape != (incoming,) for a in arrays):
            raise SpecError(f"{name} needs four arrays of {incoming} values")
        gamma, beta, mean, variance = arrays
        scale = gamma / np.sqrt(variance + np.float32(BATCHNORM_EPSILON))
        return scale, beta - mean * scale

    def _run(self, x: np.ndarray, keep: bool) -> tuple[np.ndarray, list[np.ndarray]]:
        x = np.asarray(x, dtype=np.float32)
        shape = tuple(self.spec.input_shape)
        size = int(np.prod(shape))
        if x.size == 0 or x.size % size:
            raise SpecError(f"the network takes inputs of shape {shape}, not {x.shape}")
        x = x.reshape((-1,) + shape)
        outputs = []
        for layer, params in zip(self.spec.layers, self._params):
            if layer.kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif layer.kind == "dense":
                x = _activate(x @ params[0] + params[1], layer.activation)
            elif layer.kind == "batchnorm":
                x = x * params[0] + params[1]
            elif layer.kind == "activation":
                x = _activate(x, layer.activation)
            if keep:
                outputs.append(x)
        return x, outputs

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output for a batch ``(n, *input_shape)`` (or one input), as ``(n, outputs)``."""
        return self._run(x, keep=False)[0]

    def activations(self, x: np.ndarray) -> list[np.ndarray]:
        """Every layer's output, in the order of ``spec.layers``."""
        return self._run(x, keep=True)[1]

    def predict_with_hidden(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The output and the first hidden layer's activations (None if there is no hidden layer)."""
        out, layers = self._run(x, keep=self.first_hidden is not None)
        return out, (layers[self.first_hidden] if self.first_hidden is not None else None)


def model_weights(model) -> tuple:
    """``((layer name, (arrays...)), ...)`` copied out of a Keras model, like ``EpochReport.weights``."""
    return tuple((layer.name, tuple(np.array(w) for w in layer.get_weights()))
                 for layer in model.layers if layer.weights)
