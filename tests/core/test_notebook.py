"""Export as a Jupyter notebook: a valid nbformat-4 file in the lecture's style whose code cells, run in a fresh
process, make the app's data, build its network and reach the app's numbers."""
import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest

from annstudio import cli
from annstudio.core import atomic, codegen, datasets, lessons
from annstudio.core.codegen import CodegenError
from annstudio.core.engine import Trainer
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense
from annstudio.core.workspace import Workspace, save_workspace, workspace_from_training

# Runs every notebook's code cells, each in a namespace of its own, in one fresh process (TensorFlow is
# imported once); plt.show is counted, and each notebook's numbers are written out as JSON.
RUNNER = r'''
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
results = {}
for path in sys.argv[2:]:
    shown = []
    plt.show = lambda *a, **k: (shown.append(len(plt.gcf().axes)), plt.close("all"))
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    scope = {"__name__": "__main__"}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), path, "exec"), scope)
    h = scope["history"].history
    results[path] = {"loss": h["loss"], "shown": shown, "test_loss": scope.get("test_loss")}
with open(sys.argv[1], "w") as f:
    json.dump(results, f)
'''


def run_notebooks(paths, tmp_path):
    runner = tmp_path / "run_notebooks.py"
    runner.write_text(RUNNER, encoding="utf-8")
    out = tmp_path / "results.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, str(runner), str(out), *map(str, paths)], capture_output=True, text=True,
                          timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


def cells(path):
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    return [(c.cell_type, c.source) for c in notebook.cells]


def test_a_run_in_the_app_exported_as_a_notebook_reaches_its_numbers_in_a_fresh_process(tmp_path, mnist_path):
    # 1. a run in the app's engine, saved as a workspace (shuffling off: Keras' fit then takes the same batches)
    preset = lessons.get("looking-at-parameters")
    data_spec = replace(preset.data, size=200, test_fraction=0.25)
    train = replace(preset.train, epochs=1, shuffle=False)
    data = datasets.generate(data_spec)
    result = Trainer(preset.network, train, data).train_to_end()
    app = result.history[0]
    ws = workspace_from_training(preset.network, train, data_spec, data, history=list(result.history),
                                 preset=preset.id)
    source = save_workspace(ws, tmp_path / "run.annws")
    notebook = tmp_path / "run.ipynb"
    assert cli.main(["export-code", str(source), "-o", str(notebook)]) == 0

    # 2. other kinds of data, each with its own plots (regression: the fitted curve; MNIST: a digit's stems)
    regression = tmp_path / "regression.ipynb"
    dropout = lessons.get("overfit-dropout")
    codegen.write_workspace_code(Workspace(dropout.network, dropout.train, DataSpec(
        "sine", size=40, noise=0.2, test_fraction=0.25)), regression, epochs=1)
    spiral = tmp_path / "spiral.ipynb"
    network = NetworkSpec((3,), (dense(6, "tanh"), dense(3, "softmax")), ("x1", "x2", "x1*x2"))
    codegen.write_workspace_code(Workspace(network, TrainSpec(loss="sparse_categorical_crossentropy"),
                                           DataSpec("spiral", size=150, classes=3, test_fraction=0.2)), spiral, epochs=1)
    mnist = tmp_path / "mnist.ipynb"
    mlp = lessons.get("mnist-mlp")
    codegen.write_workspace_code(Workspace(mlp.network, mlp.train, replace(mlp.data, size=300, path=str(mnist_path))),
                                 mnist, epochs=1)

    # the lecture's style: a markdown cell before every step, the plots the lecture draws
    shown = cells(notebook)
    assert shown[0][0] == "markdown" and shown[0][1].startswith(f"# {preset.title}")
    headings = [text.splitlines()[0] for kind, text in shown if kind == "markdown"]
    assert headings[1:] == ["## 1. The data", "## 2. The network", "## 3. Loss and optimizer", "## 4. Training",
                            "## 5. Evaluation", "## 6. The loss curve", "## 7. The decision boundary"]
    code = "\n".join(text for kind, text in shown if kind == "code")
    assert "rng = np.random.default_rng(1)" in code and "shuffle=False" in code and "plt.contour(" in code
    assert "import matplotlib.pyplot as plt" in code and "%matplotlib" not in code
    assert "plt.stem(" in "".join(t for _, t in cells(mnist)) and "plt.imshow(" in "".join(t for _, t in cells(mnist))
    assert "## 7. The fitted curve" in "".join(t for _, t in cells(regression))

    results = run_notebooks([notebook, regression, spiral, mnist], tmp_path)
    mine = results[str(notebook)]
    assert len(mine["loss"]) == 1
    np.testing.assert_allclose(mine["loss"][0], app["loss"], rtol=2e-4)
    np.testing.assert_allclose(mine["test_loss"], app["test_loss"], rtol=2e-4)
    assert mine["shown"] == [1, 1, 1, 1]  # data, loss, accuracy, decision boundary
    assert results[str(regression)]["shown"] == [1, 1, 1]  # data, loss, fitted curve (mse: no second curve)
    assert results[str(spiral)]["shown"] == [1, 1, 1, 1]
    assert results[str(mnist)]["shown"] == [10, 1, 1, 2]  # ten digits, loss, accuracy, digit + stems
    for path in (regression, spiral, mnist):
        assert np.isfinite(results[str(path)]["loss"][0])


def test_many_own_points_go_to_a_csv_beside_the_notebook(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(codegen.EMBED_LIMIT + 100, 2))
    points = datasets.from_points(x, (x[:, 0] > 0).astype(float), "binary", 0.2, seed=1)
    preset = lessons.get("looking-at-parameters")
    ws = Workspace(preset.network, preset.train, preset.data, points=points, user_data=True)
    written = codegen.write_workspace_code(ws, tmp_path / "mine.ipynb")
    assert [p.name for p in written] == ["mine.ipynb", "mine_data.csv"]
    code = "".join(t for kind, t in cells(written[0]) if kind == "code")
    assert "DATA_FILE = 'mine_data.csv'" in code and "__file__" not in code  # Jupyter runs in the notebook's folder


def test_a_keras_file_exports_as_a_notebook_with_its_weights(tmp_path):
    from annstudio.core import build, store

    preset = lessons.get("logistic-regression")
    model = build.compile_like_lecture(build.build_model(preset.network, seed=3), preset.train)
    source = store.save_model(model, tmp_path / "logreg.keras")
    notebook = tmp_path / "logreg.ipynb"
    assert cli.main(["export-code", str(source), "-o", str(notebook), "--with-weights"]) == 0
    text = "".join(t for _, t in cells(notebook))
    assert "model.load_weights(WEIGHTS_FILE)" in text and "logreg.keras holds a network, not its data" in text
    assert "this notebook uses a data set" in text


def test_a_notebook_into_a_read_only_folder_is_one_sentence_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    preset = lessons.get("logistic-regression")
    source = save_workspace(Workspace(preset.network, preset.train, preset.data), tmp_path / "w.annws")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(folder, os.W_OK):  # root may write anyway: refuse the way the system does then
        real = atomic.tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == folder:
                raise PermissionError(13, "Permission denied")
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    try:
        assert cli.main(["export-code", str(source), "-o", str(folder / "w.ipynb")]) == 1
    finally:
        folder.chmod(stat.S_IRWXU)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Permission denied" in err[0] and "Traceback" not in err[0], err
    assert list(folder.iterdir()) == []
    with pytest.raises(CodegenError, match=r"must end in \.py \(a script\) or \.ipynb"):
        codegen.export_code(source, tmp_path / "w.txt")
