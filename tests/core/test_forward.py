"""The numpy forward pass computes what the Keras model computes (inference mode), to 1e-5."""
import numpy as np
import pytest

from annstudio.core import build, lessons
from annstudio.core.forward import NumpyForward, first_hidden_index, layer_names, model_weights
from annstudio.core.spec import NetworkSpec, SpecError, activation, batchnorm, dense, dropout, flatten

import keras

MNIST = lessons.get("mnist-mlp").network
DEEP = NetworkSpec(input_shape=(6,), features=(), layers=(
    dense(12, "tanh"), batchnorm(), dropout(0.3), dense(9, "linear"), batchnorm(), activation("sigmoid"),
    dense(7, "relu"), dropout(0.1), dense(5, "sigmoid"), dense(4, "softmax")))
IMAGE_FIRST = NetworkSpec(input_shape=(4, 5), features=(), layers=(
    dense(3, "relu"), flatten(), dense(2, "linear")))


def _keras_model(spec, seed=0):
    model = build.build_model(spec, seed=seed)
    rng = np.random.default_rng(seed)
    for layer in model.layers:  # batch norm with moving statistics far from 0 and 1, so they matter
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 2, n), rng.normal(0, 1, n), rng.normal(0, 2, n),
                               rng.uniform(0.1, 3, n)])
    return model


@pytest.mark.parametrize("spec", [MNIST, DEEP, IMAGE_FIRST], ids=["mnist-mlp", "deep-batchnorm", "dense-first"])
def test_predict_and_activations_equal_keras(spec):
    model = _keras_model(spec)
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, size=(16, *spec.input_shape)).astype(np.float32)
    forward = NumpyForward(spec, model_weights(model))
    np.testing.assert_allclose(forward.predict(x), model.predict_on_batch(x), atol=1e-5)
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])
    expected = probe.predict_on_batch(x)
    got = forward.activations(x)
    assert len(got) == len(spec.layers) == len(expected)
    for name, a, b in zip(layer_names(spec), got, expected):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-5, err_msg=name)


def test_one_input_flat_or_shaped_gives_one_row():
    model = _keras_model(MNIST)
    forward = NumpyForward(MNIST, model_weights(model))
    image = np.random.default_rng(2).uniform(0, 1, (28, 28)).astype(np.float32)
    a, b = forward.predict(image), forward.predict(image.reshape(784))
    assert a.shape == b.shape == (1, 10)
    np.testing.assert_allclose(a.sum(), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, b)
    probs, hidden = forward.predict_with_hidden(image)
    np.testing.assert_array_equal(probs, a)
    assert hidden.shape == (1, 100) and (hidden >= 0).all()


def test_weights_from_a_training_report(mnist_path):
    from annstudio.core import datasets
    from annstudio.core.engine import Trainer

    preset = lessons.get("mnist-mlp")
    data = datasets.mnist_dataset(mnist_path, size=2000)
    trainer = Trainer(preset.network, preset.train, data)
    report = list(trainer.run(1))[-1]
    forward = NumpyForward(preset.network, report.weights)
    x = data.x_test[:64]
    np.testing.assert_allclose(forward.predict(x), trainer.model.predict_on_batch(x), atol=1e-5)


def test_weights_matched_by_order_when_names_differ():
    model = _keras_model(DEEP)
    renamed = tuple((f"layer{i}", arrays) for i, (_, arrays) in enumerate(model_weights(model)))
    x = np.random.default_rng(3).normal(size=(5, 6)).astype(np.float32)
    np.testing.assert_allclose(NumpyForward(DEEP, renamed).predict(x), model.predict_on_batch(x), atol=1e-5)


def test_weights_that_do_not_fit_are_refused_in_words():
    weights = model_weights(_keras_model(MNIST))
    with pytest.raises(SpecError, match="2 layers with weights, 1 were given"):
        NumpyForward(MNIST, weights[:1])
    kernel, bias = weights[0][1]
    with pytest.raises(SpecError, match="dense_1 needs a kernel of shape"):
        NumpyForward(MNIST, (("dense_1", (kernel[:100], bias)), weights[1]))
    forward = NumpyForward(MNIST, weights)
    with pytest.raises(SpecError, match="inputs of shape"):
        forward.predict(np.zeros((3, 27)))


def test_first_hidden_layer_is_after_its_normalisation_and_activation():
    assert first_hidden_index(MNIST) == 1
    assert first_hidden_index(DEEP) == 2  # dense_1, batchnorm_1, dropout_1
    assert first_hidden_index(NetworkSpec(input_shape=(2,), layers=(dense(1, "sigmoid"),))) is None
    assert layer_names(DEEP)[:4] == ["dense_1", "batchnorm_1", "dropout_1", "dense_2"]
