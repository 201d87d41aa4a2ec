"""Export as a Jupyter notebook: a valid nbformat-4 file in the lecture's style (tests/gui/test_notebook_report.py
runs notebooks exported from a run in the window and checks they reach its numbers)."""
import os
import stat
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest

from annstudio import cli
from annstudio.core import atomic, codegen, datasets, lessons
from annstudio.core.codegen import CodegenError
from annstudio.core.workspace import Workspace, save_workspace


def cells(path):
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    return [(c.cell_type, c.source) for c in notebook.cells]


def test_the_notebook_has_a_markdown_cell_before_every_step_and_the_lectures_plots(tmp_path, mnist_path):
    preset = lessons.get("looking-at-parameters")
    ws = Workspace(preset.network, replace(preset.train, shuffle=False), preset.data, preset=preset.id)
    source = save_workspace(ws, tmp_path / "run.annws")
    notebook = tmp_path / "run.ipynb"
    assert cli.main(["export-code", str(source), "-o", str(notebook), "--epochs", "1"]) == 0
    shown = cells(notebook)
    assert shown[0][0] == "markdown" and shown[0][1].startswith(f"# {preset.title}")
    headings = [text.splitlines()[0] for kind, text in shown if kind == "markdown"]
    assert headings[1:] == ["## 1. The data", "## 2. The network", "## 3. Loss and optimizer", "## 4. Training",
                            "## 5. Evaluation", "## 6. The loss curve", "## 7. The decision boundary"]
    code = "\n".join(text for kind, text in shown if kind == "code")
    assert "rng = np.random.default_rng(1)" in code and "shuffle=False" in code and "plt.contour(" in code
    assert "EPOCHS = 1\n" in code and "import matplotlib.pyplot as plt" in code and "%matplotlib" not in code
    mlp = lessons.get("mnist-mlp")
    codegen.write_workspace_code(Workspace(mlp.network, mlp.train, replace(mlp.data, path=str(mnist_path))),
                                 tmp_path / "mnist.ipynb")
    mnist = "".join(t for _, t in cells(tmp_path / "mnist.ipynb"))
    assert "plt.stem(" in mnist and "plt.imshow(" in mnist and "## 7. Reading a test digit" in mnist
    dropout = lessons.get("overfit-dropout")
    codegen.write_workspace_code(Workspace(dropout.network, dropout.train, dropout.data), tmp_path / "fit.ipynb")
    fit = "".join(t for _, t in cells(tmp_path / "fit.ipynb"))
    assert "## 7. The fitted curve" in fit and "verbose=0" in fit  # 200 epochs: no line for each


def test_early_stopping_and_a_schedule_go_into_the_notebook(tmp_path):
    preset = lessons.get("early-stopping")
    train = replace(preset.train, schedule="step", schedule_every=5)
    codegen.write_workspace_code(Workspace(preset.network, train, preset.data, preset=preset.id), tmp_path / "es.ipynb")
    shown = cells(tmp_path / "es.ipynb")
    code = "\n".join(text for kind, text in shown if kind == "code")
    words = "\n".join(text for kind, text in shown if kind == "markdown")
    assert "validation_split=VALIDATION_SPLIT" in code and "callbacks=callbacks" in code
    assert "EarlyStopping(monitor='val_loss'" in code and "ExponentialDecay(0.01, decay_steps=5" in code
    assert "history.history['val_loss']" in code and "`EarlyStopping` ends training" in words
    compile("\n\n".join(text for kind, text in shown if kind == "code"), "es.ipynb", "exec")


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
