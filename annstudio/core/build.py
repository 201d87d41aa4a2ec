"""NetworkSpec <-> keras.Model. The only module that knows Keras layer classes.

Networks are built as functional models from an ``Input``, so every layer's output can be probed and
the saved ``.keras`` file loads in a plain Keras script.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from contextlib import contextmanager

from . import threads
from .spec import ACTIVATIONS, DEFAULT_INITIALIZER, LayerSpec, NetworkSpec, SpecError, TrainSpec, uses_step

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextmanager
def _quiet_native_stderr():
    """Hide what TensorFlow's C++ side prints while it loads (CUDA probing on machines without a GPU:
    "Could not find cuda drivers…"), which would bury our own messages. Shown again if loading fails."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (e.g. a windowed app): nothing to hide
        yield
        return
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@contextmanager
def _without_matplotlib():
    """Keras imports matplotlib at its own import, when it is installed, for plotting helpers the app never
    calls (``keras.visualization``: ``matplotlib.pyplot``, 0.5 s, and ``matplotlib.patches``, 0.2-0.6 s of
    every launch on this machine, before the first epoch). Held off while Keras loads (its helpers then take
    ``None``, as without matplotlib); anything importing matplotlib later gets the real one."""
    blocked = [name for name in ("matplotlib", "matplotlib.pyplot") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # an import of it now raises ImportError, as if not installed
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


with _quiet_native_stderr(), _without_matplotlib():
    import tensorflow as tf
    import keras

    _threads = threads.requested()
    if _threads:  # the window leaves a core free for drawing
        tf.config.threading.set_intra_op_parallelism_threads(_threads)
        tf.config.threading.set_inter_op_parallelism_threads(_threads)
    tf.config.list_physical_devices()  # CUDA probing happens here, quietly, not at the first operation
    tf.get_logger().setLevel("ERROR")  # every new network is traced anew; that is expected, not a warning



@keras.saving.register_keras_serializable(package="annstudio")
def sine(x):
    """The sine activation, g(a) = sin(a). Keras has none; registered by name (``annstudio>sine``), so a saved
    ``.keras`` file refers to it by that name and loads with ``safe_mode`` on, without running code from the
    file. An exported script defines and registers the same function."""
    return keras.ops.sin(x)


def keras_activation(name: str):
    """What Keras' layers take for the builder's activation ``name``."""
    return sine if name == "sine" else name


def make_initializer(layer: LayerSpec) -> keras.initializers.Initializer:
    """The Keras initializer of a Dense layer's weights (the biases always start at 0, Keras' default)."""
    if layer.initializer == "he_normal":
        return keras.initializers.HeNormal()
    if layer.initializer == "normal":
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.1)
    if layer.initializer == "zeros":
        return keras.initializers.Zeros()
    if layer.initializer == "constant":
        return keras.initializers.Constant(float(layer.init_value))
    return keras.initializers.GlorotUniform()


_OPTIMIZERS = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}


def make_layer(layer: LayerSpec, name: str) -> keras.layers.Layer:
    if layer.kind == "dense":
        regularizer = keras.regularizers.L1L2(l1=layer.l1, l2=layer.l2) if (layer.l1 or layer.l2) else None
        return keras.layers.Dense(layer.units, activation=keras_activation(layer.activation),
                                  kernel_initializer=make_initializer(layer), kernel_regularizer=regularizer,
                                  name=name)
    if layer.kind == "dropout":
        return keras.layers.Dropout(layer.rate, name=name)
    if layer.kind == "batchnorm":
        return keras.layers.BatchNormalization(name=name)
    if layer.kind == "activation":
        return keras.layers.Activation(keras_activation(layer.activation), name=name)
    if layer.kind == "flatten":
        return keras.layers.Flatten(name=name)
    raise SpecError(f"unknown layer kind {layer.kind!r}")


def set_random_seed(seed: int) -> None:
    """``keras.utils.set_random_seed`` without its ``tf.random.set_seed``: Keras' initial weights (and its
    dropout masks) come from Keras' seed and Python's ``random``, never from TensorFlow's global seed, while
    setting that seed empties TensorFlow's caches of prepared functions in the whole process. So every program
    of every network took a second or more to prepare again after each new network was built, and a program
    compiling in another thread meanwhile had its kernels cleared under its feet."""
    import random

    import numpy as np
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)


_BUILDING = threading.RLock()


