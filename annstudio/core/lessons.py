"""The lecture's experiments as named presets: data, network, training and the views that explain them.

Each preset matches the lecture's notebook (data generator, layers, optimizer, learning rate, loss,
epochs, batch 32 as ``fit`` uses by default); seeds are fixed so a run gives the same numbers every time.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import augment
from .spec import (DataSpec, NetworkSpec, SpecError, TrainSpec, activation, batchnorm, dense, dropout,
                   flatten)


@dataclass(frozen=True)
class Preset:
    id: str
    title: str
    data: DataSpec
    network: NetworkSpec
    train: TrainSpec
    views: tuple[str, ...] = ("loss", "surface")
    lecture: str = ""  # the lecture's own number, for comparison

    def with_epochs(self, epochs: int) -> "Preset":
        return replace(self, train=replace(self.train, epochs=epochs))


BCE = "binary_crossentropy"


def _net2d(*layers, features=("x1", "x2")) -> NetworkSpec:
    return NetworkSpec(input_shape=(len(features),), layers=tuple(layers), features=tuple(features))


def _net1d(*layers) -> NetworkSpec:
    return NetworkSpec(input_shape=(1,), layers=tuple(layers), features=())


_XOR = DataSpec("xor", size=400, noise=0.0, seed=3, test_fraction=0.25)
_PARABOLA = DataSpec("parabola", size=1000, seed=1)
_POINTS = DataSpec("lecture-points", size=10)
_MSE = dict(optimizer="adam", learning_rate=0.001, batch_size=32, loss="mse", seed=0)


def _two_hidden(initializer: str) -> NetworkSpec:
    """2-4-4-1 sigmoid, every layer's weights started the same way (the biases always start at 0)."""
    return _net2d(dense(4, "sigmoid", initializer=initializer), dense(4, "sigmoid", initializer=initializer),
                  dense(1, "sigmoid", initializer=initializer))


#: Noisy XOR in random order (Keras' validation split takes the last quarter as it is: it must not be one class)
_NOISY_XOR = DataSpec("xor", size=200, noise=1.0, seed=3, test_fraction=0.25)
_CIRCLE = DataSpec("circle", size=400, noise=0.1, seed=4, test_fraction=0.25)
_NOISY_CIRCLE = DataSpec("circle", size=120, noise=0.35, seed=5, test_fraction=0.5)  # few, noisy: overfits


def _wide(l2: float) -> NetworkSpec:
    return _net2d(dense(32, "relu", l2=l2), dense(32, "relu", l2=l2), dense(1, "sigmoid", l2=l2))


#: 1000 training digits, the lecture's 784-100-10 network, 30 epochs: it learns them by heart (lesson 8.3.2).
_FEW_DIGITS = DataSpec("mnist", size=1000, seed=0)
_DIGIT_NET = NetworkSpec(input_shape=(28, 28), features=(), layers=(flatten(), dense(100, "relu"), dense(10, "softmax")))
_DIGIT_TRAIN = TrainSpec("adam", 0.001, 32, 30, "sparse_categorical_crossentropy", seed=0)


def _deep(act: str) -> NetworkSpec:
    return _net2d(*[dense(16, act) for _ in range(8)], dense(1, "sigmoid"))


#: The perceptron rule (see core.perceptron): one step neuron, a point at a time, no batches.
_RULE = dict(optimizer="perceptron", learning_rate=0.1, batch_size=1, loss=BCE, seed=0)

