"""The report's page without Qt: layer table, lesson text, sections, embedded pictures, atomic writing."""
import base64
import os
import stat
from pathlib import Path

import pytest

from annstudio.core import atomic, build, lessons
from annstudio.core.report import (Picture, ReportError, data_description, layer_rows, lesson_of, markdown_html,
                                   report_html, workspace_title, write_html)
from annstudio.core.spec import NetworkSpec, batchnorm, dense, dropout, flatten
from annstudio.core.workspace import Workspace

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.mark.parametrize("network", [
    lessons.get("mnist-mlp").network,
    lessons.get("overfit-batchnorm").network,
    NetworkSpec((3,), (dense(5, "relu"), dropout(0.2), batchnorm(), dense(1, "sigmoid")), ("x1", "x2", "x1*x2")),
    NetworkSpec((28, 28), (dense(4, "relu"), flatten(), dense(10, "softmax")), ()),
])
def test_layer_table_counts_parameters_as_keras_does(network):
    rows = layer_rows(network)
    assert len(rows) == len(network.layers)
    assert sum(params for _, _, params in rows) == build.build_model(network, seed=0).count_params()


def test_lesson_markdown_becomes_html():
    text = "# Title\n\nSome **bold**, *italic* and `code` <b>.\n\n- one\n- two\n  goes on\n\n1. first\n\nz1 = a\\\nz2 = b"
    html = markdown_html(text)
    assert "<h3>Title</h3>" in html and "<b>bold</b>" in html and "<i>italic</i>" in html
    assert "<code>code</code>" in html and "&lt;b&gt;" in html  # the lesson's own text is never markup
    assert "<ul>\n<li>one</li>\n<li>two goes on</li>\n</ul>" in html and "<ol>\n<li>first</li>\n</ol>" in html
    assert "<p>z1 = a<br>z2 = b</p>" in html


def test_the_page_has_every_section_its_pictures_embedded_and_says_why_one_is_missing():
    preset = lessons.get("looking-at-parameters")
    history = [{"epoch": 1, "loss": 0.5, "accuracy": 0.7}, {"epoch": 2, "loss": 0.25, "accuracy": 0.875}]
    ws = Workspace(preset.network, preset.train, preset.data, history=history, epoch=2, preset=preset.id)
    assert workspace_title(ws) == preset.title
    ws.lesson = lesson_of(ws)
    assert "Looking at parameters" in ws.lesson  # the lecture's lesson of the workspace's experiment
    pictures = {"data": Picture(PNG, "the points"), "network": Picture(PNG), "loss": Picture(PNG),
                "result": Picture(missing="the network could not be evaluated")}
    page = report_html(ws, pictures, title=workspace_title(ws), data_text=data_description(ws), source="w.annws")
    for words in ("<h2>The lesson</h2>", "<h2>1. The data</h2>", "The lecture&#x27;s parabola", "seed 1",
                  "<h2>2. The network</h2>", "Dense(2, sigmoid)", "<th class='number'>9</th>",
                  "<h2>3. Training settings</h2>", "<td>0.1</td>", "binary cross-entropy",
                  "<h2>4. Results</h2>", "After 2 epochs", "0.2500", "0.8750", "The decision surface",
                  "(No picture: the network could not be evaluated.)", "from w.annws"):
        assert words in page, words
    assert page.count("src='data:image/png;base64,") == 3 and "http" not in page.split("<body>")[1]
    untrained = report_html(Workspace(preset.network, preset.train, preset.data), {})
    assert "has not been trained yet" in untrained and "<h2>The lesson</h2>" not in untrained


def test_writing_is_atomic_and_a_read_only_folder_is_one_sentence(tmp_path, monkeypatch):
    path = write_html(tmp_path / "r.html", "<p>first</p>")
    assert path.read_text() == "<p>first</p>"
    folder = tmp_path
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(folder, os.W_OK):  # root may write anyway: refuse the way the system does then
        def refuse(*args, dir=None, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    try:
        with pytest.raises(ReportError, match=r"^cannot save to .*r\.html: Permission denied$"):
            write_html(path, "<p>second</p>")
    finally:
        folder.chmod(stat.S_IRWXU)
    assert path.read_text() == "<p>first</p>" and [p.name for p in Path(tmp_path).iterdir()] == ["r.html"]
