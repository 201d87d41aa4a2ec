"""The loss landscape's grid equals the Keras model's loss at those parameter values."""
import numpy as np
import pytest
import keras

from annstudio.core import build
from annstudio.core.backprop import CannotExplain, dense_chain
from annstudio.core.forward import model_weights
from annstudio.core.landscape import Param, loss_grid, span
from annstudio.core.spec import NetworkSpec, dense

KERAS_LOSSES = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
                "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
                "mse": keras.losses.MeanSquaredError}


def _set(model, param, value):
    layer = [l for l in model.layers if l.weights][param.layer]
    kernel, bias = layer.get_weights()
    if param.source is None:
        bias[param.unit] = value
    else:
        kernel[param.source, param.unit] = value
    layer.set_weights([kernel, bias])


@pytest.mark.parametrize("layers, loss, first, second", [
    ((dense(1, "sigmoid"),), "binary_crossentropy", Param(0, 0, 0), Param(0, 1, 0)),      # one neuron's weights
    ((dense(3, "tanh"), dense(1, "sigmoid")), "binary_crossentropy", Param(0, 1, 2), Param(1, None, 0)),
    ((dense(3, "relu"), dense(3, "softmax")), "sparse_categorical_crossentropy", Param(1, 2, 1), Param(0, None, 1)),
    ((dense(2, "sigmoid"), dense(2, "relu"), dense(1, "linear")), "mse", Param(2, 0, 0), Param(0, 0, 1)),
])
def test_grid_values_equal_the_models_loss(layers, loss, first, second):
    spec = NetworkSpec((2,), layers, ("x1", "x2"))
    model = build.build_model(spec, seed=4)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype(np.float32)
    y = rng.integers(0, 3, 40) if loss.startswith("sparse") else (
        rng.integers(0, 2, 40).astype(np.float32) if loss.startswith("binary") else rng.normal(size=40))
    xs, ys = np.linspace(-2, 2, 7), np.linspace(-1.5, 3, 5)
    grid = loss_grid(dense_chain(spec, model_weights(model)), x, y, loss, first, second, xs, ys)
    assert grid.shape == (5, 7)
    for i, j in [(0, 0), (4, 6), (2, 3), (1, 5)]:
        _set(model, first, xs[j])
        _set(model, second, ys[i])
        expected = float(KERAS_LOSSES[loss]()(y.reshape(-1, 1) if not loss.startswith("sparse") else y, model(x)))
        assert grid[i, j] == pytest.approx(expected, rel=1e-5)


def test_large_grids_are_computed_in_chunks_with_the_same_values(monkeypatch):
    from annstudio.core import landscape

    spec = NetworkSpec((2,), (dense(4, "tanh"), dense(1, "sigmoid")), ("x1", "x2"))
    chain = dense_chain(spec, model_weights(build.build_model(spec, seed=1)))
    x, y = np.random.default_rng(1).normal(size=(30, 2)), np.arange(30) % 2
    args = (chain, x, y, "binary_crossentropy", Param(0, 0, 0), Param(1, 2, 0), np.linspace(-3, 3, 31),
            np.linspace(-3, 3, 29))
    whole = loss_grid(*args)
    monkeypatch.setattr(landscape, "CHUNK_NUMBERS", 500)
    np.testing.assert_allclose(loss_grid(*args), whole, rtol=1e-12)


def test_parameters_are_checked_and_spans_hold_the_path():
    spec = NetworkSpec((2,), (dense(1, "sigmoid"),), ("x1", "x2"))
    chain = dense_chain(spec, model_weights(build.build_model(spec, seed=1)))
    with pytest.raises(CannotExplain, match="not a parameter"):
        loss_grid(chain, np.zeros((2, 2)), [0, 1], "binary_crossentropy", Param(0, 2, 0), Param(0, 0, 0), [0], [0])
    with pytest.raises(CannotExplain, match="two different"):
        loss_grid(chain, np.zeros((2, 2)), [0, 1], "binary_crossentropy", Param(0, 0, 0), Param(0, 0, 0), [0], [0])
    low, high = span([0.2, 3.0, 1.0])
    assert low < 0.2 and high > 3.0
    assert span([]) == (-1.0, 1.0)
    assert Param(0, 1, 0).label == "w(1: 2→1)" and Param(1, None, 2).label == "b(2,3)"
