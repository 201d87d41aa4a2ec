"""KerasReader: 28×28 digits through a Keras model the builder cannot show, no window needed."""
import keras
import numpy as np
import pytest

from annstudio.core.reader import KerasReader, digit_input_shape
from annstudio.core.spec import SpecError


def _convnet(shape=(28, 28, 1), activation="softmax"):
    keras.utils.set_random_seed(0)
    layers = [keras.Input(shape)]
    if shape == (28, 28):
        layers.append(keras.layers.Reshape((28, 28, 1)))
    layers += [keras.layers.Conv2D(3, 3, activation="relu"), keras.layers.MaxPooling2D(),
               keras.layers.Flatten(), keras.layers.Dense(10, activation=activation)]
    return keras.Sequential(layers)


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1)])
def test_probabilities_are_keras_own_for_either_input_shape(shape):
    model = _convnet(shape)
    reader = KerasReader(model, "net.keras")
    x = np.random.default_rng(0).random((7, 28, 28)).astype("float32")
    np.testing.assert_allclose(reader.predict(x, batch=3), model.predict_on_batch(x.reshape((7,) + shape)),
                               atol=1e-6)
    assert reader.predict(x[0]).shape == (1, 10)
    assert reader.predict_with_hidden(x[:2])[1] is None


def test_scores_become_probabilities_and_the_layers_are_named():
    model = _convnet(activation="linear")
    reader = KerasReader(model, "scores.keras")
    x = np.random.default_rng(1).random((4, 28, 28)).astype("float32")
    p = reader.predict(x)
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-6)
    np.testing.assert_allclose(p, keras.ops.convert_to_numpy(keras.ops.softmax(model.predict_on_batch(x[..., None]))),
                               atol=1e-6)
    assert reader.describe() == ("Input(28×28×1) → Conv2D(3, 3×3, relu) → MaxPooling2D(2×2) → Flatten → "
                                 "Dense(10, linear)")
    assert reader.unshown_layers() == ["Conv2D", "MaxPooling2D"]
    assert reader.why_prediction_only() == "the builder cannot show its Conv2D and MaxPooling2D layers"


def test_models_that_do_not_read_digits_are_refused_with_their_shape():
    with pytest.raises(SpecError, match=r"\(32, 32, 3\)"):
        digit_input_shape(_convnet_other((32, 32, 3), 10), "cifar.keras")
    with pytest.raises(SpecError, match=r"\(5,\)"):
        KerasReader(_convnet_other((28, 28, 1), 5))
    with pytest.raises(SpecError, match="28×28"):
        KerasReader(_convnet()).predict(np.zeros((3, 5)))


def _convnet_other(shape, outputs):
    return keras.Sequential([keras.Input(shape), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                             keras.layers.Dense(outputs)])
