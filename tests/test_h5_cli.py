"""Legacy .h5 models on the command line: `annstudio predict` and `annstudio export-code` take them as they
take .keras files; a bad .h5 is one line on stderr."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from annstudio import cli
from annstudio.core import digits

from test_bad_input_matrix import _digit_picture, cli_fails

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "h5"
EXPECTED = json.loads((FIXTURES / "k2_expected.json").read_text())


def _prepared(picture: Path) -> np.ndarray:
    return digits.prepare_digit(digits.image_to_canvas(picture))


def _predict_json(capsys, model: Path, picture: Path) -> dict:
    assert cli.main(["predict", str(model), str(picture), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_predict_reads_a_digit_with_a_keras_2_3_1_file(tmp_path, capsys):
    """The file Keras 3's own loader cannot use: the command answers what its weights compute."""
    picture = _digit_picture(tmp_path / "one.png")
    result = _predict_json(capsys, FIXTURES / "k2_keras231_mnist.h5", picture)
    with h5py.File(FIXTURES / "k2_keras231_mnist.h5") as f:
        w = {name: [np.asarray(f["model_weights"][name][name][k]) for k in ("kernel:0", "bias:0")]
             for name in ("dense_1", "dense_2")}
    hidden = np.maximum(_prepared(picture).reshape(1, 784) @ w["dense_1"][0] + w["dense_1"][1], 0)
    scores = hidden @ w["dense_2"][0] + w["dense_2"][1]
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose(result["probabilities"], expected[0], atol=2e-6)
    assert result["digit"] == int(expected.argmax())


def test_predict_with_an_hdf5_file_answers_as_plain_keras(tmp_path, capsys):
    picture = _digit_picture(tmp_path / "one.png")
    result = _predict_json(capsys, FIXTURES / "k3_mnist_mlp.hdf5", picture)
    model = keras.models.load_model(FIXTURES / "k3_mnist_mlp.hdf5", compile=False)
    np.testing.assert_allclose(result["probabilities"], model.predict_on_batch(_prepared(picture)[None])[0], atol=2e-6)


@pytest.mark.parametrize("name, words", [
    ("k2_lambda.h5", "contains code (a Lambda layer)"),
    ("k2_weights_only.h5", "holds only weights"),
    ("k2_imagenet_shape.h5", "takes inputs of shape 224×224×3"),
    ("k2_lecture_xor.h5", "takes inputs of shape (2,), not 28x28 images"),
])
def test_predict_refuses_h5_files_in_one_line(name, words, tmp_path, capsys):
    line = cli_fails(capsys, "predict", FIXTURES / name, _digit_picture(tmp_path / "one.png"), match=words)
    assert name in line


def test_export_code_from_an_h5_starts_from_its_weights_and_settings(tmp_path, capsys):
    """The script rebuilds the lecture's XOR network, compiles it as the file says (SGD, 0.5) and loads the
    file's weights: its model predicts what TensorFlow 2.15 predicted."""
    script = tmp_path / "xor.py"
    assert cli.main(["export-code", str(FIXTURES / "k2_lecture_xor.h5"), "-o", str(script), "--with-weights"]) == 0
    assert "wrote" in capsys.readouterr().out
    text = script.read_text()
    assert "SGD(learning_rate=0.5)" in text and "model.load_weights(WEIGHTS_FILE)" in text
    spec = importlib.util.spec_from_file_location("xor_script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only; main() runs under __main__
    model = module.build_model()
    model.load_weights(module.WEIGHTS_FILE)
    x = np.random.default_rng(7).random((5, 2)).astype(np.float32) * 2 - 1
    np.testing.assert_allclose(model.predict_on_batch(x), EXPECTED["k2_lecture_xor.h5"]["outputs"], atol=1e-6)


def test_export_code_refuses_bad_h5_files_in_one_line(tmp_path, capsys):
    bad = tmp_path / "notes.h5"
    bad.write_text("not a model")
    cli_fails(capsys, "export-code", bad, "-o", tmp_path / "never.py", match="notes.h5 is not a Keras model file")
    data = (FIXTURES / "k3_mnist_mlp.hdf5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) * 2 // 3])
    cli_fails(capsys, "export-code", tmp_path / "cut.h5", "-o", tmp_path / "never.py",
              match="cut.h5 is damaged: the file ends too early (an interrupted copy or download?)")
    assert not (tmp_path / "never.py").exists()
