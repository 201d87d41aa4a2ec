"""Reading 28×28 digits with a Keras model the builder cannot show (a convnet, say): prediction only.

Networks made of the builder's layers are read with :class:`~annstudio.core.forward.NumpyForward`, from a
copy of their weights. A model with other layers (Conv2D, MaxPooling2D, Reshape …) has no numpy twin, so
:class:`KerasReader` asks Keras itself (``predict_on_batch``: about a millisecond for one drawing through
a small convnet, once its prediction function is made, which the constructor does). It offers what the
canvas asks of a network: ``predict`` and ``predict_with_hidden`` (no hidden layer to show).
"""
from __future__ import annotations

import numpy as np

from . import build  # noqa: F401 - sets the TF log level and threads before Keras loads
from .spec import SpecError

import keras  # noqa: E402

#: Input shapes a digit reader may take; a drawing (28×28) is reshaped to the one the model wants.
DIGIT_SHAPES = ((28, 28), (28, 28, 1), (784,))
BATCH = 500


def _shape_text(shape: tuple) -> str:
    return "×".join(str(n) for n in shape) if shape else "several"


def digit_input_shape(model: keras.Model, name: str = "the model") -> tuple[int, ...]:
    """The input shape of ``model`` if it reads 28×28 digits into 10 outputs; :class:`SpecError` (a sentence
    that names the shape) if it does not."""
    inputs = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else ()
    if inputs not in DIGIT_SHAPES:
        what = f"inputs of shape {inputs}" if inputs else "several inputs"
        raise SpecError(f"{name} takes {what}, not 28×28 images of digits")
    outputs = tuple(model.outputs[0].shape[1:]) if len(model.outputs) == 1 else ()
    if outputs != (10,):
        raise SpecError(f"{name} gives outputs of shape {outputs or 'several'}, not 10 probabilities, one per "
                        "digit")
    return tuple(int(n) for n in inputs)


def layer_text(layer) -> str:
    """One layer in the builder's style: ``Conv2D(32, 3×3, relu)``, ``MaxPooling2D(2×2)``, ``Dense(10, softmax)``."""
    kind = type(layer).__name__
    activation = getattr(getattr(layer, "activation", None), "__name__", "")
    if hasattr(layer, "filters") and hasattr(layer, "kernel_size"):
        return f"{kind}({layer.filters}, {_shape_text(tuple(layer.kernel_size))}, {activation or 'linear'})"
    if hasattr(layer, "pool_size"):
        return f"{kind}({_shape_text(tuple(layer.pool_size))})"
    if hasattr(layer, "units"):
        return f"{kind}({layer.units}, {activation or 'linear'})"
    if hasattr(layer, "rate"):
        return f"{kind}({float(layer.rate):g})"
    if hasattr(layer, "target_shape"):
        return f"{kind}({_shape_text(tuple(layer.target_shape))})"
    if kind == "Activation":
        return f"Activation({activation})"
    return kind


class KerasReader:
    """A loaded Keras model that reads 28×28 digits: ten probabilities per image, computed by Keras.

    ``predict`` may be called from one other thread at the same time as from the GUI thread (evaluating the
    test digits while the student draws): inference changes nothing in the model.
    """

    first_hidden = None  # the canvas shows no hidden layer for a model the builder cannot show

    def __init__(self, model: keras.Model, name: str = "the model") -> None:
        self.model = model
        self.name = name
        self.input_shape = digit_input_shape(model, name)
        self.layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        probe = np.random.default_rng(0).random((4, 28, 28), dtype=np.float32)
        raw = self._keras(probe[:1])  # makes Keras' prediction function now, not at the first stroke
        raw = self._keras(probe)
        self.scores = bool(raw.min() < 0 or np.abs(raw.sum(axis=1) - 1).max() > 1e-3)  # softmax them then

    def _keras(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_on_batch(x.reshape((-1,) + self.input_shape)), dtype=np.float32)

    def predict(self, images: np.ndarray, batch: int = BATCH) -> np.ndarray:
        """Probabilities ``(n, 10)`` for ``images`` ``(n, 28, 28)`` (or one ``(28, 28)`` image), in [0, 1]."""
        x = np.asarray(images, dtype=np.float32)
        if x.size == 0 or x.size % 784:
            raise SpecError(f"{self.name} reads 28×28 images, not an array of shape {x.shape}")
        x = x.reshape(-1, 28, 28)
        out = np.concatenate([self._keras(x[i:i + batch]) for i in range(0, len(x), batch)])
        if not np.isfinite(out).all():
            raise SpecError(f"{self.name} gave an answer that is not a number (its weights may be broken)")
        if self.scores:
            out = np.exp(out - out.max(axis=1, keepdims=True))
            out /= out.sum(axis=1, keepdims=True)
        return out

    def predict_with_hidden(self, images: np.ndarray) -> tuple[np.ndarray, None]:
        """As :meth:`NumpyForward.predict_with_hidden`: the probabilities, and no hidden activations."""
        return self.predict(images), None

    def describe(self) -> str:
        """``Input(28×28×1) → Conv2D(4, 3×3, relu) → Flatten → Dense(10, softmax)``"""
        return " → ".join([f"Input({_shape_text(self.input_shape)})"] + [layer_text(layer) for layer in self.layers])

    def unshown_layers(self) -> list[str]:
        """The kinds of layers the builder cannot show (``["Conv2D", "MaxPooling2D"]``), each named once."""
        kinds: list[str] = []
        for layer in self.layers:
            try:
                build._layer_spec(layer)
            except SpecError:
                if type(layer).__name__ not in kinds:
                    kinds.append(type(layer).__name__)
        return kinds

    def why_prediction_only(self) -> str:
        """Why the builder cannot take this model, in words: its layers, or else its input."""
        kinds = self.unshown_layers()
        if kinds:
            names = kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} and {kinds[-1]}"
            return f"the builder cannot show its {names} layer{'s' if len(kinds) > 1 else ''}"
        if self.input_shape != (28, 28):
            return ("the builder makes networks that take 28×28 images, and this one takes "
                    f"{_shape_text(self.input_shape)}")
        return "the builder cannot show it as it is built"
