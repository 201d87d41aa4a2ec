"""Plots export to PNG and SVG, the loss history to CSV; the right-click menu offers them."""
import csv
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtWidgets

from annstudio.gui import export
from annstudio.gui.export import ExportError, add_export_menu, export_history_csv, export_plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget(title="loss")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.plot(np.arange(10), np.exp(-np.arange(10) / 3), pen="b", name="loss")
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _svg_root(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return root


def test_plot_exports_to_png_and_svg(plot, tmp_path):
    png = export_plot(plot, tmp_path / "loss.png")
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000
    big = export_plot(plot, tmp_path / "big.PNG", width=800)
    from PySide6.QtGui import QImage

    assert QImage(str(big)).width() == 800
    svg = export_plot(plot.getPlotItem(), tmp_path / "loss.svg")
    root = _svg_root(svg)
    assert any(el.tag.endswith("path") or el.tag.endswith("polyline") for el in root.iter())
    assert sorted(os.listdir(tmp_path)) == ["big.PNG", "loss.png", "loss.svg"]


def test_a_layout_of_several_plots_exports_whole(qtbot, tmp_path):
    layout = pg.GraphicsLayoutWidget()
    qtbot.addWidget(layout)
    layout.resize(500, 250)
    layout.addPlot(row=0, col=0).plot([1, 2, 3])
    layout.addPlot(row=0, col=1).plot([3, 2, 1])
    layout.show()
    qtbot.waitExposed(layout)
    assert export_plot(layout, tmp_path / "both.png").read_bytes().startswith(PNG_SIGNATURE)
    _svg_root(export_plot(layout, tmp_path / "both.svg"))


def test_other_suffixes_and_unshown_plots_are_refused(plot, qtbot, tmp_path):
    for name in ("loss.jpg", "loss", "loss.pdf"):
        with pytest.raises(ExportError, match="exported as .png or .svg"):
            export_plot(plot, tmp_path / name)
    with pytest.raises(ExportError, match="does not exist"):
        export_plot(plot, tmp_path / "missing" / "loss.png")
    item = pg.PlotItem()
    with pytest.raises(ExportError, match="not shown in a window"):
        export_plot(item, tmp_path / "loose.png")
    with pytest.raises(ExportError, match="cannot export a"):
        export_plot("a plot", tmp_path / "x.png")
    assert os.listdir(tmp_path) == []


def test_a_failed_export_keeps_the_previous_file(plot, tmp_path, monkeypatch):
    path = export_plot(plot, tmp_path / "keep.svg")
    before = path.read_bytes()
    plot.plot([0, 5], [0, 1], pen="r")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ExportError, match="No space left on device"):
        export_plot(plot, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["keep.svg"]


def test_svg_falls_back_to_qts_own_drawing(plot, tmp_path, monkeypatch):
    def broken(self, **kwargs):
        raise ValueError("not enough values to unpack")

    monkeypatch.setattr(pg.exporters.SVGExporter, "export", broken)
    root = _svg_root(export_plot(plot, tmp_path / "plain.svg"))
    assert any(el.tag.endswith("path") for el in root.iter())


def test_svg_keeps_curves_inside_the_axes(plot, tmp_path):
    """pyqtgraph's own SVG export (which clips to the view) is used, despite Qt's newer path syntax."""
    plot.setXRange(2, 4, padding=0)
    root = _svg_root(export_plot(plot, tmp_path / "zoomed.svg"))
    assert any(el.tag.endswith("clipPath") for el in root.iter())
    for el in root.iter():
        if el.tag.endswith("path"):
            assert " Z" not in el.get("d", "")


def test_history_csv_has_epoch_first_and_every_column(tmp_path):
    rows = [{"loss": 0.7, "epoch": 1, "accuracy": 0.5},
            {"epoch": 2, "loss": 0.4, "accuracy": 0.75, "test_loss": 0.5},
            {"epoch": 3, "loss": 0.25, "accuracy": None, "test_loss": 0.3}]
    path = export_history_csv(rows, tmp_path / "history.csv")
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["epoch", "loss", "accuracy", "test_loss"]
    assert table[1] == ["1", "0.7", "0.5", ""]
    assert table[3] == ["3", "0.25", "", "0.3"]
    assert [float(v) for v in table[2]] == [2, 0.4, 0.75, 0.5]
    with pytest.raises(ExportError, match="no loss history"):
        export_history_csv([], tmp_path / "empty.csv")
    assert not (tmp_path / "empty.csv").exists()


@pytest.mark.qt_log_ignore("not accepted by receiving widget", "does not support raise",
                            "does not support grabbing")  # the offscreen platform and QTest, not us
def test_context_menu_offers_the_exports(plot, qtbot, tmp_path, monkeypatch):
    rows = [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}]
    actions = add_export_menu(plot, get_rows=lambda: rows, name="loss")
    assert [a.text() for a in actions] == ["Export PNG…", "Export SVG…", "Export loss history CSV…"]
    qtbot.mouseClick(plot.viewport(), QtCore.Qt.MouseButton.RightButton, pos=plot.viewport().rect().center())
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activePopupWidget() is not None)
    menu = QtWidgets.QApplication.activePopupWidget()
    assert all(a in menu.actions() for a in actions)
    menu.close()

    answers = iter([str(tmp_path / "chosen"), str(tmp_path / "chosen.svg"), str(tmp_path / "history")])
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (next(answers), "")))
    for action in actions:
        action.trigger()
    assert (tmp_path / "chosen.png").read_bytes().startswith(PNG_SIGNATURE)
    _svg_root(tmp_path / "chosen.svg")
    assert (tmp_path / "history.csv").read_text().splitlines() == ["epoch,loss", "1,0.5", "2,0.25"]


def test_a_cancelled_dialog_writes_nothing_and_errors_are_shown(plot, tmp_path, monkeypatch):
    actions = add_export_menu(plot, get_rows=lambda: [])
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    actions[0].trigger()
    assert os.listdir(tmp_path) == []
    warnings = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "h.csv"), "")))
    actions[2].trigger()
    assert warnings and "no loss history" in warnings[0]


def test_importing_export_loads_no_tensorflow():
    code = "import sys, annstudio.gui.export; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "False", out.stderr
    assert export.IMAGE_SUFFIXES == (".png", ".svg")
