"""`annstudio backprop`: one sample's numbers from a saved model, run as a user runs it."""
import json

import numpy as np
import pytest
import tensorflow as tf
import keras

from annstudio import cli
from annstudio.core import build, store
from annstudio.core.spec import NetworkSpec, TrainSpec, batchnorm, dense

from test_cli import annstudio


def _save(tmp_path, name, layers, loss=None):
    spec = NetworkSpec((2,), tuple(layers), ("x1", "x2"))
    model = build.build_model(spec, seed=5)
    if loss:
        build.compile_like_lecture(model, TrainSpec(loss=loss))
    return store.save_model(model, tmp_path / name), model


def test_json_equals_gradient_tape_of_the_saved_model(tmp_path):
    path, model = _save(tmp_path, "net.keras", [dense(3, "tanh"), dense(3, "softmax")],
                        "sparse_categorical_crossentropy")
    out = annstudio("backprop", str(path), "--input", "0.5,-1.2", "--target", "2", "--json", timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(np.array([2]), model(np.array([[0.5, -1.2]], np.float32)))
    grads = [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]
    assert result["loss_name"] == "sparse_categorical_crossentropy"
    assert result["loss"] == pytest.approx(float(loss), rel=1e-5)
    assert [layer["name"] for layer in result["layers"]] == ["dense_1", "dense_2"]
    for layer, (kernel, bias) in zip(result["layers"], zip(grads[::2], grads[1::2])):
        assert set(layer) >= {"a", "output", "delta", "grad_kernel", "grad_bias"}
        assert np.shape(layer["grad_kernel"]) == kernel.shape  # inputs × units
        np.testing.assert_allclose(layer["grad_kernel"], kernel, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(layer["grad_bias"], bias, rtol=1e-5, atol=1e-7)


def test_plain_text_and_a_loss_named_on_the_command_line(tmp_path, capsys):
    path, _ = _save(tmp_path, "bare.keras", [dense(2, "sigmoid"), dense(1, "sigmoid")])
    assert cli.main(["backprop", str(path), "--input", "0.5,-1.2", "--target", "1"]) == cli.EXIT_USAGE
    assert "saved without a loss; name one with --loss" in capsys.readouterr().err
    assert cli.main(["backprop", str(path), "--input", "-0.5,1.2", "--target", "1", "--loss", "mse"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("input -0.5   1.2  target  1  prediction ")  # a leading minus is a value
    assert lines[1].startswith("loss (mse) ")
    assert lines[2] == "dense_1 (sigmoid, 2 inputs -> 2 units)"
    assert [line.split()[0] for line in lines[3:8]] == ["a", "output", "delta", "grad_bias", "grad_kernel"]


def test_bad_input_that_needs_no_model_is_refused_before_tensorflow_loads(tmp_path):
    out = annstudio("backprop", str(tmp_path / "none.keras"), "--input", "0.5,x", "--target", "1")
    assert out.returncode == cli.EXIT_USAGE
    assert out.stderr.strip() == "annstudio: error: --input must be numbers separated by commas, not '0.5,x'"


@pytest.mark.parametrize("args, words", [
    (["--input", "0.5", "--target", "1"], "the network takes 2 input numbers, not 1"),
    (["--input", "0.5,-1.2", "--target", "1,0"], "the target must have 1 value (one per output neuron), not 2"),
    (["--input", "0.5,-1.2", "--target", "1", "--loss", "mse"], "compiled with binary_crossentropy; leave out"),
])
def test_a_sample_that_does_not_fit_is_one_line(tmp_path, capsys, args, words):
    path, _ = _save(tmp_path, "net.keras", [dense(2, "relu"), dense(1, "sigmoid")], "binary_crossentropy")
    assert cli.main(["backprop", str(path), *args]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and words in captured.err


def test_a_layer_it_cannot_explain_is_one_line(tmp_path, capsys):
    path, _ = _save(tmp_path, "bn.keras", [dense(2, "relu"), batchnorm(), dense(1, "sigmoid")],
                    "binary_crossentropy")
    assert cli.main(["backprop", str(path), "--input", "0.5,-1.2", "--target", "1"]) == cli.EXIT_ERROR
    assert capsys.readouterr().err.strip() == (
        "annstudio: error: a BatchNormalization layer cannot be explained one sample at a time (its training "
        "step uses the whole batch's mean and variance)")
