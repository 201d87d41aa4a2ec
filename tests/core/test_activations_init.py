"""The builder's activations (values, derivatives, numpy forward pass, saved files) and weight initialisers."""
from dataclasses import replace

import numpy as np
import pytest

from annstudio.core import activations, build, datasets, lessons, store
from annstudio.core.engine import Trainer
from annstudio.core.forward import NumpyForward, model_weights
from annstudio.core.spec import (ACTIVATIONS, INITIALIZERS, DataSpec, NetworkSpec, SpecError, TrainSpec, dense,
                                 layer_from_dict, network_from_dict)

import keras  # noqa: E402  (after build, which quiets TensorFlow)
import tensorflow as tf  # noqa: E402

# the step has no gradient and no Keras function: the perceptron trains it (tests/core/test_perceptron.py)
ELEMENTWISE = [name for name in ACTIVATIONS if name not in ("softmax", "step")]


def _tf_activation(name):
    return build.sine if name == "sine" else keras.activations.get(name)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_values_and_derivatives_match_tensorflow(name):
    a = np.linspace(-5, 5, 401)
    a = a[np.abs(a) > 1e-3]  # ReLU-like kinks at 0 have no derivative
    x = tf.constant(a, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _tf_activation(name)(x)
    grad = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(activations.value(a, name), y.numpy(), atol=1e-6)
    np.testing.assert_allclose(activations.derivative(a, name), grad, atol=1e-6)


def test_derivative_bounds_are_true():
    for name in ACTIVATIONS:
        _, _, d = activations.curve(name, -50, 50, 20001)
        bound = {"sigmoid": 0.25, "softmax": 0.25, "gelu": 1.13, "swish": 1.10}.get(name, 1.0)
        assert np.max(np.abs(d)) <= bound + 1e-9, name
    assert set(activations.DERIVATIVE_BOUND) == set(activations.FORMULA) == set(ACTIVATIONS)


def test_numpy_forward_matches_keras_for_every_activation():
    layers = [dense(3, name) for name in ELEMENTWISE] + [dense(4, "softmax")]
    net = NetworkSpec(input_shape=(2,), layers=tuple(layers))
    model = build.build_model(net, seed=1)
    x = np.random.default_rng(0).normal(0, 2, (64, 2)).astype(np.float32)
    ours = NumpyForward(net, model_weights(model)).activations(x)
    keras_outputs = keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])(x)
    for mine, theirs, layer in zip(ours, keras_outputs, layers):
        np.testing.assert_allclose(mine, np.asarray(theirs), atol=2e-5, err_msg=layer.activation)


def test_initializers_make_the_weights_they_say():
    def kernel(**init):
        model = build.build_model(NetworkSpec(input_shape=(2,), layers=(dense(500, "relu", **init),)), seed=0)
        kernel, bias = model.layers[1].get_weights()
        assert not bias.any()  # biases start at 0 whatever the choice
        return kernel

    assert not kernel(initializer="zeros").any()
    assert np.all(kernel(initializer="constant", init_value=0.5) == 0.5)
    assert abs(kernel(initializer="normal").std() - 0.1) < 0.01
    assert abs(kernel(initializer="he_normal").std() - 1.0) < 0.1  # sqrt(2 / fan_in), fan_in 2 (truncated)
    glorot = kernel()
    assert np.abs(glorot).max() <= np.sqrt(6 / 502) and glorot.std() > 0.05


def test_old_layers_read_as_glorot_and_bad_initializers_are_refused():
    old = layer_from_dict({"kind": "dense", "units": 2, "activation": "relu", "rate": 0.0, "l1": 0.0, "l2": 0.0})
    assert old.initializer == "glorot_uniform"
    with pytest.raises(SpecError, match="initializer must be one of"):
        layer_from_dict({"kind": "dense", "units": 2, "initializer": "ones"})
    with pytest.raises(SpecError, match="constant initial weight"):
        layer_from_dict({"kind": "dense", "units": 2, "initializer": "constant", "init_value": float("nan")})


