"""`annstudio export-code`: a script from a .keras model or a workspace; failures are one line, no traceback."""
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from annstudio import cli
from annstudio.core import build, datasets, lessons, store
from annstudio.core.workspace import Workspace, save_workspace


def annstudio(*args, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "annstudio", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def run_script(path, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=path.parent)


def _final_loss(stdout: str) -> float:
    lines = [line for line in stdout.splitlines() if line.startswith("final loss: ")]
    assert lines, stdout[-2000:]
    return float(lines[-1].split()[2])


def test_export_code_from_a_keras_file_runs_from_its_weights(tmp_path):
    preset = lessons.get("logistic-regression")
    model = build.compile_like_lecture(build.build_model(preset.network, seed=5), preset.train)
    source = store.save_model(model, tmp_path / "logreg.keras")
    script = tmp_path / "logreg.py"
    out = annstudio("export-code", str(source), "-o", str(script), "--epochs", "1", "--with-weights")
    assert out.returncode == 0, out.stderr
    assert str(script) in out.stdout and script.is_file()
    text = script.read_text(encoding="utf-8")
    assert "EPOCHS = 1\n" in text and "model.load_weights(WEIGHTS_FILE)" in text
    assert "Adam(learning_rate=0.1)" in text and "tf.keras.layers.Dense(units=1, activation='sigmoid')" in text
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary files left
    run = run_script(script)
    assert run.returncode == 0, run.stderr[-3000:]
    assert np.isfinite(_final_loss(run.stdout))


def test_export_code_from_a_workspace_with_the_users_points(tmp_path, capsys):
    preset = lessons.get("looking-at-parameters")
    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 3, size=(60, 2))
    points = datasets.from_points(x, (x[:, 1] > 0.5 * x[:, 0] ** 2 - 2).astype(float), "binary", 0.2, seed=1)
    ws = Workspace(preset.network, replace(preset.train, learning_rate=0.05), preset.data, points=points,
                   user_data=True, views=["loss", "surface"], preset=preset.id)
    source = save_workspace(ws, tmp_path / "mine.annws")
    script = tmp_path / "mine.py"
    assert cli.main(["export-code", str(source), "-o", str(script), "--epochs", "2"]) == 0
    assert f"wrote {script}" in capsys.readouterr().out
    text = script.read_text(encoding="utf-8")
    assert "EPOCHS = 2\n" in text and "Adam(learning_rate=0.05)" in text and "your own points (60 points" in text
    run = run_script(script)
    assert run.returncode == 0, run.stderr[-3000:]
    assert np.isfinite(_final_loss(run.stdout)) and "test loss: " in run.stdout


def test_export_code_of_a_lambda_model_fails_with_one_line(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)])
    model.save(tmp_path / "lambda.keras")
    script = tmp_path / "never.py"
    out = annstudio("export-code", str(tmp_path / "lambda.keras"), "-o", str(script))
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("annstudio: error: lambda.keras was refused: it contains code")
    assert not script.exists()


@pytest.mark.parametrize("args, code, words", [
    (["export-code", "{tmp}/missing.keras", "-o", "{tmp}/x.py"], 1, "does not exist"),
    (["export-code", "{tmp}/bad.annws", "-o", "{tmp}/x.py"], 1, "bad.annws is neither a Keras model"),
    (["export-code", "{tmp}/newer.annws", "-o", "{tmp}/x.py"], 1, "saved by a newer ANN Studio (format 9)"),
    (["export-code", "{tmp}/newer.annws"], 2, "required: -o"),
    (["export-code", "{tmp}/newer.annws", "-o", "{tmp}/x.py", "--epochs", "0"], 2, "--epochs must be"),
])
def test_export_code_errors_are_one_line(tmp_path, capsys, args, code, words):
    import json
    import zipfile

    (tmp_path / "bad.annws").write_bytes(b"not a zip at all")
    with zipfile.ZipFile(tmp_path / "newer.annws", "w") as archive:
        archive.writestr("workspace.json", json.dumps({"format": "annstudio-workspace", "version": 9}))
    assert cli.main([a.format(tmp=tmp_path) for a in args]) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert not (tmp_path / "x.py").exists()
