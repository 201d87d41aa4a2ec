"""What a network, its training and its data are: plain dataclasses that round-trip through JSON.

Nothing here imports Keras. ``validate()`` answers in sentences a student can act on; every public
constructor of a spec from outside data goes through :func:`network_from_dict`, :func:`train_from_dict`
or :func:`data_from_dict`, which raise :class:`SpecError` and nothing else.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from . import augment as _augment
from .activations import NAMES as _ACTIVATION_NAMES
from .errors import UserError

LAYER_KINDS = ("dense", "dropout", "batchnorm", "activation", "flatten")
ACTIVATIONS = _ACTIVATION_NAMES
#: How a Dense layer's weights start (Keras initialisers; the biases start at 0 in every case).
INITIALIZERS = ("glorot_uniform", "he_normal", "normal", "zeros", "constant")
DEFAULT_INITIALIZER = "glorot_uniform"
OPTIMIZERS = ("sgd", "adam", "rmsprop", "perceptron")
LOSSES = ("binary_crossentropy", "sparse_categorical_crossentropy", "mse")

#: Input features a 2-D point can be fed to the network as (the lecture's "ANN as kernel learning").
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

CLASSIFICATION_KINDS = ("linear", "parabola", "xor", "circle", "gaussians", "spiral")
REGRESSION_KINDS = ("lecture-points", "sine", "cubic", "step")
DATA_KINDS = CLASSIFICATION_KINDS + REGRESSION_KINDS + ("mnist",)


class SpecError(UserError, ValueError):
    """A description (network, training or data) that cannot be used, with the reason in words."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class LayerSpec:
    """One layer. Which fields matter depends on ``kind``; the others keep their defaults."""

    kind: str = "dense"
    units: int = 1
    activation: str = "linear"
    rate: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    initializer: str = DEFAULT_INITIALIZER  # how the weights start (Dense only); see INITIALIZERS
    init_value: float = 0.0  # the value of the "constant" initializer

    def problems(self, position: int) -> list[str]:
        where = f"layer {position + 1} ({self.kind})"
        if self.kind not in LAYER_KINDS:
            return [f"layer {position + 1}: kind must be one of {', '.join(LAYER_KINDS)}, not {self.kind!r}"]
        found = []
        if self.kind == "dense":
            if not _is_int(self.units) or self.units < 1:
                found.append(f"{where}: units must be a whole number ≥ 1, not {self.units!r}")
            elif self.units > 100_000:
                found.append(f"{where}: units must be at most 100000, not {self.units}")
            for name in ("l1", "l2"):
                value = getattr(self, name)
                if not _is_number(value) or value < 0:
                    found.append(f"{where}: {name.upper()} must be a number ≥ 0, not {value!r}")
            if self.initializer not in INITIALIZERS:
                found.append(f"{where}: initializer must be one of {', '.join(INITIALIZERS)}, "
                             f"not {self.initializer!r}")
            if not _is_number(self.init_value) or abs(self.init_value) > 1000:
                found.append(f"{where}: the constant initial weight must be a number from −1000 to 1000, "
                             f"not {self.init_value!r}")
        if self.kind in ("dense", "activation") and self.activation not in ACTIVATIONS:
            found.append(f"{where}: activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        if self.kind == "dropout" and (not _is_number(self.rate) or not 0 <= self.rate < 1):
            found.append(f"{where}: dropout rate must be a number from 0 up to (not including) 1, not {self.rate!r}")
        return found

    def init_text(self) -> str:
        """The initializer in a few words: ``glorot_uniform``, ``normal(0, 0.1)``, ``constant 0.5`` …"""
        if self.initializer == "normal":
            return "normal(0, 0.1)"
        if self.initializer == "constant":
            return f"constant {self.init_value:g}"
        return self.initializer

    def describe(self) -> str:
        if self.kind == "dense":
            if self.initializer == DEFAULT_INITIALIZER:
                return f"Dense({self.units}, {self.activation})"
            return f"Dense({self.units}, {self.activation}, {self.init_text()})"
        if self.kind == "dropout":
            return f"Dropout({self.rate:g})"
        if self.kind == "activation":
            return f"Activation({self.activation})"
        return {"batchnorm": "BatchNormalization", "flatten": "Flatten"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class NetworkSpec:
    """Input shape plus an ordered list of layers; the last Dense layer is the output layer.

    ``features`` names the inputs computed from a 2-D point (see :data:`FEATURES`); for images it is
    empty and ``input_shape`` says the shape, e.g. ``(28, 28)``.
    """

    input_shape: tuple[int, ...] = (2,)
    layers: tuple[LayerSpec, ...] = ()
    features: tuple[str, ...] = ("x1", "x2")

    def problems(self) -> list[str]:
        found = []
        if not self.input_shape or not all(_is_int(n) and n >= 1 for n in self.input_shape):
            found.append(f"input shape must be whole numbers ≥ 1, not {self.input_shape!r}")
        for name in self.features:
            if name not in FEATURES:
                found.append(f"input feature {name!r} is unknown; choose from {', '.join(FEATURES)}")
        if self.features and tuple(self.input_shape) != (len(self.features),):
            found.append(f"{len(self.features)} input features need input shape ({len(self.features)},), "
                         f"not {tuple(self.input_shape)}")
        if not self.layers:
            found.append("the network needs at least one layer")
        for i, layer in enumerate(self.layers):
            found.extend(layer.problems(i))
        if self.layers and not any(layer.kind == "dense" for layer in self.layers):
            found.append("the network needs at least one Dense layer to learn anything")
        if uses_step(self) and not is_step_neuron(self):
            found.append(STEP_ONLY_PERCEPTRON)
        return found

    def validate(self) -> "NetworkSpec":
        found = self.problems()
        if found:
            raise SpecError("; ".join(found))
        return self

    def layer_names(self) -> list[str]:
        """The Keras names the builder gives the layers: ``dense_1``, ``dropout_1``, ``dense_2`` …"""
        counts: dict[str, int] = {}
        names = []
        for layer in self.layers:
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            names.append(f"{layer.kind}_{counts[layer.kind]}")
        return names

    @property
    def output_units(self) -> int:
        dense = [layer for layer in self.layers if layer.kind == "dense"]
        return dense[-1].units if dense else 0

    def describe(self) -> str:
        shape = "x".join(str(n) for n in self.input_shape)
        return " → ".join([f"Input({shape})"] + [layer.describe() for layer in self.layers])

    def to_dict(self) -> dict:
        return {"input_shape": list(self.input_shape), "features": list(self.features),
                "layers": [asdict(layer) for layer in self.layers]}


@dataclass(frozen=True)
class TrainSpec:
    optimizer: str = "adam"
    learning_rate: float = 0.001
    batch_size: int = 32
    epochs: int = 10
    loss: str = "binary_crossentropy"
    seed: int = 0
    shuffle: bool = True
    # when a run ends by itself (core/stopping.py): Keras' validation_split and EarlyStopping, a target loss
    validation_split: float = 0.0
    early_stopping: bool = False
    monitor: str = "val_loss"
    patience: int = 10
    restore_best: bool = True
    target_loss: float | None = None
    # the learning rate epoch by epoch (core/schedules.py)
    schedule: str = "constant"
    schedule_every: int = 10
    schedule_factor: float = 0.5
    schedule_length: int = 100
    schedule_floor: float = 0.01
    schedule_warmup: int = 0
    # data augmentation of digit images (see core/augment.py); 0: off. Old files lack them: off.
    augment_shift: float = 0.0      # pixels
    augment_rotation: float = 0.0   # degrees
    augment_scale: float = 0.0      # fraction of the size
    augment_thickness: float = 0.0  # 0…1 of a 3×3 dilation / erosion

    def problems(self) -> list[str]:
        from . import schedules, stopping

        found = []
        if self.optimizer not in OPTIMIZERS:
            found.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        if not _is_number(self.learning_rate) or self.learning_rate <= 0:
            found.append(f"learning rate must be a number > 0, not {self.learning_rate!r}")
        if not _is_int(self.batch_size) or self.batch_size < 1:
            found.append(f"batch size must be a whole number ≥ 1, not {self.batch_size!r}")
        if not _is_int(self.epochs) or self.epochs < 1:
            found.append(f"epochs must be a whole number ≥ 1, not {self.epochs!r}")
        if self.loss not in LOSSES:
            found.append(f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        if not _is_int(self.seed) or not 0 <= self.seed < 2**31:
            found.append(f"seed must be a whole number from 0 to {2**31 - 1}, not {self.seed!r}")
        if not isinstance(self.shuffle, bool):
            found.append(f"shuffle must be true or false, not {self.shuffle!r}")
        found += stopping.spec_problems(self)
        found += schedules.spec_problems(self)
        found.extend(self.augmentation.problems())
        return found

    def validate(self) -> "TrainSpec":
        found = self.problems()
        if found:
            raise SpecError("; ".join(found))
        return self

    @property
    def is_classification(self) -> bool:
        return self.loss != "mse"

    @property
    def augmentation(self) -> "_augment.Augmentation":
        """The augmentation strengths as one value (``.active`` says whether any is on)."""
        return _augment.of(self)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DataSpec:
    """Which data set, how much of it, how noisy, which seed and how much is held out for testing."""

    kind: str = "parabola"
    size: int = 1000
    noise: float = 0.0
    seed: int = 0
    test_fraction: float = 0.0
    classes: int = 2
    path: str = ""  # MNIST only: a local mnist.npz instead of the Keras cache

    def problems(self) -> list[str]:
        found = []
        if self.kind not in DATA_KINDS:
            found.append(f"data set must be one of {', '.join(DATA_KINDS)}, not {self.kind!r}")
        if not _is_int(self.size) or not 1 <= self.size <= 1_000_000:
            found.append(f"size must be a whole number from 1 to 1000000, not {self.size!r}")
        if not _is_number(self.noise) or self.noise < 0:
            found.append(f"noise must be a number ≥ 0, not {self.noise!r}")
        if not _is_int(self.seed) or not 0 <= self.seed < 2**31:
            found.append(f"seed must be a whole number from 0 to {2**31 - 1}, not {self.seed!r}")
        if not _is_number(self.test_fraction) or not 0 <= self.test_fraction < 1:
            found.append(f"test fraction must be a number from 0 up to (not including) 1, not {self.test_fraction!r}")
        if not _is_int(self.classes) or not 2 <= self.classes <= 10:
            found.append(f"classes must be a whole number from 2 to 10, not {self.classes!r}")
        if not isinstance(self.path, str):
            found.append(f"path must be text, not {self.path!r}")
        return found

    def validate(self) -> "DataSpec":
        found = self.problems()
        if found:
            raise SpecError("; ".join(found))
        return self

    @property
    def is_regression(self) -> bool:
        return self.kind in REGRESSION_KINDS

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------
# The perceptron: where the step activation can be trained (one rule, used by the builder, the trainers,
# the exports and the command line)

STEP_ONLY_PERCEPTRON = ("the step activation (1 where a > 0, else 0) is flat everywhere, so no gradient can train "
                        "it: it is only for a perceptron, a network of one Dense layer with 1 neuron, trained by "
                        "the perceptron rule")


def uses_step(network: NetworkSpec) -> bool:
    return any(layer.kind in ("dense", "activation") and layer.activation == "step" for layer in network.layers)


def is_step_neuron(network: NetworkSpec) -> bool:
    """One Dense layer of one step neuron and nothing else: the only network the perceptron rule trains."""
    layers = network.layers
    return len(layers) == 1 and layers[0].kind == "dense" and layers[0].units == 1 and layers[0].activation == "step"


def perceptron_problems(network: NetworkSpec, train: TrainSpec) -> list[str]:
    """Why this network and these training settings do not go together as a perceptron (or as a network
    trained by gradients, when it has a step); empty when they do."""
    found = []
    rule = train.optimizer == "perceptron"
    if uses_step(network) and not rule:
        found.append(f"a step neuron cannot be trained by {train.optimizer} (it follows gradients, and the step "
                     "has none): choose the optimizer 'perceptron'")
    if rule and not is_step_neuron(network):
        found.append("the perceptron rule trains one step neuron only: a network of one Dense layer with 1 "
                     "neuron and the step activation, without hidden layers")
    if rule and train.loss != "binary_crossentropy":
        found.append("a perceptron separates two classes; it cannot learn numbers or more than two classes")
    return found


def suited_optimizer(network: NetworkSpec, optimizer: str) -> str:
    """The optimizer to show for ``network`` when ``optimizer`` was chosen: the perceptron rule for a step
    neuron (nothing else trains it), a gradient optimizer (Adam) instead of the rule for any other network."""
    if uses_step(network):
        return "perceptron"
    return "adam" if optimizer == "perceptron" else optimizer


def is_perceptron(network: NetworkSpec, train: TrainSpec) -> bool:
    """True when the perceptron rule trains this network (step neuron, optimizer 'perceptron')."""
    return train.optimizer == "perceptron" and is_step_neuron(network) and not perceptron_problems(network, train)


# ---------------------------------------------------------------------------------------------------
# From outside data (JSON, files, the command line): strict, every failure a SpecError.

def _from_mapping(cls, data: Any, what: str):
    if not isinstance(data, dict):
        raise SpecError(f"{what} must be a JSON object, not {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"{what} has unknown field(s): {', '.join(map(str, unknown))}")
    try:
        return cls(**data)
    except TypeError as exc:  # pragma: no cover - dataclass signature mismatch
        raise SpecError(f"{what} is not valid: {exc}") from None


def layer_from_dict(data: Any, position: int = 0) -> LayerSpec:
    layer = _from_mapping(LayerSpec, data, f"layer {position + 1}")
    found = layer.problems(position)
    if found:
        raise SpecError("; ".join(found))
    return layer


def network_from_dict(data: Any) -> NetworkSpec:
    if not isinstance(data, dict):
        raise SpecError(f"a network description must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - {"input_shape", "features", "layers"})
    if unknown:
        raise SpecError(f"the network description has unknown field(s): {', '.join(map(str, unknown))}")
    layers = data.get("layers", [])
    shape = data.get("input_shape", [2])
    features = data.get("features", [])
    if not isinstance(layers, list):
        raise SpecError("layers must be a list")
    if not isinstance(shape, (list, tuple)):
        raise SpecError("input shape must be a list of whole numbers")
    if not isinstance(features, (list, tuple)) or not all(isinstance(f, str) for f in features):
        raise SpecError("features must be a list of names")
    spec = NetworkSpec(input_shape=tuple(shape), features=tuple(features),
                       layers=tuple(layer_from_dict(layer, i) for i, layer in enumerate(layers)))
    return spec.validate()


def train_from_dict(data: Any) -> TrainSpec:
    return _from_mapping(TrainSpec, data, "the training settings").validate()


def data_from_dict(data: Any) -> DataSpec:
    return _from_mapping(DataSpec, data, "the data settings").validate()


def to_json(spec: NetworkSpec | TrainSpec | DataSpec) -> str:
    return json.dumps(spec.to_dict(), indent=2)


def network_from_json(text: str) -> NetworkSpec:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise SpecError(f"the network description is not valid JSON ({exc})") from None
    except RecursionError:
        raise SpecError("the network description is nested far too deeply to be a network") from None
    return network_from_dict(data)


def dense(units: int, activation: str = "linear", l1: float = 0.0, l2: float = 0.0,
          initializer: str = DEFAULT_INITIALIZER, init_value: float = 0.0) -> LayerSpec:
    return LayerSpec("dense", units=units, activation=activation, l1=l1, l2=l2, initializer=initializer,
                     init_value=init_value)


def dropout(rate: float) -> LayerSpec:
    return LayerSpec("dropout", rate=rate)


def batchnorm() -> LayerSpec:
    return LayerSpec("batchnorm")


def activation(name: str) -> LayerSpec:
    return LayerSpec("activation", activation=name)


def flatten() -> LayerSpec:
    return LayerSpec("flatten")


__all__ = [
    "ACTIVATIONS", "DATA_KINDS", "DEFAULT_INITIALIZER", "INITIALIZERS", "STEP_ONLY_PERCEPTRON", "is_perceptron",
    "is_step_neuron", "perceptron_problems", "suited_optimizer", "uses_step", "FEATURES", "LAYER_KINDS", "LOSSES",
    "OPTIMIZERS", "DataSpec", "LayerSpec",
    "NetworkSpec", "SpecError", "TrainSpec", "activation", "batchnorm", "data_from_dict", "dense", "dropout",
    "flatten", "layer_from_dict", "network_from_dict", "network_from_json", "replace", "to_json",
    "train_from_dict",
]
