"""Exporting what a view shows: plots as PNG or SVG, the loss history as CSV.

Every file is written atomically (a temporary file beside it, then a rename, with
:func:`annstudio.core.atomic.atomic_path`), so a failed export never leaves half a file where a good one was.
``add_export_menu`` puts the exports in a plot's context menu. Importing this module loads no TensorFlow;
the store (which does) is imported when a file is first written.
"""
from __future__ import annotations

import csv
import importlib
import io
import os
from pathlib import Path
from typing import Callable, Sequence

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from ..core.errors import UserError

IMAGE_SUFFIXES = (".png", ".svg")

_last_folder = ""


class ExportError(UserError):
    """A plot or table that cannot be exported, with the reason in words."""


def _target(plot) -> QtWidgets.QGraphicsItem | QtWidgets.QGraphicsScene:
    """What to export for a widget or item: a PlotWidget's plot, a layout's whole scene."""
    if isinstance(plot, pg.PlotWidget):
        return plot.getPlotItem()
    if isinstance(plot, QtWidgets.QGraphicsView):
        return plot.scene()
    if isinstance(plot, (QtWidgets.QGraphicsItem, QtWidgets.QGraphicsScene)):
        return plot
    raise ExportError(f"cannot export a {type(plot).__name__}; give a plot widget or a plot item")


def export_plot(plot, path: str | os.PathLike, width: int | None = None) -> Path:
    """Write a plot (PlotWidget, GraphicsLayoutWidget or a plot item) as PNG or SVG, chosen by the suffix.

    ``width`` (PNG only) scales the picture to that many pixels wide, e.g. for a sharp slide.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ExportError(f"a plot can be exported as .png or .svg, not {path.suffix or 'a file without a suffix'!r}"
                          f" ({path.name})")
    import pyqtgraph.exporters  # noqa: F401  (when first needed: ~25 ms of the window's start otherwise)

    from ..core.atomic import StoreError, atomic_path

    target = _target(plot)
    scene = target if isinstance(target, QtWidgets.QGraphicsScene) else target.scene()
    if scene is None or not scene.views():
        raise ExportError("the plot is not shown in a window, so there is nothing to export yet")
    try:
        if suffix == ".png":
            exporter = pg.exporters.ImageExporter(target)
            if width:
                exporter.parameters()["width"] = int(width)
            if exporter.parameters()["width"] < 1 or exporter.parameters()["height"] < 1:
                raise ExportError("the plot has no size yet (is its window shown?)")
            image = exporter.export(toBytes=True)
            with atomic_path(path) as tmp:
                if not image.save(tmp, "PNG"):
                    raise ExportError(f"cannot write the picture to {path}")
        else:
            data = _svg_bytes(target, scene)
            with atomic_path(path) as tmp:
                with open(tmp, "wb") as out:
                    out.write(data)
    except StoreError as exc:
        raise ExportError(str(exc)) from None
    return path


def _svg_bytes(target, scene: QtWidgets.QGraphicsScene) -> bytes:
    """The plot as SVG: pyqtgraph's exporter (it clips curves to the axes), else Qt's own SVG of the scene."""
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = module.correctCoordinates

    def tolerant(node, *args, **kwargs):
        _close_paths_explicitly(node)
        return original(node, *args, **kwargs)

    module.correctCoordinates = tolerant
    try:
        return pg.exporters.SVGExporter(target).export(toBytes=True)
    except (ValueError, IndexError, TypeError, AttributeError):
        return _qt_svg(target, scene)
    finally:
        module.correctCoordinates = original


def _close_paths_explicitly(node) -> None:
    """Qt ≥ 6.10 ends closed sub-paths with a bare ``Z``, which pyqtgraph's SVG exporter (0.13/0.14) cannot
    parse; a line back to the sub-path's start draws the same shape."""
    for element in node.getElementsByTagName("path"):
        d = element.getAttribute("d")
        if "Z" not in d and "z" not in d:
            continue
        out, start = [], None
        for token in d.split():
            closes = token[-1] in "Zz"
            token = token.rstrip("Zz")
            if token:
                if token[0] == "M":
                    start = token[1:]
                out.append(token)
            if closes and start:
                out.append("L" + start)
        element.setAttribute("d", " ".join(out))


