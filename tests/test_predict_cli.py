"""`annstudio predict MODEL.keras IMAGE [--json]`: pictures of digits read headless; errors in one line."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from annstudio import cli
from annstudio.core import build, datasets, lessons, store
from annstudio.core.engine import Trainer
from annstudio.core.spec import NetworkSpec, dense

import keras


@pytest.fixture(scope="module")
def mnist_model(mnist_path, tmp_path_factory):
    """The lecture's network after one epoch on 10000 MNIST images (≈ 93 % on the test set), saved."""
    preset = lessons.get("mnist-mlp").with_epochs(1)
    trainer = Trainer(preset.network, preset.train, datasets.mnist_dataset(mnist_path, size=10000))
    list(trainer.run())
    path = tmp_path_factory.mktemp("models") / "mnist.keras"
    store.save_model(trainer.model, path)
    return path, trainer.model


@pytest.fixture(scope="module")
def test_digits(mnist_path):
    _, _, x_test, y_test = datasets.load_mnist(mnist_path)
    return x_test, y_test


def _paper_picture(digit_image, path, size=336, rgb=False):
    """An MNIST digit as a scan would show it: dark ink on light paper, enlarged, maybe in colour."""
    picture = Image.fromarray(255 - digit_image).resize((size, size), Image.Resampling.BILINEAR)
    (picture.convert("RGB") if rgb else picture).save(path)
    return path


def _clear_digits(model, x_test, y_test, count):
    """Test digits the model reads right and clearly, so the test is about the picture, not the model."""
    probabilities = model.predict_on_batch(x_test[:300] / 255.0)
    ok = np.flatnonzero((probabilities.argmax(axis=1) == y_test[:300]) & (probabilities.max(axis=1) > 0.9))
    return ok[:count]


def run_cli(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "annstudio", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def test_a_scanned_digit_is_read_by_the_command(mnist_model, test_digits, tmp_path):
    path, model = mnist_model
    x_test, y_test = test_digits
    index = _clear_digits(model, x_test, y_test, 1)[0]
    picture = _paper_picture(x_test[index], tmp_path / "scan.png")
    out = run_cli("predict", path, picture)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"digit {y_test[index]} (probability ")
    rows = [line.split() for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(10))
    assert sum(float(r[1]) for r in rows) == pytest.approx(1.0, abs=2e-3)


def test_json_gives_the_digit_and_ten_probabilities(mnist_model, test_digits, tmp_path, capsys):
    path, model = mnist_model
    x_test, y_test = test_digits
    for k, index in enumerate(_clear_digits(model, x_test, y_test, 4)):
        picture = _paper_picture(x_test[index], tmp_path / f"digit{k}.jpg", size=200 + 150 * k, rgb=True)
        assert cli.main(["predict", str(path), str(picture), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert set(result) == {"digit", "probabilities"}
        assert result["digit"] == y_test[index]
        assert len(result["probabilities"]) == 10 and sum(result["probabilities"]) == pytest.approx(1, abs=1e-4)


def _fails_in_one_line(capsys, *args, match):
    code = cli.main(["predict", *map(str, args)])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code != 0 and captured.out == ""
    assert len(lines) == 1 and lines[0].startswith("annstudio: error: ") and "Traceback" not in captured.err
    assert match in lines[0], lines[0]
    return lines[0]


def test_a_file_that_is_not_a_picture_is_refused(mnist_model, tmp_path, capsys):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    _fails_in_one_line(capsys, mnist_model[0], text, match="notes.png is not a picture that can be read")


def test_a_missing_picture_is_refused(mnist_model, tmp_path, capsys):
    _fails_in_one_line(capsys, mnist_model[0], tmp_path / "nothing.png", match="does not exist")


def test_a_blank_page_has_no_digit(mnist_model, tmp_path, capsys):
    Image.fromarray(np.full((100, 100), 230, np.uint8)).save(tmp_path / "blank.png")
    _fails_in_one_line(capsys, mnist_model[0], tmp_path / "blank.png", match="looks blank")


def test_a_model_carrying_code_is_refused(mnist_model, test_digits, tmp_path, capsys):
    inputs = keras.Input(shape=(28, 28))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(
        keras.layers.Lambda(lambda x: x * 2.0)(inputs)))
    lambda_model = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(lambda_model)
    picture = _paper_picture(test_digits[0][0], tmp_path / "seven.png")
    _fails_in_one_line(capsys, lambda_model, picture, match="Lambda")


def test_a_model_that_does_not_read_digits_is_refused(test_digits, tmp_path, capsys):
    picture = _paper_picture(test_digits[0][0], tmp_path / "seven.png")
    points = tmp_path / "points.keras"
    store.save_model(build.build_model(NetworkSpec(input_shape=(2,), layers=(dense(10, "softmax"),))), points)
    _fails_in_one_line(capsys, points, picture, match="not 28x28 images")
    binary = tmp_path / "binary.keras"
    store.save_model(build.build_model(NetworkSpec(input_shape=(784,), features=(), layers=(dense(1, "sigmoid"),))),
                     binary)
    _fails_in_one_line(capsys, binary, picture, match="not 10 probabilities")


def test_a_model_the_builder_does_not_know_is_read_by_keras(test_digits, tmp_path, capsys):
    """A convolutional MNIST model: no numpy copy of it, so Keras computes (its answer: any digit)."""
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(2, 3)(inputs)
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(x))  # scores, not probabilities
    conv = tmp_path / "conv.keras"
    keras.Model(inputs, outputs).save(conv)
    picture = _paper_picture(test_digits[0][0], tmp_path / "seven.png")
    assert cli.main(["predict", str(conv), str(picture), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 0 <= result["digit"] <= 9 and sum(result["probabilities"]) == pytest.approx(1, abs=1e-4)
