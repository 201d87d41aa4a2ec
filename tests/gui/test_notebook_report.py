"""File › Export › Notebook… and Report… through the real window, and `annstudio report`.

A run trained in the window, exported as a notebook, reaches the window's numbers when the notebook's code
cells run in a fresh process; the report is one self-contained HTML page (or a PDF) that Qt can render.
"""
import base64
import json
import os
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from annstudio import cli
from annstudio.core import codegen, lessons
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense
from annstudio.core.workspace import Workspace, load_workspace, save_workspace
from annstudio.gui.app import MainWindow
from annstudio.gui.report import document

# Runs every notebook's code cells, each in a namespace of its own, in one fresh process (TensorFlow is imported
# once); plt.show is counted with the number of axes in the figure, and each notebook's numbers written as JSON.
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
    results[path] = {"loss": scope["history"].history["loss"], "shown": shown, "test_loss": scope.get("test_loss")}
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


def rendered(page: str) -> QImage:
    """The page as Qt's rich text draws it (what the PDF prints), as an image."""
    doc = document(page, 900)
    image = QImage(doc.size().toSize(), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    doc.drawContents(painter)
    painter.end()
    return image


def embedded_pictures(page: str) -> list[QImage]:
    sources = re.findall(r"<img src='([^']*)'", page)
    assert all(s.startswith("data:image/png;base64,") for s in sources), "a picture that is not embedded"
    return [QImage.fromData(base64.b64decode(s.split(",", 1)[1]), "PNG") for s in sources]


@pytest.fixture
def window(qtbot):
    w = MainWindow(restore=False)
    qtbot.addWidget(w)
    w.show()
    p = w.playground
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    yield w
    w.close()


def test_a_run_in_the_window_exported_as_a_notebook_reaches_its_numbers_and_its_report_shows_it(
        window, qtbot, tmp_path, mnist_path):
    p = window.playground
    p.data_panel.test_spin.setValue(0.25)
    p.training.shuffle_check.setChecked(False)  # then Keras' fit takes the same batches as the app
    p.training.epochs_spin.setValue(1)
    qtbot.waitUntil(lambda: not p.session.is_running() and p.latest_report() is not None, timeout=60000)
    p.play()
    qtbot.waitUntil(lambda: p.state() == "finished" and not p.session.is_running(), timeout=60000)
    app = p.loss.rows()[-1]
    notebook, report = tmp_path / "run.ipynb", tmp_path / "run.html"
    assert window.files.export_notebook(str(notebook))
    assert window.files.export_report(str(report))

    # the other kinds of data, each with the plots the lecture draws for it
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

    results = run_notebooks([notebook, regression, spiral, mnist], tmp_path)
    mine = results[str(notebook)]
    assert len(mine["loss"]) == 1
    np.testing.assert_allclose(mine["loss"][0], app["loss"], rtol=2e-4)
    np.testing.assert_allclose(mine["test_loss"], app["test_loss"], rtol=2e-4)
    assert mine["shown"] == [1, 1, 1, 1]  # data, loss, accuracy, decision boundary
    assert results[str(regression)]["shown"] == [1, 1, 1]  # data, loss, fitted curve (mse: no second curve)
    assert results[str(spiral)]["shown"] == [1, 1, 1, 1]
    assert results[str(mnist)]["shown"] == [10, 1, 1, 2]  # ten digits, loss, accuracy, a digit and its stems
    assert all(np.isfinite(r["loss"][0]) for r in results.values())

    page = report.read_text(encoding="utf-8")
    for words in ("1. The data", "2. The network", "3. Training settings", "4. Results", "Loss curves",
                  "The decision surface", "Dense(2, sigmoid)", "Looking at parameters", f"{app['loss']:.4f}"):
        assert words in page, words
    assert "No picture" not in page
    pictures = embedded_pictures(page)
    assert len(pictures) == 4 and all(not image.isNull() and image.width() > 300 for image in pictures)
    image = rendered(page)
    assert image.height() > 2000  # four pictures, three tables and the lesson's text, laid out


def test_report_on_the_command_line_html_and_pdf_and_a_workspace_whose_mnist_is_gone(tmp_path, capsys):
    # a fresh process: an MNIST workspace whose file is gone still gets its report, without those pictures
    mlp = lessons.get("mnist-mlp")
    gone = save_workspace(Workspace(mlp.network, mlp.train, replace(mlp.data, path=str(tmp_path / "gone.npz")),
                                    preset=mlp.id), tmp_path / "digits.annws")
    out = subprocess.run([sys.executable, "-m", "annstudio", "report", str(gone), "-o", str(tmp_path / "digits.html")],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert "some pictures are left out: its MNIST file" in out.stdout and "gone.npz no longer exists" in out.stdout
    page = (tmp_path / "digits.html").read_text(encoding="utf-8")
    assert "(No picture: its MNIST file" in page and "79,510" in page  # the network is still described
    assert "Handwritten digits (MNIST)" in page  # the lecture's lesson of its experiment
    assert len(embedded_pictures(page)) == 1  # the network; no loss curve either: it was never trained

    preset = lessons.get("overfit-dropout")
    history = [{"epoch": 1, "loss": 2.0, "mse": 2.0}, {"epoch": 2, "loss": 1.5, "mse": 1.5}]
    source = save_workspace(Workspace(preset.network, preset.train, preset.data, history=history, epoch=2,
                                      lesson="# Our lesson\n\nA curve through **ten** points."), tmp_path / "fit.annws")
    assert cli.main(["report", str(source), "-o", str(tmp_path / "fit.html")]) == 0
    page = (tmp_path / "fit.html").read_text(encoding="utf-8")
    assert "<h3>Our lesson</h3>" in page and "<b>ten</b>" in page and "The fitted curve" in page
    assert len(embedded_pictures(page)) == 4

    assert cli.main(["report", str(source), "-o", str(tmp_path / "fit.pdf")]) == 0
    pdf = (tmp_path / "fit.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2

    capsys.readouterr()
    assert cli.main(["report", str(source), "-o", str(tmp_path / "missing" / "r.html")]) == 1
    assert cli.main(["report", str(source), "-o", str(tmp_path / "r.txt")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "the folder" in err[0] and "does not exist" in err[0] and ".html or .pdf" in err[1], err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # nothing half-written


def test_reports_and_notebooks_refuse_a_read_only_folder_in_one_sentence(window, tmp_path, monkeypatch):
    import annstudio.core.atomic as atomic

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    assert not window.files.export_notebook(str(tmp_path / "n.ipynb"))
    assert "notebook was not exported" in window.last_error() and "Permission denied" in window.last_error()
    assert not window.files.export_report(str(tmp_path / "r.html"))
    assert "report was not exported" in window.last_error() and "Permission denied" in window.last_error()
    assert "Unexpected" not in window.last_error()
    assert list(tmp_path.iterdir()) == []
    assert [a.text() for a in window.files.export_menu.actions()] == ["&Notebook…", "&Report…"]