def _qt_svg(target, scene: QtWidgets.QGraphicsScene) -> bytes:
    source = target.sceneBoundingRect() if isinstance(target, QtWidgets.QGraphicsItem) else scene.sceneRect()
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    generator = QtSvg.QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QtCore.QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QtCore.QRectF(0, 0, source.width(), source.height()))
    painter = QtGui.QPainter(generator)
    try:
        scene.render(painter, QtCore.QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
    return bytes(buffer.data())


def history_columns(rows: Sequence[dict]) -> list[str]:
    """All keys of ``rows`` in a stable order: ``epoch`` first, then as they first appear."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(str(key))
    if "epoch" in columns:
        columns.remove("epoch")
        columns.insert(0, "epoch")
    return columns


def export_history_csv(rows: Sequence[dict], path: str | os.PathLike) -> Path:
    """Write the loss history (one dict per epoch) as CSV; a missing value is an empty cell."""
    from ..core.atomic import StoreError, atomic_path

    path = Path(path)
    if not rows:
        raise ExportError("there is no loss history to export yet; train first")
    columns = history_columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    try:
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8", newline="") as out:
                out.write(buffer.getvalue())
    except StoreError as exc:
        raise ExportError(str(exc)) from None
    return path


def _cell(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ---------------------------------------------------------------------------------------------------
# Context menu

def _ask_path(parent: QtWidgets.QWidget, title: str, name: str, file_filter: str, suffix: str) -> str:
    global _last_folder
    start = os.path.join(_last_folder, name) if _last_folder else name
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, start, file_filter)
    if not path:
        return ""
    if not path.lower().endswith(suffix):
        path += suffix
    _last_folder = os.path.dirname(path)
    return path


def _run(parent: QtWidgets.QWidget, job: Callable[[], object]) -> None:
    try:
        job()
    except ExportError as exc:
        QtWidgets.QMessageBox.warning(parent, "Export failed", str(exc))


def add_export_menu(plot_widget: QtWidgets.QGraphicsView, get_rows: Callable[[], Sequence[dict]] | None = None,
                    name: str = "plot") -> list[QtGui.QAction]:
    """Add "Export PNG…", "Export SVG…" (and, with ``get_rows``, "Export loss history CSV…") to the right-click
    menu of a PlotWidget or GraphicsLayoutWidget. ``name`` is the suggested file name. Returns the actions."""
    scene = plot_widget.scene()
    png = QtGui.QAction("Export PNG…", plot_widget)
    svg = QtGui.QAction("Export SVG…", plot_widget)
    png.triggered.connect(lambda: _export_image(plot_widget, name, ".png"))
    svg.triggered.connect(lambda: _export_image(plot_widget, name, ".svg"))
    actions = [png, svg]
    if get_rows is not None:
        table = QtGui.QAction("Export loss history CSV…", plot_widget)
        table.triggered.connect(lambda: _export_rows(plot_widget, get_rows))
        actions.append(table)
    # the scene's own menu entries are added to every item's right-click menu in it (pyqtgraph's "Export...")
    scene.contextMenu.extend(actions)
    return actions


def _export_image(widget: QtWidgets.QWidget, name: str, suffix: str) -> None:
    kind = "PNG image (*.png)" if suffix == ".png" else "SVG drawing (*.svg)"
    path = _ask_path(widget, f"Export {suffix[1:].upper()}", name + suffix, kind, suffix)
    if path:
        _run(widget, lambda: export_plot(widget, path))


def _export_rows(widget: QtWidgets.QWidget, get_rows: Callable[[], Sequence[dict]]) -> None:
    path = _ask_path(widget, "Export loss history", "loss-history.csv", "CSV table (*.csv)", ".csv")
    if path:
        _run(widget, lambda: export_history_csv(list(get_rows()), path))


__all__ = ["ExportError", "add_export_menu", "export_history_csv", "export_plot", "history_columns"]