def build_model(spec: NetworkSpec, seed: int | None = None) -> keras.Model:
    """A fresh, untrained Keras model for ``spec``. With ``seed``, its initial weights are reproducible.

    One at a time: Keras draws the initial weights' seeds from Python's ``random``, which the seed resets for
    the whole process; two threads building at once (a run's, and the MNIST tab's preparation of the next
    run) took each other's numbers, and a run's first epoch no longer repeated after Reset."""
    spec.validate()
    if uses_step(spec):
        raise SpecError("a perceptron's step activation has no Keras layer: it is trained by the perceptron "
                        "rule without Keras (save it as a workspace, .annws, to keep it)")
    with _BUILDING:
        if seed is not None:
            set_random_seed(seed)
        inputs = keras.Input(shape=tuple(spec.input_shape), name="input")
        x = inputs
        for layer, name in zip(spec.layers, spec.layer_names()):
            x = make_layer(layer, name)(x)
        if len(x.shape) != 2:
            raise SpecError(f"the network's output has shape {tuple(x.shape[1:])}; "
                            "add a Flatten layer before the Dense layers")
        return keras.Model(inputs, x, name="annstudio")


def make_optimizer(train: TrainSpec) -> keras.optimizers.Optimizer:
    if train.optimizer not in _OPTIMIZERS:
        raise SpecError(f"the optimizer {train.optimizer!r} has no Keras optimizer: the perceptron rule trains "
                        "one step neuron without Keras")
    return _OPTIMIZERS[train.optimizer](learning_rate=float(train.learning_rate))


def make_loss(train: TrainSpec) -> keras.losses.Loss:
    if train.loss == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy()
    if train.loss == "sparse_categorical_crossentropy":
        return keras.losses.SparseCategoricalCrossentropy()
    return keras.losses.MeanSquaredError()


def compile_like_lecture(model: keras.Model, train: TrainSpec) -> keras.Model:
    """Compile as the lecture's notebook does, so a saved model carries its optimizer and loss."""
    metrics = ["accuracy"] if train.is_classification else ["mse"]
    model.compile(optimizer=make_optimizer(train), loss=train.loss, metrics=metrics)
    return model


def spec_from_model(model: keras.Model) -> NetworkSpec:
    """The builder's description of a model made of Input, Dense, Dropout, BatchNormalization,
    Activation and Flatten in a single chain; :class:`SpecError` for anything else."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        layers.append(_layer_spec(layer))
    shape = tuple(int(n) for n in model.inputs[0].shape[1:])
    if any(n is None for n in model.inputs[0].shape[1:]):
        raise SpecError("the model's input has a size that is not fixed")
    features = ("x1", "x2") if shape == (2,) else ()
    spec = NetworkSpec(input_shape=shape, layers=tuple(layers), features=features)
    return spec.validate()


_KERAS_NAMES = {"silu": "swish"}  # Keras 3 calls swish silu


def _activation_name(fn) -> str:
    name = getattr(fn, "__name__", str(fn))
    name = _KERAS_NAMES.get(name, name)
    if name not in ACTIVATIONS:
        raise SpecError(f"activation {name!r} is not one the builder knows")
    return name


def _initializer_fields(init) -> dict:
    """``initializer`` and ``init_value`` of a Dense layer's kernel initializer. One the builder does not
    offer reads as the default: the model's weights are loaded anyway, it only matters for a fresh start."""
    if isinstance(init, keras.initializers.HeNormal):
        return {"initializer": "he_normal"}
    if isinstance(init, keras.initializers.Zeros):
        return {"initializer": "zeros"}
    if isinstance(init, keras.initializers.Constant):
        return {"initializer": "constant", "init_value": float(init.value)}
    if isinstance(init, keras.initializers.RandomNormal) and float(init.mean) == 0.0 \
            and abs(float(init.stddev) - 0.1) < 1e-9:
        return {"initializer": "normal"}
    return {"initializer": DEFAULT_INITIALIZER}


def _layer_spec(layer) -> LayerSpec:
    if isinstance(layer, keras.layers.Dense):
        reg = layer.kernel_regularizer
        l1 = float(getattr(reg, "l1", 0.0) or 0.0)
        l2 = float(getattr(reg, "l2", 0.0) or 0.0)
        if not layer.use_bias:
            raise SpecError(f"layer {layer.name!r} has no bias, which the builder cannot show")
        return LayerSpec("dense", units=int(layer.units), activation=_activation_name(layer.activation),
                         l1=l1, l2=l2, **_initializer_fields(layer.kernel_initializer))
    if isinstance(layer, keras.layers.Dropout):
        return LayerSpec("dropout", rate=float(layer.rate))
    if isinstance(layer, keras.layers.BatchNormalization):
        return LayerSpec("batchnorm")
    if isinstance(layer, keras.layers.Activation):
        return LayerSpec("activation", activation=_activation_name(layer.activation))
    if isinstance(layer, keras.layers.Flatten):
        return LayerSpec("flatten")
    raise SpecError(f"layer {layer.name!r} is a {type(layer).__name__}, which the builder cannot show")