def test_saved_model_keeps_activations_and_initializers_and_loads_safely(tmp_path):
    layers = tuple(dense(2, act, initializer=init, init_value=0.25 if init == "constant" else 0.0)
                   for act, init in zip(ELEMENTWISE, INITIALIZERS * 3))
    net = NetworkSpec(input_shape=(2,), layers=layers + (dense(1, "sigmoid"),))
    model = build.build_model(net, seed=0)
    path = store.save_model(model, tmp_path / "all.keras")
    loaded = store.load_model(path)  # safe_mode=True: sine is found by its registered name, no code is run
    spec, weights = store.builder_view(loaded)
    assert spec == net
    x = np.random.default_rng(1).normal(size=(16, 2)).astype(np.float32)
    np.testing.assert_allclose(NumpyForward(spec, weights).predict(x), model.predict_on_batch(x), atol=1e-5)
    assert network_from_dict(net.to_dict()) == net


def _trained_kernels(network: NetworkSpec, data: DataSpec, train: TrainSpec) -> list[np.ndarray]:
    result = Trainer(network, train, datasets.load(data), xla=False).train_to_end()
    return [arrays[0] for name, arrays in model_weights(result.model)]


def test_zero_init_keeps_hidden_neurons_identical_and_random_init_does_not():
    zeros, normal = lessons.get("init-zeros"), lessons.get("init-normal")
    data, train = replace(zeros.data, size=64), replace(zeros.train, epochs=2, batch_size=16)
    glorot = NetworkSpec((2,), tuple(replace(layer, initializer="glorot_uniform") for layer in zeros.network.layers))
    for kernel in _trained_kernels(zeros.network, data, train)[:2]:  # the two hidden layers
        assert np.abs(kernel).max() > 0  # they did learn…
        np.testing.assert_allclose(kernel, kernel[:, :1].repeat(kernel.shape[1], axis=1), atol=1e-6)  # …alike
    for network in (normal.network, glorot):
        for kernel in _trained_kernels(network, data, train)[:2]:
            assert np.abs(kernel - kernel[:, :1]).max() > 1e-2


def test_l2_penalty_keeps_the_weights_closer_to_zero():
    spreads = []
    for pid in ("regularization-none", "regularization-l2"):
        preset = lessons.get(pid)
        kernels = _trained_kernels(preset.network, preset.data, replace(preset.train, epochs=40))
        spreads.append(np.concatenate([k.ravel() for k in kernels]).std())
    assert spreads[1] < 0.8 * spreads[0], spreads


def test_notebook_defines_sine_before_the_model_uses_it():
    import json

    from annstudio.core import codegen
    from annstudio.core.notebook import notebook_text

    net = NetworkSpec(input_shape=(2,), layers=(dense(3, "sine", initializer="he_normal"), dense(1, "sigmoid")))
    p = codegen.plan(net, TrainSpec(epochs=1), DataSpec("xor", size=40))
    cells = json.loads(notebook_text(p))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert code.index("def sine(x):") < code.index("activation=sine")
    assert "kernel_initializer=tf.keras.initializers.HeNormal()" in code
    compile(code.replace("%matplotlib inline", ""), "notebook", "exec")


def test_models_built_at_once_in_two_threads_keep_their_seeded_weights():
    """Keras takes the initial weights' seeds from Python's ``random``, which a seed resets for the whole
    process: a run's model and the MNIST tab's preparation of the next run, built at the same moment, took
    each other's numbers (a first epoch that did not repeat after Reset). Built one at a time, they do."""
    import threading

    spec = NetworkSpec((2,), (dense(16, "relu"), dense(16, "relu"), dense(1, "sigmoid")))
    expected = [w.copy() for w in build.build_model(spec, seed=3).get_weights()]
    results, errors = [], []

    def builds() -> None:
        try:
            for _ in range(6):
                results.append(build.build_model(spec, seed=3).get_weights())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=builds) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 18
    for weights in results:
        assert all(np.array_equal(a, b) for a, b in zip(weights, expected))