PRESETS: tuple[Preset, ...] = (
    Preset("perceptron-rule", "The perceptron rule: a step neuron on points a line can split",
           DataSpec("linear", size=200, seed=1), _net2d(dense(1, "step")), TrainSpec(epochs=200, **_RULE),
           views=("surface", "hidden-lines", "loss", "network"), lecture="stops once every point is right"),
    Preset("perceptron-rule-xor", "The perceptron rule on XOR: the line never settles", _XOR,
           _net2d(dense(1, "step")), TrainSpec(epochs=100, **_RULE),
           views=("surface", "hidden-lines", "loss", "network"), lecture="not linearly separable"),
    Preset("perceptron-xor", "Perceptron and XOR: one neuron cannot separate XOR", _XOR,
           _net2d(dense(1, "sigmoid")), TrainSpec("adam", 0.1, 32, 30, BCE, seed=0),
           views=("loss", "surface", "network", "hidden-lines"), lecture="not linearly separable"),
    Preset("xor-feature", "XOR solved by one neuron fed the product x1·x2", _XOR,
           _net2d(dense(1, "sigmoid"), features=("x1", "x2", "x1*x2")), TrainSpec("adam", 0.1, 32, 30, BCE, seed=0),
           views=("loss", "surface", "network")),
    Preset("xor-hidden", "XOR solved by a hidden layer (2-4-1)", _XOR,
           _net2d(dense(4, "tanh"), dense(1, "sigmoid")), TrainSpec("adam", 0.05, 32, 60, BCE, seed=0),
           views=("loss", "surface", "network", "hidden-lines")),
    Preset("logistic-regression", "Logistic regression as one neuron (linear boundary)",
           DataSpec("linear", size=1000, seed=2), _net2d(dense(1, "sigmoid")),
           TrainSpec("adam", 0.1, 32, 10, BCE, seed=0),
           views=("loss", "surface", "hidden-lines"), lecture="loss 0.0919 after 10 epochs"),
    Preset("looking-at-parameters", "Looking at parameters: 2-2-1 sigmoid network, hidden lines and space",
           _PARABOLA, _net2d(dense(2, "sigmoid"), dense(1, "sigmoid")), TrainSpec("adam", 0.1, 32, 10, BCE, seed=1),
           views=("loss", "surface", "network", "hidden-lines", "hidden-space"), lecture="loss 0.1684 after 10 epochs"),
    Preset("backpropagation", "Backpropagation: gradients of every layer, one batch at a time",
           _PARABOLA, _net2d(dense(2, "sigmoid"), dense(1, "sigmoid")), TrainSpec("adam", 0.1, 32, 10, BCE, seed=1),
           views=("loss", "surface", "network", "gradients")),
    Preset("how-a-network-learns", "How a network learns: one point forward and back, and the loss landscape",
           _PARABOLA, _net2d(dense(2, "sigmoid"), dense(1, "sigmoid")), TrainSpec("sgd", 0.5, 32, 20, BCE, seed=1),
           views=("backprop", "loss", "surface", "landscape")),
    Preset("mnist-mlp", "MNIST digits with a 784-100-10 multi-layer perceptron",
           DataSpec("mnist", size=60000, seed=0),
           NetworkSpec(input_shape=(28, 28), features=(),
                       layers=(flatten(), dense(100, "relu"), dense(10, "softmax"))),
           TrainSpec("adam", 0.001, 32, 5, "sparse_categorical_crossentropy", seed=0),
           views=("loss", "confusion", "first-layer", "canvas"), lecture="test accuracy 0.9749 after 5 epochs"),
    Preset("init-zeros", "Initialisation: all weights start at zero, so every hidden neuron stays the same",
           _CIRCLE, _two_hidden("zeros"), TrainSpec("adam", 0.05, 32, 60, BCE, seed=0),
           views=("loss", "surface", "neurons"), lecture="identical neurons"),
    Preset("init-normal", "The same network started from normal(0, 0.1), as in the lecture", _CIRCLE,
           _two_hidden("normal"), TrainSpec("adam", 0.05, 32, 60, BCE, seed=0), views=("loss", "surface", "neurons")),
    Preset("vanishing-gradient", "Vanishing gradient: a deep sigmoid network barely learns", _PARABOLA,
           _deep("sigmoid"), TrainSpec("sgd", 0.1, 32, 30, BCE, seed=0), views=("loss", "surface", "gradients"),
           lecture="gradients shrink toward the first layers"),
    Preset("vanishing-gradient-relu", "The same deep network with ReLU learns", _PARABOLA,
           _deep("relu"), TrainSpec("sgd", 0.1, 32, 30, BCE, seed=0), views=("loss", "surface", "gradients")),
    Preset("overfit-plain", "Overfitting: a 1-30-100-100-30-1 sigmoid net on 10 points (5000 epochs)", _POINTS,
           _net1d(dense(30, "sigmoid"), dense(100, "sigmoid"), dense(100, "sigmoid"), dense(30, "sigmoid"),
                  dense(1, "linear")),
           TrainSpec(epochs=5000, **_MSE), views=("loss", "curve"), lecture="the curve passes through every point"),
    Preset("overfit-batchnorm", "Batch normalization after every hidden layer (4000 epochs)", _POINTS,
           _net1d(dense(30), batchnorm(), activation("sigmoid"), dense(100), batchnorm(), activation("sigmoid"),
                  dense(100), batchnorm(), activation("sigmoid"), dense(30), batchnorm(), activation("sigmoid"),
                  dense(1)),
           TrainSpec(epochs=4000, **_MSE), views=("loss", "curve")),
    Preset("overfit-dropout", "Dropout 0.2 after every hidden layer (200 epochs)", _POINTS,
           _net1d(dense(30, "sigmoid"), dropout(0.2), dense(100, "sigmoid"), dropout(0.2), dense(100, "sigmoid"),
                  dropout(0.2), dense(30, "sigmoid"), dropout(0.2), dense(1)),
           TrainSpec(epochs=200, **_MSE), views=("loss", "curve"), lecture="a smooth curve, not through every point"),
    Preset("regularization-none", "No penalty: a 2-32-32-1 ReLU net learns 60 noisy points by heart (300 epochs)",
           _NOISY_CIRCLE, _wide(0.0), TrainSpec("adam", 0.01, 32, 300, BCE, seed=0),
           views=("loss", "surface", "weights")),
    Preset("regularization-l2", "L2 penalty λ = 0.01 on every layer: smaller weights, a smoother boundary",
           _NOISY_CIRCLE, _wide(0.01), TrainSpec("adam", 0.01, 32, 300, BCE, seed=0),
           views=("loss", "surface", "weights"), lecture="weights shrink toward zero"),
    Preset("early-stopping", "Early stopping: a 2-32-32-1 net on noisy XOR stops when the validation loss rises",
           _NOISY_XOR, _wide(0.0), TrainSpec("adam", 0.01, 32, 500, BCE, seed=0, validation_split=0.25,
                                             early_stopping=True, patience=20, restore_best=True),
           views=("loss", "surface"), lecture="stop when the validation loss gets worse"),
    Preset("augment-off", "Few digits: 1000 MNIST digits learned by heart (30 epochs, no augmentation)",
           _FEW_DIGITS, _DIGIT_NET, _DIGIT_TRAIN, views=("loss", "confusion", "canvas")),
    Preset("augment-on", "The same 1000 digits, each batch moved, turned, scaled and thickened at random",
           _FEW_DIGITS, _DIGIT_NET, replace(_DIGIT_TRAIN, **augment.fields_of(augment.TYPICAL)),
           views=("loss", "confusion", "canvas"), lecture="more data reduces overfitting"),
)

_BY_ID = {preset.id: preset for preset in PRESETS}


def ids() -> list[str]:
    return [preset.id for preset in PRESETS]


def get(preset_id: str) -> Preset:
    try:
        return _BY_ID[preset_id]
    except KeyError:
        raise SpecError(f"unknown preset {preset_id!r}; run 'annstudio presets' to list them") from None


def matching(network, data_kind: str) -> "Preset | None":
    """The lecture's experiment with this network on this kind of data (a workspace saved from it), if any."""
    return next((p for p in PRESETS if p.network == network and p.data.kind == data_kind), None)
